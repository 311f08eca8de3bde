// Issue 13, first test: an acks=all producer (RF 3, min.insync.replicas 2) logs every
// acknowledgement; the leader is killed with SIGKILL mid-stream, at a moment when it holds records
// its followers lack; the producer carries on at the new leader; afterwards every acknowledged
// record is readable at its acknowledged offset, in order, with no duplicates, on the new leader
// and on the old one once it has restarted and caught up. (A leader that acknowledged acks=all at
// its own append fails it: the records it took while its followers were paused are lost.)
import { afterEach, expect, it } from 'vitest'
import { RawClient, batchOf, firstPartition, produceFrame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { AckingProducer, checkAcknowledged, createReplicatedTopic } from './acked-records.js'
import { readLogOnDisk } from './log-on-disk.js'

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

it('kill -9 of the leader under acks=all loses no acknowledged record and duplicates none', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const topic = 'leader-kill'
  await createReplicatedTopic(cluster, topic, 1)
  const oldLeader = await cluster.waitForLeader(topic, 0)
  const others = cluster.brokerIds.filter((id) => id !== oldLeader)

  const producer = cluster.track(cluster.client({ requestTimeoutMs: 5_000, connectTimeoutMs: 3_000 }).producer({ acks: 'all', idempotent: true }))
  const sending = new AckingProducer(producer, topic, { partitions: 1, inFlightMax: 16, tag: 'r' }).start()
  await sending.waitForMoreAcks(500, 'from the first leader')

  // The kill comes when the leader holds records no follower has: both followers are paused (far
  // below their session timeout) until the leader's log runs past theirs, which a record sent with
  // acks=1 makes sure of. What the leader takes meanwhile with acks=all must wait for them, unanswered.
  for (const id of others) cluster.stop(id)
  const followerEnd = Math.max(...others.map((id) => readLogOnDisk(cluster!.broker(id).dataDir, topic, 0).endOffset))
  raw = await RawClient.connect(cluster.url(oldLeader))
  expect(firstPartition(await raw.request('produce', produceFrame(topic, 0, batchOf('marker', 1), 1))).error).toBeUndefined()
  await waitFor('the leader to hold records its paused followers lack', () =>
    readLogOnDisk(cluster!.broker(oldLeader).dataDir, topic, 0).endOffset > followerEnd)
  await cluster.kill9(oldLeader)
  for (const id of others) cluster.cont(id)
  const newLeader = await cluster.waitForLeader(topic, 0, (id) => id !== oldLeader)
  expect(others).toContain(newLeader)
  // The controller took the dead broker out of the ISR: the two left meet min.insync.replicas.
  await cluster.waitForIsr(topic, 0, others)
  const acksBefore = sending.acks.length
  await sending.waitForMoreAcks(500, `from the new leader, broker ${newLeader}`)
  await sending.stop()

  // The producer carried on: records sent after the kill were acknowledged past the old ones.
  const lastBefore = Math.max(...sending.acks.slice(0, acksBefore).map((a) => a.offset))
  expect(sending.acks.slice(acksBefore).some((a) => a.offset > lastBefore)).toBe(true)

  const log = await cluster.readPartition(topic, 0)
  expect(checkAcknowledged(sending.acks, 0, log)).toEqual([])

  // The old leader comes back as a follower, and once in sync holds the same acknowledged records.
  await cluster.restart(oldLeader)
  await cluster.waitForIsr(topic, 0, 3)
  const highWatermark = log.offsets.length === 0 ? 0 : log.offsets.at(-1)! + 1
  const rejoined = await waitFor(`broker ${oldLeader}'s log to reach offset ${highWatermark}`, () => {
    const onDisk = readLogOnDisk(cluster!.broker(oldLeader).dataDir, topic, 0)
    return onDisk.endOffset >= highWatermark ? onDisk : undefined
  })
  expect(checkAcknowledged(sending.acks, 0, rejoined)).toEqual([])
}, 110_000)
