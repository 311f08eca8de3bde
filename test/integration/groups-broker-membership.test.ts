// Consumer groups on a real broker process, spoken with raw frames: members heartbeat and get
// their share (3 members on 6 partitions get 2 each), a silent member's partitions move after its
// session timeout, a leave moves them at once, a joining member takes only what it gets (the others
// never lose a partition they keep), a grown topic rebalances, and bad group requests get their
// error codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { RawClient, type Frame } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let admin: RawClient

beforeAll(async () => {
  broker = await startBrokerProcess()
  admin = await RawClient.connect(broker.url)
})

afterAll(async () => {
  await admin?.close()
  await broker?.stop()
})

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const answer = await admin.request('createTopics', { topics: [{ topic, numPartitions }] })
  expect(answer.topics[0].error).toBeUndefined()
}

/** A group member that behaves: takes what it is given, drops what it loses, reports what it owns. */
class Member {
  memberId = ''
  memberEpoch = 0
  owned = new Set<string>()
  /** Every partition this member ever lost, to check stickiness. */
  lost: string[] = []

  constructor(readonly client: RawClient, readonly groupId: string, readonly topics: string[], readonly extra: Frame = {}) {}

  async beat(): Promise<Frame> {
    const fields: Frame = { groupId: this.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, ownedPartitions: this.ownedWire(), ...this.extra }
    if (this.memberEpoch === 0) fields.subscribedTopicNames = this.topics
    const answer = await this.client.request('heartbeat', fields)
    if (answer.error !== undefined) throw Object.assign(new Error(answer.error.message), { code: answer.error.code })
    this.memberId = answer.memberId
    this.memberEpoch = answer.memberEpoch
    if (answer.assignment !== undefined) {
      const next = new Set<string>((answer.assignment as Frame[]).flatMap((t) => (t.partitions as number[]).map((p) => `${t.topic}:${p}`)))
      for (const p of this.owned) if (!next.has(p)) this.lost.push(p)
      this.owned = next
    }
    return answer
  }

  ownedWire(): Frame[] {
    const byTopic = new Map<string, number[]>()
    for (const key of this.owned) {
      const [topic, p] = key.split(':') as [string, string]
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(p)])
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }
}

/**
 * Heartbeats the members every 50 ms (their heartbeat cadence) until `done` holds, failing at once if
 * a partition has two owners or a heartbeat fails.
 */
async function until(members: Member[], done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const owners = (): string => members.map((m) => [...m.owned].join(',')).join(' | ')
  await waitFor('the group to converge', async () => {
    for (const m of members) await m.beat()
    const seen = new Set<string>()
    for (const m of members) for (const p of m.owned) {
      expect(seen.has(p), `${p} owned twice: ${owners()}`).toBe(false)
      seen.add(p)
    }
    return done()
  }, { timeoutMs, intervalMs: 50, retryErrors: false }).catch((err: Error) => {
    throw new Error(`${err.message}; owned: ${owners()}`)
  })
}

const sizes = (members: Member[]): number[] => members.map((m) => m.owned.size)

async function describeGroup(groupId: string): Promise<Frame> {
  return (await admin.request('describeGroups', { groupIds: [groupId] })).groups[0]
}

