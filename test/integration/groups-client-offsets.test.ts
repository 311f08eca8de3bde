// Committed offsets from the client's side against a real broker process: a member commits what it
// consumed (auto-commit, and on disconnect), the next member of the group starts there, explicit
// commitOffsets and seek, pause and resume, stream() in a group, the lag helper, a member reading on
// through a broker restart, and committed offsets surviving one. "Nothing else was read" is shown by
// end markers produced last on every partition: once a member has read them, it has read whatever
// came before them in each partition (no sleep stands in for that).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type ConsumedMessage, type GroupConsumer, type GroupConsumerConfig, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-offsets' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const text = (m: ConsumedMessage): string => new TextDecoder().decode(m.value!)

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions }] })
  await admin.disconnect()
}

async function produce(topic: string, partitions: number, values: string[]): Promise<void> {
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) })
}

function member(groupId: string, config: Partial<GroupConsumerConfig> = {}): GroupConsumer {
  return faecie.consumer({ groupId, sessionTimeoutMs: 1_500, maxWaitMs: 100, autoCommitIntervalMs: 200, autoOffsetReset: 'earliest', ...config })
}

/** Runs a member until it has handled `count` messages; returns their values (in arrival order). */
async function consume(m: GroupConsumer, topic: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const values: string[] = []
  await m.subscribe({ topics: [topic] })
  await m.run({ eachMessage: async ({ message }) => void values.push(text(message)) })
  await waitFor(`${count} messages of ${topic}`, () => values.length >= count, { timeoutMs: Math.max(timeoutMs, 30_000) })
  return values
}

/**
 * Produces an end marker on each of the topic's partitions and waits until `values` (still being
 * filled by a running member) holds them all; returns what it holds besides the markers.
 */
async function readToEnd(values: string[], topic: string, partitions: number): Promise<string[]> {
  const markers = Array.from({ length: partitions }, (_, p) => `end-marker-${p}`)
  await produce(topic, partitions, markers)
  await waitFor(`the end markers of ${topic}`, () => markers.every((marker) => values.includes(marker)), { timeoutMs: 30_000 })
  return values.filter((v) => !markers.includes(v))
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const admin = faecie.admin()
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  await admin.disconnect()
  return (offsets?.partitions ?? []).map((p) => p.offset)
}

