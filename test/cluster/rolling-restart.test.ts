// Issue 14, controlled shutdown (docs/cluster.md "Controlled shutdown"): a rolling restart by SIGTERM
// under a steady acks=all load costs the producer nothing. Three brokers, a topic with three
// partitions, replication factor 3 and min.insync.replicas 2; an idempotent producer with acks=all
// and a short retry budget (about 2.5 s, so that a partition left without a leader for long shows
// up as a failed send) keeps sends going throughout. Each broker in turn gets SIGTERM, must exit
// with status 0 after it logged that it leads nothing, and is started again on its data dir; the
// next goes only once no partition is under-replicated. Afterwards: no send failed, and every
// acknowledged record reads back once, at its offset, in order.
//
// Without controlled shutdown (today's code before issue 14) a stopping leader leaves the cluster
// while it still leads: its partitions move only once its lease is revoked, and the acks=all answers
// it holds wait for followers that now follow another leader, until its drain times out (10 s): the
// producer's sends stall that long (its retries ride it out) and the broker logs that sessions were
// still busy at the drain timeout, which this test refuses.
import { afterEach, expect, it } from 'vitest'
import { RawClient } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { AckingProducer, checkAcknowledged, createReplicatedTopic, type PartitionLog } from './acked-records.js'

const PARTITIONS = 3
/** Below broker-process.ts's 20 s SIGKILL: a broker that cannot hand over still exits by itself. */
const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 15_000
/** The producer's retries: 50, 100, 200, 400, then 500 ms (+/- 20 %): about 2.5 s in all. */
const RETRY = { retries: 8, initialRetryTimeMs: 50, maxRetryTimeMs: 500, multiplier: 2, jitter: 0.2 }

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

/** Partitions of `topic` whose ISR is smaller than their replicas, as a running broker says. */
async function underReplicated(c: TestCluster, topic: string): Promise<string[]> {
  const answer = await c.metadata([topic])
  const partitions = answer.topics.find((t) => t.topic === topic)?.partitions ?? []
  if (partitions.length !== PARTITIONS) return [`${partitions.length} of ${PARTITIONS} partitions known`]
  return partitions.filter((p) => p.leader < 0 || (p.isr ?? []).length < (p.replicas ?? []).length || (p.replicas ?? []).length !== 3)
    .map((p) => `${topic}-${p.partition}: leader ${p.leader}, isr [${(p.isr ?? []).join(',')}] of [${(p.replicas ?? []).join(',')}]`)
}

/** The brokers describeCluster lists as shutting down, asked of `via`. */
async function shuttingDown(c: TestCluster, via: number): Promise<number[]> {
  await raw?.close()
  raw = await RawClient.connect(c.url(via))
  const answer = await raw.request('describeCluster', {}, 5_000) as { brokers?: { brokerId: number; shuttingDown?: boolean }[] }
  return (answer.brokers ?? []).filter((b) => b.shuttingDown === true).map((b) => b.brokerId)
}

it('a rolling restart by SIGTERM under acks=all load fails no send and loses nothing acknowledged', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000,
    extraArgs: ['--controlled-shutdown-timeout-ms', String(CONTROLLED_SHUTDOWN_TIMEOUT_MS)] })
  const topic = 'rolling-restart'
  await createReplicatedTopic(cluster, topic, PARTITIONS)

  const producer = cluster.track(cluster.client({ requestTimeoutMs: 5_000, connectTimeoutMs: 3_000, retry: RETRY })
    .producer({ acks: 'all', idempotent: true }))
  const sending = new AckingProducer(producer, topic, { partitions: PARTITIONS, inFlightMax: 16, tag: 'rr' }).start()
  await sending.waitForMoreAcks(200, 'before any restart')

  for (const brokerId of cluster.brokerIds) {
    const broker = cluster.broker(brokerId)
    await cluster.shutdown(brokerId)
    expect(broker.exitCode, `broker ${brokerId}'s exit status after SIGTERM\n${cluster.logs()}`).toBe(0)
    expect(broker.logs().some((line) => line.includes('controlled shutdown: this broker leads nothing another broker could lead')),
      `broker ${brokerId} handed its leaderships over before it stopped\n${broker.logs().slice(-20).join('\n')}`).toBe(true)
    // Nothing was left waiting on it when it stopped serving: a leader stopped while it still led
    // holds acks=all answers no follower will ever let through, until the drain times out.
    expect(broker.logs().filter((line) => line.includes('sessions still busy at the drain timeout')),
      `broker ${brokerId} stopped with requests stuck in it`).toEqual([])
    expect(sending.failures.map(String), `sends failed while broker ${brokerId} shut down`).toEqual([])
    await sending.waitForMoreAcks(100, `while broker ${brokerId} is down`)

    await cluster.restart(brokerId)
    // Its new registration does not carry the flag of the process before.
    await waitFor(`broker ${brokerId} registered again without shuttingDown`, async () => {
      const answer = await cluster!.metadata([], { via: brokerId })
      return answer.brokers.some((b) => b.brokerId === brokerId) && (await shuttingDown(cluster!, brokerId)).length === 0
    }, { timeoutMs: 30_000, intervalMs: 100 })
    await waitFor(`no under-replicated partition after broker ${brokerId} restarted`, async () => {
      const problems = await underReplicated(cluster!, topic)
      if (problems.length > 0) throw new Error(problems.join('; '))
      return true
    }, { timeoutMs: 60_000, intervalMs: 100 })
    await sending.waitForMoreAcks(100, `after broker ${brokerId} restarted`)
  }
  await sending.stop()

  expect(sending.failures.map(String), 'sends that failed after their retries').toEqual([])
  const logs: PartitionLog[] = []
  for (let p = 0; p < PARTITIONS; p++) logs.push(await cluster.readPartition(topic, p))
  for (let p = 0; p < PARTITIONS; p++) expect(checkAcknowledged(sending.acks, p, logs[p]!), `partition ${p}`).toEqual([])
  // Every acknowledged record is there exactly once (checkAcknowledged: at its offset, no value twice).
  expect(logs.reduce((n, log) => n + log.values.filter((v) => v.startsWith('rr-')).length, 0)).toBeGreaterThanOrEqual(sending.acks.length)
}, 240_000)
