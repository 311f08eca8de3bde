// Issue 13, second test: the leader is paused (SIGSTOP) for longer than its broker session timeout,
// records are produced through the others, and the old leader is resumed (SIGCONT). It must
// acknowledge nothing after it was replaced, and rejoin as a follower with its divergent tail
// truncated: its log, once back in the ISR, is the new leader's record for record.
//
// The divergent tail is made on purpose, not left to chance: both followers are paused for a moment
// (far below their session timeout), the leader takes a probe record (which may still reach them:
// it answers the fetches they left waiting) and then acks=1 records only it has, and is paused
// itself before the followers resume. acks=1 promises nothing past the leader's own log, so
// losing that tail is Kafka's behaviour; what must not happen is that the old leader keeps it.
import type { WireError } from '@faecie/protocol'
import { afterEach, expect, it } from 'vitest'
import { RawClient, batchOf, firstPartition, produceFrame, type Frame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { type Ack, byOffset, checkAcknowledged, createReplicatedTopic, duplicates } from './acked-records.js'
import { readLogOnDisk } from './log-on-disk.js'

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

/** The partition error of a produce answer; 'acknowledged' when there is none; 'closed' when the session ended first. */
async function outcome(answer: Promise<Frame>): Promise<string> {
  try {
    const frame = await answer
    const error = (frame.error ?? firstPartition(frame).error) as WireError | undefined
    return error === undefined ? 'acknowledged' : error.name
  } catch {
    return 'closed'
  }
}

it('a leader paused past its session timeout acknowledges nothing once replaced and truncates its divergent tail', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const topic = 'paused-leader'
  await createReplicatedTopic(cluster, topic, 1)
  const oldLeader = await cluster.waitForLeader(topic, 0)
  const followers = cluster.brokerIds.filter((id) => id !== oldLeader)
  const options = { requestTimeoutMs: 5_000, connectTimeoutMs: 3_000 }

  // Records every replica has.
  const first = cluster.track(cluster.client(options).producer({ acks: 'all' }))
  const [common] = await first.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `common-${i}`, partition: 0 })) })
  await first.disconnect()
  expect(common!.baseOffset).toBe(0)

  // A tail only the leader has.
  raw = await RawClient.connect(cluster.url(oldLeader))
  for (const id of followers) cluster.stop(id)
  // The first acks=1 append answers any fetch the paused followers left waiting at the leader, so
  // that none of them carries the tail below.
  expect(firstPartition(await raw.request('produce', produceFrame(topic, 0, batchOf('probe', 1), 1))).error).toBeUndefined()
  const tail = firstPartition(await raw.request('produce', produceFrame(topic, 0, batchOf('tail', 5), 1)))
  expect(tail.error).toBeUndefined()
  cluster.stop(oldLeader)
  for (const id of followers) cluster.cont(id)
  const tailValues = Array.from({ length: 5 }, (_, i) => `tail-${i}`)
  expect(readLogOnDisk(cluster.broker(oldLeader).dataDir, topic, 0).values).toEqual(expect.arrayContaining(tailValues))

  // Requests that reach the paused leader wait in its socket until it resumes.
  const lateAll = outcome(raw.request('produce', produceFrame(topic, 0, batchOf('late-all', 2), -1), 60_000))
  const lateOne = outcome(raw.request('produce', produceFrame(topic, 0, batchOf('late-one', 2), 1), 60_000))

  // Replaced: a follower leads, the two followers are the ISR, and acks=all goes on through them.
  const newLeader = await cluster.waitForLeader(topic, 0, (id) => id !== oldLeader)
  expect(followers).toContain(newLeader)
  await cluster.waitForIsr(topic, 0, followers)
  const producer = cluster.track(cluster.client({ ...options, brokers: followers.map((id) => cluster!.url(id)) }).producer({ acks: 'all' }))
  const acks: Ack[] = []
  for (let i = 0; i < 50; i++) {
    const [meta] = await producer.send({ topic, messages: [{ value: `after-${i}`, partition: 0 }] })
    acks.push({ value: `after-${i}`, sequence: i, partition: 0, offset: meta!.baseOffset })
  }
  const replaced = await cluster.readPartition(topic, 0)
  // The tail diverged: no follower had it, so the new leader's log has other records at its offsets.
  expect(replaced.values.filter((v) => v.startsWith('tail-'))).toEqual([])
  expect(acks[0]!.offset).toBeLessThanOrEqual(tail.baseOffset)
  expect(checkAcknowledged(acks, 0, replaced)).toEqual([])

  // Resumed: what it was asked while paused waited in its socket, and is the first thing it reads;
  // replaced, it acknowledges none of it, not even with acks=1.
  cluster.cont(oldLeader)
  expect(await lateAll).not.toBe('acknowledged')
  expect(await lateOne).not.toBe('acknowledged')

  // Back in the ISR as a follower, its log is the new leader's: the tail truncated, the records
  // produced meanwhile fetched in its place.
  await cluster.waitForIsr(topic, 0, 3)
  const end = replaced.offsets.at(-1)! + 1
  const rejoined = await waitFor(`broker ${oldLeader}'s log to reach offset ${end}`, () => {
    const onDisk = readLogOnDisk(cluster!.broker(oldLeader).dataDir, topic, 0)
    return onDisk.endOffset >= end ? onDisk : undefined
  })
  const leaderLog = byOffset(replaced)
  const differences = rejoined.offsets.filter((offset, i) => offset < end && leaderLog.get(offset) !== rejoined.values[i])
  expect(differences).toEqual([])
  expect(rejoined.values.filter((v) => /^(tail|late-all|late-one)-/.test(v))).toEqual([])
  expect(duplicates(rejoined)).toEqual([])
}, 110_000)
