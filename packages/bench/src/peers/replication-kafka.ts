// Apache Kafka's side of the replication workload (suite/replication.ts): a three-broker KRaft
// cluster (kafka-cluster.ts); ProducerPerformance (its own tool, as in the other workloads) for the
// RF / acks cases, and kafkajs for the failover timings (a Node producer, as faecie's client is one),
// with the default session timeout and then, on a new cluster, with broker.session.timeout.ms 2000
// (and the brokers' heartbeat at 500 ms, under it).
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs'
import { measure, type SuiteContext } from '../suite/context.js'
import { failoverOnce } from '../suite/failover.js'
import { within } from '../suite/harness.js'
import { parseProducerPerformance } from '../suite/parsers.js'
import { runTool, tail } from '../suite/processes.js'
import {
  CLUSTER_BROKERS, DEFAULT_SESSION_TIMEOUT_MS, FAILOVER, IN_SYNC_TIMEOUT_MS, KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION, RECORD_BYTES, REPLICATION,
  REPLICATION_CASES, SESSION_CASES, type SessionCase, caseVariant, failoverVariant, inSync, minInsyncOf, notMeasured, waitUntil,
} from '../suite/replication.js'
import type { Figures } from '../suite/results.js'
import { KAFKA_JS, KAFKA_PRODUCER_PROPS, KAFKA_TOOLS } from './kafka.js'
import { type KafkaCluster, startKafkaCluster } from './kafka-cluster.js'
import { javaArgs } from './kafka-server.js'

async function createTopic(admin: Admin, topic: string, replicationFactor: number): Promise<void> {
  await within(60_000, 'kafka createTopics', admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor, configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncOf(replicationFactor)) }] }],
    waitForLeaders: false,
    timeout: 60_000,
  }))
  await waitInSync(admin, topic, replicationFactor)
}

async function partitionOf(admin: Admin, topic: string): Promise<{ leader: number; isr: number[] } | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
  const p = topics[0]?.partitions.find((x) => x.partitionId === 0)
  return p === undefined || p.partitionErrorCode !== 0 ? undefined : { leader: p.leader, isr: p.isr }
}

async function leaderOf(admin: Admin, topic: string): Promise<number> {
  const leader = (await partitionOf(admin, topic))?.leader
  if (leader === undefined || leader < 0) throw new Error(`topic ${topic} has no leader`)
  return leader
}

async function waitInSync(admin: Admin, topic: string, replicas: number): Promise<void> {
  await waitUntil(`kafka topic ${topic} in sync`, IN_SYNC_TIMEOUT_MS, async () => inSync(await partitionOf(admin, topic), replicas))
}

export async function benchKafkaReplication(context: SuiteContext, classpath: string): Promise<void> {
  for (const session of SESSION_CASES) {
    context.log(`  kafka: ${CLUSTER_BROKERS} brokers and a controller, session timeout ${session.sessionTimeoutMs ?? `default (${DEFAULT_SESSION_TIMEOUT_MS.kafka})`} ms`)
    try {
      await kafkaSession(context, classpath, session)
    } catch (err) {
      notMeasured(context, [KAFKA_TOOLS, KAFKA_JS], session, err)
    }
  }
}

async function kafkaSession(context: SuiteContext, classpath: string, session: SessionCase): Promise<void> {
  const { profile } = context
  const short = session.sessionTimeoutMs !== undefined
  const cluster = await startKafkaCluster(classpath, {
    brokers: CLUSTER_BROKERS,
    ...(short ? { sessionTimeoutMs: session.sessionTimeoutMs, heartbeatIntervalMs: KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION } : {}),
  })
  const kafka = new Kafka({
    clientId: 'faecie-bench', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000, requestTimeout: FAILOVER.clientRequestTimeoutMs,
    retry: { initialRetryTime: FAILOVER.clientRetryInitialMs, maxRetryTime: FAILOVER.clientRetryMaxMs, retries: FAILOVER.clientRetries },
  })
  const admin = kafka.admin()
  let seq = 0
  try {
    await within(60_000, 'kafka admin connect', admin.connect())
    await waitUntil(`${CLUSTER_BROKERS} Kafka brokers registered`, IN_SYNC_TIMEOUT_MS, async () => {
      const { brokers } = await admin.describeCluster()
      return brokers.length >= CLUSTER_BROKERS ? true : `${brokers.length} brokers`
    })
    if (!short) {
      for (const c of REPLICATION_CASES) {
        await measure(context, { workload: REPLICATION, system: KAFKA_TOOLS, variant: caseVariant(c) }, async () => {
          const topic = `replication-${++seq}`
          await createTopic(admin, topic, c.replicationFactor)
          try {
            return await producerPerf(context, classpath, cluster.bootstrap, topic, profile.replicationRecords, c.acks)
          } finally {
            await admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch(() => undefined)
          }
        })
      }
    }
    const topic = `failover-${++seq}`
    await createTopic(admin, topic, CLUSTER_BROKERS)
    const note = `broker.session.timeout.ms ${session.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS.kafka}` + (short ? `, broker.heartbeat.interval.ms ${KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION}` : '')
    context.results.annotate(REPLICATION, KAFKA_JS, failoverVariant(session), note)
    await measure(context, { workload: REPLICATION, system: KAFKA_JS, variant: failoverVariant(session) }, () => failoverRun(context, kafka, admin, cluster, topic), profile.failoverRuns)
  } finally {
    await admin.disconnect().catch(() => undefined)
    await cluster.stop()
  }
}

/** One failover timing: full ISR, kill -9 the leader, time to the first ack after it; the broker is restarted after. */
async function failoverRun(context: SuiteContext, kafka: Kafka, admin: Admin, cluster: KafkaCluster, topic: string): Promise<Figures> {
  await waitInSync(admin, topic, CLUSTER_BROKERS)
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: false })
  const value = Buffer.alloc(RECORD_BYTES, 1)
  let leader = -1
  let killed = false
  try {
    await within(30_000, 'kafkajs connect', producer.connect())
    const timing = await failoverOnce({
      send: () => within(FAILOVER.timeoutMs, 'kafkajs send', producer.send({ topic, acks: -1, messages: [{ value }] })),
      beforeKill: async () => { leader = await leaderOf(admin, topic) },
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

async function producerPerf(context: SuiteContext, classpath: string, bootstrap: string, topic: string, records: number, acks: string): Promise<Figures> {
  const timeoutMs = context.profile.toolTimeoutMs
  const run = await runTool('java', javaArgs(classpath, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic', topic, '--num-records', String(records), '--record-size', String(RECORD_BYTES), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${bootstrap}`, `acks=${acks}`, ...KAFKA_PRODUCER_PROPS,
  ]), timeoutMs)
  if (run.timedOut) throw new Error(`ProducerPerformance timed out after ${timeoutMs} ms: ${tail(run.output)}`)
  if (run.code !== 0) throw new Error(`ProducerPerformance exited with ${String(run.code)}: ${tail(run.output)}`)
  const figures = parseProducerPerformance(run.output)
  if (figures === undefined) throw new Error(`no result line from ProducerPerformance: ${tail(run.output)}`)
  return figures
}