describe('consumer groups on a broker', () => {
  it('3 members on 6 partitions each get 2; a joining 4th takes only from the others', async () => {
    await createTopic('six', 6)
    const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(broker.url)))
    const members = clients.slice(0, 3).map((c) => new Member(c, 'g-six', ['six']))
    await until(members, () => sizes(members).every((n) => n === 2))
    const group = await describeGroup('g-six')
    expect(group.state).toBe('Stable')
    expect(group.members.map((m: Frame) => m.assignment[0].partitions.length)).toEqual([2, 2, 2])

    const before = members.map((m) => new Set(m.owned))
    for (const m of members) m.lost.length = 0
    const joiner = new Member(clients[3]!, 'g-six', ['six'])
    const all = [...members, joiner]
    await until(all, () => joiner.owned.size > 0 && sizes(all).reduce((a, b) => a + b) === 6 && Math.max(...sizes(all)) - Math.min(...sizes(all)) <= 1)
    members.forEach((m, i) => { for (const p of m.owned) expect(before[i]!.has(p)).toBe(true) })
    expect(members.reduce((n, m) => n + m.lost.length, 0)).toBe(joiner.owned.size)
    await Promise.all(clients.map((c) => c.close()))
  })

  it('a member that stops heartbeating loses its partitions after the session timeout', async () => {
    await createTopic('expire', 6)
    const members = await Promise.all([0, 1, 2].map(async () => new Member(await RawClient.connect(broker.url), 'g-expire', ['expire'], { sessionTimeoutMs: 1_500 })))
    await until(members, () => sizes(members).every((n) => n === 2))
    const [a, b] = members as [Member, Member, Member]
    const keptA = new Set(a.owned)
    const keptB = new Set(b.owned)
    await until([a, b], () => a.owned.size === 3 && b.owned.size === 3)
    for (const p of keptA) expect(a.owned.has(p)).toBe(true)
    for (const p of keptB) expect(b.owned.has(p)).toBe(true)
    const silent = members[2]!
    await expect(silent.beat()).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_MEMBER_ID })
    await Promise.all(members.map((m) => m.client.close()))
  })

  it('a leave moves partitions at once (long before the session timeout)', async () => {
    await createTopic('leave', 4)
    const client = await RawClient.connect(broker.url)
    const a = new Member(client, 'g-leave', ['leave'], { sessionTimeoutMs: 60_000 })
    const b = new Member(client, 'g-leave', ['leave'], { sessionTimeoutMs: 60_000 })
    await until([a, b], () => a.owned.size === 2 && b.owned.size === 2)
    const left = await client.request('leaveGroup', { groupId: 'g-leave', memberId: b.memberId })
    expect(left).toMatchObject({ memberId: b.memberId, memberEpoch: -1 })
    // The sessions last a minute, longer than `until` waits: the move can only be the leave's doing.
    await until([a], () => a.owned.size === 4, 20_000)
    expect((await describeGroup('g-leave')).members).toHaveLength(1)
    await client.close()
  })

  it('a static member that leaves for now (-2) and comes back gets its partitions back', async () => {
    await createTopic('static', 4)
    const client = await RawClient.connect(broker.url)
    const a = new Member(client, 'g-static', ['static'], { groupInstanceId: 'host-a' })
    const b = new Member(client, 'g-static', ['static'], { groupInstanceId: 'host-b' })
    await until([a, b], () => a.owned.size === 2 && b.owned.size === 2)
    const had = [...a.owned].sort()
    expect(await client.request('leaveGroup', { groupId: 'g-static', memberId: a.memberId, memberEpoch: -2 })).toMatchObject({ memberEpoch: -2 })
    await until([b], () => true)
    expect(b.owned.size).toBe(2) // nobody takes a's partitions while it is away
    const back = new Member(client, 'g-static', ['static'], { groupInstanceId: 'host-a' })
    await back.beat()
    expect([...back.owned].sort()).toEqual(had)
    await client.close()
  })

  it('growing a subscribed topic rebalances the group', async () => {
    await createTopic('grow', 2)
    const client = await RawClient.connect(broker.url)
    const a = new Member(client, 'g-grow', ['grow'])
    const b = new Member(client, 'g-grow', ['grow'])
    await until([a, b], () => a.owned.size === 1 && b.owned.size === 1)
    const epoch = a.memberEpoch
    expect((await admin.request('createPartitions', { topic: 'grow', count: 4 })).error).toBeUndefined()
    await until([a, b], () => a.owned.size === 2 && b.owned.size === 2)
    expect(a.memberEpoch).toBeGreaterThan(epoch)
    await client.close()
  })

  it('answers bad group requests with their error codes', async () => {
    await createTopic('bad', 2)
    const client = await RawClient.connect(broker.url)
    const a = new Member(client, 'g-bad', ['bad'])
    await until([a], () => a.owned.size === 2)
    const code = async (op: string, fields: Frame): Promise<number | undefined> => (await client.request(op, fields)).error?.code
    expect(await code('heartbeat', { groupId: 'g-bad', memberId: 'nobody', memberEpoch: 1 })).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(await code('heartbeat', { groupId: 'g-bad', memberId: a.memberId, memberEpoch: a.memberEpoch + 3 })).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect(await code('heartbeat', { groupId: 'g-bad', memberId: '', memberEpoch: 0, subscribedTopicNames: ['bad'], serverAssignor: 'nope' }))
      .toBe(ErrorCode.UNSUPPORTED_ASSIGNOR)
    expect(await code('heartbeat', { groupId: 'g-bad', memberId: '', memberEpoch: 0 })).toBe(ErrorCode.INVALID_REQUEST)
    expect(await code('commitOffsets', { groupId: 'g-bad', memberId: a.memberId, memberEpoch: a.memberEpoch + 1,
      topics: [{ topic: 'bad', partitions: [{ partition: 0, offset: 1 }] }] })).toBe(ErrorCode.FENCED_MEMBER_EPOCH)
    expect(await code('commitOffsets', { groupId: 'g-bad', topics: [{ topic: 'bad', partitions: [{ partition: 0, offset: 1 }] }] }))
      .toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const missing = await client.request('commitOffsets', { groupId: 'g-bad', memberId: a.memberId, memberEpoch: a.memberEpoch,
      topics: [{ topic: 'missing', partitions: [{ partition: 0, offset: 1 }] }, { topic: 'bad', partitions: [{ partition: 0, offset: 3 }, { partition: 7, offset: 1 }] }] })
    expect(missing.topics[0].partitions[0].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(missing.topics[1].partitions[0].error).toBeUndefined()
    expect(missing.topics[1].partitions[1].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(await code('deleteGroup', { groupId: 'g-bad' })).toBe(ErrorCode.NON_EMPTY_GROUP)
    expect(await code('alterGroupOffsets', { groupId: 'g-bad', topics: [{ topic: 'bad', partitions: [{ partition: 0, offset: 0 }] }] }))
      .toBe(ErrorCode.NON_EMPTY_GROUP)
    expect(await code('deleteGroup', { groupId: 'g-none' })).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    expect((await describeGroup('g-none')).error.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    const listed = (await client.request('listGroups', {})).groups.map((g: Frame) => g.groupId)
    expect(listed).toContain('g-bad')
    await client.close()
  })
})
