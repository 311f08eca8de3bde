// faecie's side of the replication workload (suite/replication.ts): a three-broker cluster with its
// own etcd (faecie-cluster.ts), driven by @faecie/client with all three URLs as its bootstrap list
// (the client routes each partition to its leader). The RF / acks cases run `faecie perf produce`'s
// workload (runProduce) after an unmeasured warm-up; the failover timings use one producer sending
// one record at a time, acks all, with the default session timeout (6 s) and then, on a new
// cluster, with `--broker-session-timeout-ms 2000`.
import { Faecie, type Admin, type TopicSpec } from '@faecie/client'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { runProduce, type WorkloadContext } from '../index.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { failoverOnce } from '../suite/failover.js'
import { figuresOf, within } from '../suite/harness.js'
import {
  CLUSTER_BROKERS, DEFAULT_SESSION_TIMEOUT_MS, FAILOVER, IN_SYNC_TIMEOUT_MS, RECORD_BYTES, REPLICATION, REPLICATION_CASES, SESSION_CASES,
  type SessionCase, caseVariant, failoverVariant, inSync, minInsyncOf, notMeasured, waitUntil,
} from '../suite/replication.js'
import type { Figures } from '../suite/results.js'
import { FAECIE } from './faecie.js'
import { type FaecieCluster, startFaecieCluster } from './faecie-cluster.js'

const CONNECT_TIMEOUT_MS = 10_000
/** The controller checks preferred leaders every 10 s by default; past this the run goes on. */
const PREFERRED_LEADER_WAIT_MS = 30_000

/** A client of the whole cluster; its retries are short, so that they add little to a failover. */
function clusterClient(urls: string[]): Faecie {
  return new Faecie({
    brokers: urls, clientId: 'faecie-bench', connectTimeoutMs: CONNECT_TIMEOUT_MS, requestTimeoutMs: FAILOVER.clientRequestTimeoutMs,
    retry: { retries: FAILOVER.clientRetries, initialRetryTimeMs: FAILOVER.clientRetryInitialMs, maxRetryTimeMs: FAILOVER.clientRetryMaxMs },
  })
}

async function partitionOf(admin: Admin, topic: string): Promise<{ leader: number; isr?: number[]; replicas?: number[] } | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
  return topics[0]?.partitions.find((p) => p.partition === 0)
}

async function waitInSync(admin: Admin, topic: string, replicas: number): Promise<void> {
  await waitUntil(`faecie topic ${topic} in sync`, IN_SYNC_TIMEOUT_MS, async () => inSync(await partitionOf(admin, topic), replicas))
}

/**
 * A refusal that waiting does not cure (a bad config, say). While the cluster forms, the controller
 * is not elected yet (retriable errors) or fewer brokers than the replication factor have joined
 * (INVALID_REPLICATION_FACTOR): those are waited out, as are lost connections.
 */
function refusedForGood(err: unknown): boolean {
  return err instanceof FaecieError && !err.retriable && err.code !== ErrorCode.INVALID_REPLICATION_FACTOR
}

/** Creates a topic of one partition (retried while the cluster forms: no controller yet, brokers missing) and waits for its full ISR. */
async function createTopic(admin: Admin, topic: string, replicationFactor: number): Promise<void> {
  const spec: TopicSpec & { replicationFactor: number } = {
    topic, numPartitions: 1, replicationFactor,
    config: { flush: 'never', 'min.insync.replicas': String(minInsyncOf(replicationFactor)) },
  }
  await waitUntil(`faecie topic ${topic} created`, IN_SYNC_TIMEOUT_MS, async () => {
    await within(CONNECT_TIMEOUT_MS * 3, 'createTopics', admin.createTopics({ topics: [spec], ifNotExists: true }))
    return true
  }, refusedForGood)
  await waitInSync(admin, topic, replicationFactor)
}

export async function benchFaecieReplication(context: SuiteContext): Promise<void> {
  for (const session of SESSION_CASES) {
    context.log(`  faecie: ${CLUSTER_BROKERS} brokers and etcd, session timeout ${session.sessionTimeoutMs ?? `default (${DEFAULT_SESSION_TIMEOUT_MS.faecie})`} ms`)
    try {
      await faecieSession(context, session)
    } catch (err) {
      notMeasured(context, [FAECIE], session, err)
    }
  }
}

