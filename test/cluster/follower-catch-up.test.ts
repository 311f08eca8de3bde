// Issue 13, fourth test: a follower shut down while 100k records are written (acks=all: the two
// replicas left meet min.insync.replicas 2) comes back, catches up, and rejoins the ISR with the
// same log as the leader. Then, with both followers down, the ISR is the leader alone: acks=all is
// refused with NOT_ENOUGH_REPLICAS and nothing is appended, while acks=1 is still taken.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { afterEach, expect, it } from 'vitest'
import { RawClient, batchOf, firstPartition, produceFrame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { byOffset, createReplicatedTopic, duplicates } from './acked-records.js'
import { readLogOnDisk } from './log-on-disk.js'

const RECORDS = 100_000
const RECORDS_PER_SEND = 1_000

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

it('a follower down while 100k records are written catches up and rejoins the ISR; acks=all below min.insync.replicas is refused', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const topic = 'follower-catch-up'
  await createReplicatedTopic(cluster, topic, 1)
  const leader = await cluster.waitForLeader(topic, 0)
  const [lagging, other] = cluster.brokerIds.filter((id) => id !== leader) as [number, number]
  const options = { requestTimeoutMs: 10_000, connectTimeoutMs: 3_000, brokers: [cluster.url(leader)] }

  await cluster.shutdown(lagging)
  await cluster.waitForIsr(topic, 0, [leader, other])
  const producer = cluster.track(cluster.client(options).producer({ acks: 'all', idempotent: true }))
  const sends = []
  for (let s = 0; s < RECORDS / RECORDS_PER_SEND; s++) {
    const messages = Array.from({ length: RECORDS_PER_SEND }, (_, i) => ({ value: `bulk-${s * RECORDS_PER_SEND + i}`, partition: 0 }))
    sends.push(producer.send({ topic, messages }))
  }
  const firstOffsets = (await Promise.all(sends)).map(([meta]) => meta!.baseOffset)
  expect(firstOffsets).toEqual(firstOffsets.map((_, s) => s * RECORDS_PER_SEND))

  await cluster.restart(lagging)
  await cluster.waitForIsr(topic, 0, 3)
  const leaderLog = await cluster.readPartition(topic, 0)
  expect(leaderLog.values.length).toBe(RECORDS)
  const caughtUp = await waitFor(`broker ${lagging}'s log to reach offset ${RECORDS}`, () => {
    const onDisk = readLogOnDisk(cluster!.broker(lagging).dataDir, topic, 0)
    return onDisk.endOffset >= RECORDS ? onDisk : undefined
  })
  const atOffset = byOffset(leaderLog)
  expect(caughtUp.offsets.filter((offset, i) => atOffset.get(offset) !== caughtUp.values[i])).toEqual([])
  expect(caughtUp.values.length).toBe(RECORDS)
  expect(duplicates(caughtUp)).toEqual([])

  // Both followers down: the ISR shrinks to the leader, below min.insync.replicas.
  await cluster.shutdown(lagging)
  await cluster.shutdown(other)
  await cluster.waitForIsr(topic, 0, [leader])
  const strict = cluster.track(cluster.client(options).producer({ acks: 'all', retry: { retries: 0 } }))
  const refused = await strict.send({ topic, messages: [{ value: 'refused', partition: 0 }] }).then(() => undefined, (err: unknown) => err)
  expect(refused).toBeInstanceOf(FaecieError)
  expect((refused as FaecieError).code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)

  // The same through a bare session: the partition's answer names the error, and nothing was written.
  raw = await RawClient.connect(cluster.url(leader))
  const answer = firstPartition(await raw.request('produce', produceFrame(topic, 0, batchOf('refused-raw', 1), -1)))
  expect(answer.error?.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
  const after = await cluster.readPartition(topic, 0)
  expect(after.values.length).toBe(RECORDS)

  // acks=1 does not ask for in-sync replicas: the leader still takes it, at the end of the log.
  const taken = firstPartition(await raw.request('produce', produceFrame(topic, 0, batchOf('acks-one', 1), 1)))
  expect(taken.error).toBeUndefined()
  expect(taken.baseOffset).toBe(RECORDS)
}, 110_000)