describe('committed offsets', () => {
  it('commits where a partition with nothing committed starts (latest), so records produced while the group is down are read', async () => {
    await createTopic('off-latest', 2)
    await produce('off-latest', 2, ['before-0', 'before-1'])
    const first = member('g-latest', { autoOffsetReset: 'latest' })
    await first.subscribe({ topics: ['off-latest'] })
    await first.run({ eachMessage: async () => undefined })
    // Nothing consumed: the auto-commit still commits the positions autoOffsetReset gave.
    await waitFor('the starting positions committed', async () => (await committed('g-latest', 'off-latest')).join() === '1,1', { intervalMs: 100 })
    await first.disconnect()
    await produce('off-latest', 2, ['while-down-0', 'while-down-1'])
    const second = member('g-latest', { autoOffsetReset: 'latest' })
    const values = await consume(second, 'off-latest', 2)
    expect((await readToEnd(values, 'off-latest', 2)).sort()).toEqual(['while-down-0', 'while-down-1'])
    await second.disconnect()
  })

  it('commits on disconnect, and the next member starts at the committed offsets', async () => {
    await createTopic('off-resume', 2)
    await produce('off-resume', 2, ['a', 'b', 'c', 'd', 'e', 'f'])
    const first = member('g-resume', { autoCommit: true, autoCommitIntervalMs: 60_000 })
    expect((await consume(first, 'off-resume', 6)).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
    await first.disconnect()
    expect(await committed('g-resume', 'off-resume')).toEqual([3, 3])
    await produce('off-resume', 2, ['g', 'h'])
    const second = member('g-resume')
    const values = await consume(second, 'off-resume', 2)
    expect((await readToEnd(values, 'off-resume', 2)).sort()).toEqual(['g', 'h'])
    await second.disconnect()
    expect(await committed('g-resume', 'off-resume')).toEqual([5, 5]) // past g, h and the end markers
  })

  it('auto-commits as it goes', async () => {
    await createTopic('off-auto', 1)
    await produce('off-auto', 1, ['1', '2', '3'])
    const m = member('g-auto')
    await consume(m, 'off-auto', 3)
    await waitFor('the auto-commit of all three', async () => (await committed('g-auto', 'off-auto'))[0] === 3, { intervalMs: 100 })
    expect(await committed('g-auto', 'off-auto')).toEqual([3])
    await m.disconnect()
  })

  it('commits what it is told with autoCommit off, and seeks', async () => {
    await createTopic('off-manual', 1)
    await produce('off-manual', 1, ['1', '2', '3', '4'])
    const m = member('g-manual', { autoCommit: false })
    await consume(m, 'off-manual', 4)
    await m.commitOffsets([{ topic: 'off-manual', partition: 0, offset: 2 }])
    expect(await committed('g-manual', 'off-manual')).toEqual([2])
    await m.stop()
    m.seek({ topic: 'off-manual', partition: 0, offset: 1 })
    await m.commitOffsets() // what was consumed: the seek's position
    expect(await committed('g-manual', 'off-manual')).toEqual([1])
    await m.disconnect()
    // autoCommit off: disconnect commits nothing more.
    expect(await committed('g-manual', 'off-manual')).toEqual([1])
  })

  it('pauses and resumes a partition it owns', async () => {
    await createTopic('off-pause', 2)
    const m = member('g-pause')
    const values: string[] = []
    await m.subscribe({ topics: ['off-pause'] })
    await m.run({ eachMessage: async ({ message }) => void values.push(text(message)) })
    await waitFor('both partitions assigned', () => m.assignment().length === 2)
    m.pause([{ topic: 'off-pause', partitions: [0] }])
    expect(m.paused()).toEqual([{ topic: 'off-pause', partition: 0 }])
    await produce('off-pause', 2, ['p0-a', 'p1-a'])
    await waitFor('p1-a', () => values.includes('p1-a'))
    // A record produced on partition 1 after p0-a was written: once it is read, a fetch that would
    // have carried p0-a (were partition 0 not paused) has been answered.
    await producer.send({ topic: 'off-pause', messages: [{ value: 'p1-b', partition: 1 }] })
    await waitFor('p1-b', () => values.includes('p1-b'))
    expect(values).toEqual(['p1-a', 'p1-b'])
    m.resume([{ topic: 'off-pause', partition: 0 }])
    await waitFor('p0-a after the resume', () => values.length >= 3)
    expect(values).toEqual(['p1-a', 'p1-b', 'p0-a'])
    await m.disconnect()
  })

  it('reads a group through stream(), and shows its lag', async () => {
    await createTopic('off-stream', 3)
    await produce('off-stream', 3, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'])
    const m = member('g-stream', { autoCommit: false })
    await m.subscribe({ topics: ['off-stream'] })
    const got: ConsumedMessage[] = []
    for await (const message of m.stream()) {
      got.push(message)
      if (got.length === 9) break
    }
    expect(got.map(text).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'])
    await m.commitOffsets([{ topic: 'off-stream', partition: 0, offset: 1 }, { topic: 'off-stream', partition: 1, offset: 3 }])
    const admin = faecie.admin()
    const lag = await admin.fetchGroupLag({ groupId: 'g-stream' })
    await admin.disconnect()
    expect(lag.partitions.map((p) => [p.partition, p.committed, p.end, p.lag])).toEqual([[0, 1, 3, 2], [1, 3, 3, 0], [2, -1, 3, undefined]])
    expect(lag.totalLag).toBe(2)
    expect(lag.partitions[0]!.memberId).toBe(m.memberId)
    await m.disconnect()
  })

  it('reads on through a broker restart from its committed offsets, reading nothing twice', async () => {
    await createTopic('off-through', 2)
    await produce('off-through', 2, ['a', 'b'])
    const m = member('g-through', { sessionTimeoutMs: 3_000 })
    const values = await consume(m, 'off-through', 2)
    await m.commitOffsets()
    // The member's connection drops; it reconnects and heartbeats on (or, if the broker no longer
    // knows it, joins again and starts from the committed offsets).
    await broker.restart()
    await produce('off-through', 2, ['c', 'd'])
    await waitFor('c and d after the restart', () => values.length >= 4, { timeoutMs: 30_000 })
    expect((await readToEnd(values, 'off-through', 2)).sort()).toEqual(['a', 'b', 'c', 'd'])
    await m.disconnect()
    expect(await committed('g-through', 'off-through')).toEqual([3, 3]) // past the end markers
  })

  it('keeps committed offsets through a broker restart', async () => {
    await createTopic('off-restart', 2)
    await produce('off-restart', 2, ['a', 'b', 'c', 'd'])
    const m = member('g-restart')
    await consume(m, 'off-restart', 4)
    await m.disconnect()
    expect(await committed('g-restart', 'off-restart')).toEqual([2, 2])
    await broker.restart()
    faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-offsets' })
    await producer.disconnect()
    producer = faecie.producer({ lingerMs: 1 })
    expect(await committed('g-restart', 'off-restart')).toEqual([2, 2])
    await produce('off-restart', 2, ['e', 'f'])
    const next = member('g-restart')
    // A broker that replayed a group holds its partitions back for a while after it starts (members
    // from before the restart may still be reading): hence the longer wait.
    const values = await consume(next, 'off-restart', 2, 30_000)
    expect((await readToEnd(values, 'off-restart', 2)).sort()).toEqual(['e', 'f'])
    await next.disconnect()
  })
})
