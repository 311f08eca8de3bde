// Consumer groups from the client's side against a real broker process: three members on six
// partitions get two each; a graceful disconnect moves its partitions at once (well within the
// session timeout); a member joining takes only the partitions it gets while the others keep the
// rest without a pause; a handler slower than the session timeout causes no rebalance (heartbeats
// run on their own timer), one stuck past maxPollIntervalMs takes its member out until it returns;
// subscribing by RegExp. Every wait is for an event (waitFor); no assertion is on how long anything took.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type GroupConsumer, type GroupConsumerConfig, type Producer, type TopicPartition } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer
const members: GroupConsumer[] = []

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-assign' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterEach(async () => {
  await Promise.all(members.splice(0).map((m) => m.disconnect()))
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const names = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort()

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions }] })
  await admin.disconnect()
}

function member(groupId: string, config: Partial<GroupConsumerConfig> = {}): GroupConsumer {
  const m = faecie.consumer({ groupId, sessionTimeoutMs: 1_500, maxWaitMs: 100, autoCommitIntervalMs: 200, autoOffsetReset: 'earliest', ...config })
  members.push(m)
  return m
}

describe('consumer group assignment', () => {
  it('gives three members of six partitions two each, each partition to one member', async () => {
    await createTopic('assign-six', 6)
    const group = [member('g-six'), member('g-six'), member('g-six')]
    for (const m of group) await m.subscribe({ topics: ['assign-six'] })
    await waitFor('2 partitions each', () => group.every((m) => m.assignment().length === 2))
    const all = group.flatMap((m) => names(m.assignment()))
    expect(new Set(all).size).toBe(6)
    const admin = faecie.admin()
    const { groups } = await admin.describeGroups(['g-six'])
    await admin.disconnect()
    expect(groups[0]!.members).toHaveLength(3)
    expect(groups[0]!.members.flatMap((m) => m.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`))).sort()).toEqual([...all].sort())
  })

  it('moves the partitions of a member that disconnects at once, not after the session timeout', async () => {
    await createTopic('assign-leave', 6)
    // A session far longer than the test may run (heartbeats every 5 s at most): a move at all can
    // only be the leave, never the session's end.
    const sessionTimeoutMs = 600_000
    const [a, b] = [member('g-leave', { sessionTimeoutMs }), member('g-leave', { sessionTimeoutMs })]
    const revokedOfA: string[] = []
    a.on('partitionsRevoked', (tps) => void revokedOfA.push(...names(tps)))
    await a.subscribe({ topics: ['assign-leave'] })
    await b.subscribe({ topics: ['assign-leave'] })
    await waitFor('3 each', () => a.assignment().length === 3 && b.assignment().length === 3)
    const held = names(a.assignment())
    revokedOfA.length = 0 // a gave three up when b joined
    await a.disconnect()
    // disconnect() commits and calls the revoked listener for what it held, then leaves (epoch -1).
    expect(revokedOfA.sort()).toEqual(held)
    // b hears of it at its next heartbeat (at most 5 s away); the session would end in ten minutes.
    await waitFor('b has all six', () => b.assignment().length === 6, { timeoutMs: 30_000 })
  })

  it('moves only the partitions a joining member gets; the others keep reading theirs', async () => {
    await createTopic('assign-join', 6)
    const events: string[] = []
    // Every record handled, in order: "during" below is a stretch of this list, not of the clock.
    const handled: Array<{ by: string; partition: string }> = []
    const handler = (by: string) => async ({ topic, partition }: { topic: string; partition: number }) => void handled.push({ by, partition: `${topic}-${partition}` })
    const watch = (m: GroupConsumer, name: string): void => {
      m.on('partitionsRevoked', (tps) => void events.push(`${name} revoked ${names(tps).join(' ')}`))
      m.on('partitionsAssigned', (tps) => void events.push(`${name} assigned ${names(tps).join(' ')}`))
    }
    const slow = { sessionTimeoutMs: 6_000 }
    const [a, b] = [member('g-join', slow), member('g-join', slow)]
    watch(a, 'a')
    watch(b, 'b')
    for (const [m, name] of [[a, 'a'], [b, 'b']] as const) {
      await m.subscribe({ topics: ['assign-join'] })
      await m.run({ eachMessage: handler(name) })
    }
    await waitFor('3 each', () => a.assignment().length === 3 && b.assignment().length === 3, { timeoutMs: 30_000 })
    const before = { a: names(a.assignment()), b: names(b.assignment()) }
    events.length = 0
    // Records keep arriving on every partition while the third member joins.
    let producing = true
    const writer = (async () => {
      for (let i = 0; producing; i++) {
        await producer.send({ topic: 'assign-join', messages: [0, 1, 2, 3, 4, 5].map((partition) => ({ value: `${i}`, partition })) })
        await sleep(20) // pacing the writer, not waiting for anything
      }
    })()
    const flowingFrom = handled.length
    await waitFor('records flowing on all six partitions', () => new Set(handled.slice(flowingFrom).map((h) => h.partition)).size === 6)
    // The rebalance cannot finish before a and b have handed over what c gets: hold each hand-over
    // (the revoked listener is awaited) until its member has handled a record on every partition it
    // keeps since the hand-over began. A member that paused its kept partitions would never get there.
    const readWhileRevoking = new Map<string, string[]>()
    for (const [m, name] of [[a, 'a'], [b, 'b']] as const) {
      m.on('partitionsRevoked', async () => {
        const from = handled.length
        const kept = names(m.assignment())
        await waitFor(`${name} reading ${kept.join(' ')} while it hands partitions over`,
          () => kept.every((p) => handled.slice(from).some((h) => h.by === name && h.partition === p)), { timeoutMs: 30_000 })
        readWhileRevoking.set(name, kept)
      })
    }
    const c = member('g-join', slow)
    watch(c, 'c')
    await c.subscribe({ topics: ['assign-join'] })
    await c.run({ eachMessage: handler('c') })
    await waitFor('2 each', () => [a, b, c].every((m) => m.assignment().length === 2), { timeoutMs: 30_000 })
    producing = false
    await writer
    const after = { a: names(a.assignment()), b: names(b.assignment()), c: names(c.assignment()) }
    // a and b each gave up exactly what c got, kept the rest, and were given nothing new.
    expect(after.a.every((p) => before.a.includes(p))).toBe(true)
    expect(after.b.every((p) => before.b.includes(p))).toBe(true)
    const moved = [...before.a.filter((p) => !after.a.includes(p)), ...before.b.filter((p) => !after.b.includes(p))].sort()
    expect(moved).toEqual(after.c)
    expect(events.filter((e) => e.startsWith('a ') || e.startsWith('b ')).sort()).toEqual(
      [`a revoked ${before.a.filter((p) => !after.a.includes(p)).join(' ')}`, `b revoked ${before.b.filter((p) => !after.b.includes(p)).join(' ')}`].sort(),
    )
    // c is given each partition as its owner hands it over (in one step or several), and loses none.
    const ofC = events.filter((e) => e.startsWith('c '))
    expect(ofC.filter((e) => !e.startsWith('c assigned '))).toEqual([])
    expect(ofC.flatMap((e) => e.slice('c assigned '.length).split(' ')).sort()).toEqual(after.c)
    // The partitions a and b kept were never revoked (the events above), and their owners went on
    // reading them while handing the others over, before c could take those.
    expect(Object.fromEntries(readWhileRevoking)).toEqual({ a: after.a, b: after.b })
  })

  it('keeps its partitions through a handler slower than the session timeout', async () => {
    await createTopic('assign-slow', 2)
    const a = member('g-slow')
    const revoked: TopicPartition[] = []
    a.on('partitionsRevoked', (tps) => void revoked.push(...tps))
    let handled = 0
    await a.subscribe({ topics: ['assign-slow'] })
    await a.run({
      eachMessage: async () => {
        await sleep(2_500) // sessionTimeoutMs is 1500
        handled++
      },
    })
    await waitFor('assigned', () => a.assignment().length === 2)
    await producer.send({ topic: 'assign-slow', messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 1 }] })
    await waitFor('two slow messages', () => handled === 2, { timeoutMs: 30_000 })
    expect(revoked).toEqual([])
    expect(a.assignment()).toHaveLength(2)
  })

  it('takes a member whose handler runs past maxPollIntervalMs out of the group, and back in after', async () => {
    await createTopic('assign-stuck', 2)
    const stuck = member('g-stuck', { maxPollIntervalMs: 800 })
    const other = member('g-stuck')
    const lost: string[] = []
    stuck.on('partitionsLost', (tps) => void lost.push(...names(tps)))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    await stuck.subscribe({ topics: ['assign-stuck'] })
    await stuck.run({ eachMessage: () => released })
    await other.subscribe({ topics: ['assign-stuck'] })
    await other.run({ eachMessage: async () => undefined })
    await waitFor('one each', () => stuck.assignment().length === 1 && other.assignment().length === 1)
    const held = names(stuck.assignment())
    await producer.send({ topic: 'assign-stuck', messages: [{ value: 'x', partition: stuck.assignment()[0]!.partition }] })
    await waitFor('the other member has both', () => other.assignment().length === 2, { timeoutMs: 30_000 })
    expect(lost).toEqual(held)
    expect(stuck.assignment()).toEqual([])
    release()
    await waitFor('one each again', () => stuck.assignment().length === 1 && other.assignment().length === 1, { timeoutMs: 30_000 })
  })

  it('subscribes by RegExp, and names and RegExps together', async () => {
    await createTopic('re-orders-eu', 1)
    await createTopic('re-orders-us', 1)
    await createTopic('re-other', 1)
    await createTopic('re-orders', 1)
    const a = member('g-re')
    await a.subscribe({ topics: [/re-orders-.*/, 're-other'] })
    await waitFor('three topics', () => a.assignment().length === 3)
    expect(names(a.assignment())).toEqual(['re-orders-eu-0', 're-orders-us-0', 're-other-0'])
    // A RegExp is matched against whole names: /re-orders/ takes re-orders, not re-orders-eu.
    const b = member('g-re2')
    await b.subscribe({ topics: [/re-orders/] })
    await waitFor('a partition for the RegExp', () => b.assignment().length > 0)
    expect(names(b.assignment())).toEqual(['re-orders-0'])
  })
})