async function faecieSession(context: SuiteContext, session: SessionCase): Promise<void> {
  const { profile } = context
  const cluster = await startFaecieCluster({
    repoRoot: context.repoRoot, brokers: CLUSTER_BROKERS, log: context.log,
    ...(session.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: session.sessionTimeoutMs }),
  })
  const wc: WorkloadContext = {
    newClient: () => clusterClient(cluster.urls),
    connected: (work) => within(CONNECT_TIMEOUT_MS, 'first contact with the cluster', work),
  }
  const client = clusterClient(cluster.urls)
  const admin = client.admin()
  let seq = 0
  // Each run's topic is kept until the cluster stops, not deleted after the run: deleting a topic
  // while its replicas still had requests in flight crashed a broker (an assertion in the partition
  // manager, "in-flight count for replication-8-0 went below zero", 2026-12-02), which then stalled
  // the next run. Kept topics cost disk only (the cluster's temp dir goes at the end).
  const withTopic = async <T>(replicationFactor: number, work: (topic: string) => Promise<T>): Promise<T> => {
    const topic = `replication-${++seq}`
    await createTopic(admin, topic, replicationFactor)
    return work(topic)
  }
  const timeoutMs = profile.toolTimeoutMs
  try {
    if (session.sessionTimeoutMs === undefined) {
      // The client runs in this process: a first, unmeasured run warms its JIT (as in the single-broker workloads).
      context.log(`  faecie: warm-up, ${profile.warmupRecords.toLocaleString('en-US')} records (not measured)`)
      await withTopic(1, (topic) => within(timeoutMs, 'warm-up', runProduce({ topic, records: profile.warmupRecords, recordBytes: RECORD_BYTES, producers: 1, acks: 1, throughput: -1 }, wc)))
      for (const c of REPLICATION_CASES) {
        await measure(context, { workload: REPLICATION, system: FAECIE, variant: caseVariant(c) }, () => withTopic(c.replicationFactor, async (topic) =>
          figuresOf(await within(timeoutMs, 'produce', runProduce({
            topic, records: profile.replicationRecords, recordBytes: RECORD_BYTES, producers: 1, acks: c.acks === 'all' ? 'all' : 1, throughput: -1,
          }, wc)))))
      }
    }
    const topic = `failover-${++seq}`
    await createTopic(admin, topic, CLUSTER_BROKERS)
    context.results.annotate(REPLICATION, FAECIE, failoverVariant(session), `--broker-session-timeout-ms ${session.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS.faecie}`)
    await measure(context, { workload: REPLICATION, system: FAECIE, variant: failoverVariant(session) }, () => failoverRun(context, admin, cluster, topic), profile.failoverRuns)
  } finally {
    await admin.disconnect().catch(() => undefined)
    await cluster.stop()
  }
}

/**
 * faecie's controller gives leadership back to the preferred replica (the first) once it is in the
 * ISR again: after a restart that move is waited for, so that it does not happen during a run. If it
 * does not come within PREFERRED_LEADER_WAIT_MS the run goes on (the kill finds the leader then).
 */
async function preferredLeaderBack(context: SuiteContext, admin: Admin, topic: string): Promise<void> {
  try {
    await waitUntil(`faecie topic ${topic}: the preferred replica leads`, PREFERRED_LEADER_WAIT_MS, async () => {
      const p = await partitionOf(admin, topic)
      const preferred = p?.replicas?.[0]
      return p !== undefined && preferred !== undefined && p.leader === preferred ? true : `leader ${p?.leader ?? '-'}, preferred ${preferred ?? '-'}`
    })
  } catch (err) {
    context.log(`    ${(err as Error).message}: going on`)
  }
}

/** One failover timing: full ISR, kill -9 the leader, time to the first ack after it; the broker is restarted after. */
async function failoverRun(context: SuiteContext, admin: Admin, cluster: FaecieCluster, topic: string): Promise<Figures> {
  await waitInSync(admin, topic, CLUSTER_BROKERS)
  await preferredLeaderBack(context, admin, topic)
  const client = clusterClient(cluster.urls)
  const producer = client.producer({ acks: 'all', idempotent: false, lingerMs: 0 })
  const value = new Uint8Array(RECORD_BYTES).fill(1)
  let leader = -1
  let killed = false
  try {
    await within(CONNECT_TIMEOUT_MS, 'producer connect', producer.connect())
    const timing = await failoverOnce({
      send: () => within(FAILOVER.timeoutMs, 'send', producer.send({ topic, messages: [{ value }] })),
      beforeKill: async () => {
        const p = await partitionOf(admin, topic)
        if (p === undefined || p.leader < 0) throw new Error(`topic ${topic} has no leader`)
        leader = p.leader
      },
      kill: async () => { killed = true; await cluster.kill9(leader) },
      warmSends: FAILOVER.warmSends, timeoutMs: FAILOVER.timeoutMs, retryPauseMs: FAILOVER.retryPauseMs,
    })
    context.log(`    leader ${leader} killed; first ack after ${Math.round(timing.failoverMs)} ms (${timing.failedSends} failed sends)`)
    return { failoverMs: timing.failoverMs }
  } finally {
    await producer.disconnect().catch(() => undefined)
    if (killed) await cluster.restart(leader)
  }
}
