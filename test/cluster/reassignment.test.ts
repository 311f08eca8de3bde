// Issue 14, partition reassignment (KIP-455) and preferred-leader election with real processes:
// four brokers, an RF 3 topic (min.insync.replicas 2) of four partitions under an acks=all load.
// Broker 1 is drained: every partition it holds a replica of moves that replica to the broker the
// partition lacks (sent to a broker that is not the controller: forwarded), under a replication
// throttle. Then: listPartitionReassignments empties, every partition's replicas are its target,
// broker 1's replica directories are gone, every acknowledged record is at its offset in the final
// log and on the disk of each broker the move added; a reorder of a partition's replicas leaves its
// leader off replicas[0] until electLeaders gives the leadership back to it.
// (On a broker without reassignment the alter answers "not built yet" and this test fails.)
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { RawClient, type Frame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { AckingProducer, checkAcknowledged, createReplicatedTopic } from './acked-records.js'
import { readLogOnDisk } from './log-on-disk.js'

const TOPIC = 'moving'
const PARTITIONS = 4
const DRAINED = 1
const THROTTLE_BYTES_PER_SEC = 8 * 1024 * 1024
const WAIT_MS = 60_000

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

/** The op's answer, or a thrown error naming it. */
async function ask(client: RawClient, op: string, fields: Frame): Promise<Frame> {
  const answer = await client.request(op, fields, 20_000)
  if (answer.error !== undefined) throw new Error(`${op}: ${JSON.stringify(answer.error)}`)
  return answer
}

it('drains a broker under acks=all load: moves complete, nothing acknowledged is lost, electLeaders restores preferred leaders', async () => {
  cluster = await startCluster({ brokers: 4, sessionTimeoutMs: 2000 })
  await createReplicatedTopic(cluster, TOPIC, PARTITIONS)
  const controller = await cluster.waitForController()
  const via = cluster.brokerIds.find((id) => id !== controller && id !== DRAINED)!
  raw = await RawClient.connect(cluster.url(via))

  const producer = cluster.track(cluster.client({ requestTimeoutMs: 10_000 }).producer({ acks: 'all', idempotent: true }))
  const sending = new AckingProducer(producer, TOPIC, { partitions: PARTITIONS, inFlightMax: 16, tag: 'm' }).start()
  await sending.waitForMoreAcks(400, 'before the moves')

  // The drain: broker 1's replica goes to the broker the partition lacks, in its place in the list.
  const targets = new Map<number, number[]>()
  for (let p = 0; p < PARTITIONS; p++) {
    const replicas = (await cluster.partition(TOPIC, p)).replicas!
    expect(replicas.length).toBe(3)
    const missing = cluster.brokerIds.find((id) => !replicas.includes(id))!
    if (replicas.includes(DRAINED)) targets.set(p, replicas.map((b) => (b === DRAINED ? missing : b)))
  }
  expect(targets.size).toBe(3) // four partitions over four brokers, RF 3: broker 1 holds three
  const altered = await ask(raw, 'alterPartitionReassignments', {
    throttleBytesPerSec: THROTTLE_BYTES_PER_SEC,
    partitions: [...targets].map(([partition, replicas]) => ({ topic: TOPIC, partition, replicas })),
  })
  expect(altered.partitions.map((a: Frame) => a.error ?? null)).toEqual([...targets].map(() => null))

  // Done: no move listed, every partition on its target with its whole ISR, broker 1 holding nothing.
  await waitFor('the moves to complete', async () => {
    const listed = await ask(raw!, 'listPartitionReassignments', { topics: [TOPIC] })
    expect(listed.throttleBytesPerSec).toBe(THROTTLE_BYTES_PER_SEC)
    if (listed.reassignments.length > 0) throw new Error(`in progress: ${JSON.stringify(listed.reassignments)}`)
    for (const [p, target] of targets) {
      const state = await cluster!.partition(TOPIC, p, { via })
      if (JSON.stringify(state.replicas) !== JSON.stringify(target)) throw new Error(`${TOPIC}-${p}: replicas ${JSON.stringify(state.replicas)}, target ${JSON.stringify(target)}`)
      if (!target.includes(state.leader)) throw new Error(`${TOPIC}-${p}: leader ${state.leader} not in ${JSON.stringify(target)}`)
    }
    return true
  }, { timeoutMs: WAIT_MS, intervalMs: 100 })
  for (const p of targets.keys()) await cluster.waitForIsr(TOPIC, p, targets.get(p)!)
  await waitFor(`broker ${DRAINED}'s replica directories to be deleted`, () =>
    [...targets.keys()].every((p) => !existsSync(join(cluster!.broker(DRAINED).dataDir, `${TOPIC}-${p}`))), { timeoutMs: WAIT_MS })

  // The producer carried on through the moves; what it was told is in every final replica.
  await sending.waitForMoreAcks(400, 'after the moves')
  await sending.stop()
  expect(sending.acks.length).toBeGreaterThan(0)
  for (let p = 0; p < PARTITIONS; p++) {
    const log = await cluster.readPartition(TOPIC, p)
    expect(checkAcknowledged(sending.acks, p, log), `${TOPIC}-${p} from its leader`).toEqual([])
    const highWatermark = log.offsets.length === 0 ? 0 : log.offsets.at(-1)! + 1
    for (const b of targets.get(p) ?? []) {
      const onDisk = await waitFor(`broker ${b}'s log of ${TOPIC}-${p} to reach ${highWatermark}`, () => {
        const found = readLogOnDisk(cluster!.broker(b).dataDir, TOPIC, p)
        return found.endOffset >= highWatermark ? found : undefined
      }, { timeoutMs: WAIT_MS })
      expect(checkAcknowledged(sending.acks, p, onDisk), `${TOPIC}-${p} on broker ${b}`).toEqual([])
    }
  }

  // Preferred leaders: a reorder of partition 0's replicas (no data moves) leaves its leader off
  // the new replicas[0] until electLeaders; a partition led by its replicas[0] needs no election.
  const [p0, reordered] = [...targets][0]!
  const leader0 = await cluster.waitForLeader(TOPIC, p0)
  const preferred = reordered.find((b) => b !== leader0)!
  const order = [preferred, ...reordered.filter((b) => b !== preferred)]
  const reorder = await ask(raw, 'alterPartitionReassignments', { partitions: [{ topic: TOPIC, partition: p0, replicas: order }] })
  expect(reorder.partitions[0].error).toBeUndefined()
  await waitFor(`${TOPIC}-${p0}'s replicas to be ${JSON.stringify(order)}`, async () =>
    JSON.stringify((await cluster!.partition(TOPIC, p0, { via: controller })).replicas) === JSON.stringify(order))
  expect(await cluster.leaderOf(TOPIC, p0)).toBe(leader0)
  const elected = await ask(raw, 'electLeaders', { electionType: 'preferred', partitions: [{ topic: TOPIC, partition: p0 }] })
  expect(elected.partitions).toEqual([{ topic: TOPIC, partition: p0, leader: preferred }])
  await cluster.waitForLeader(TOPIC, p0, (id) => id === preferred)
  const again = await ask(raw, 'electLeaders', { electionType: 'preferred', partitions: [{ topic: TOPIC, partition: p0 }] })
  expect(again.partitions[0].error.code).toBe(ErrorCode.ELECTION_NOT_NEEDED)

  // A cancel with nothing to cancel, and a target naming a broker that does not exist, are refused per partition.
  const refused = await ask(raw, 'alterPartitionReassignments', { partitions: [
    { topic: TOPIC, partition: p0 }, { topic: TOPIC, partition: p0, replicas: [2, 3, 99] }, { topic: 'nope', partition: 0, replicas: [2] }] })
  expect(refused.partitions.map((a: Frame) => a.error?.code)).toEqual([ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION])
}, 180_000)
