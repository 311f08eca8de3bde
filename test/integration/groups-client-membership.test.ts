// Group membership details from the client's side against a real broker process: a static member
// (groupInstanceId) that disconnects keeps its partitions waiting and gets them back when it comes
// back; the errors the admin and the member surface for bad group requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, Faecie, FaecieError, type GroupConsumer, type TopicPartition } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-membership' })
})

afterAll(async () => {
  await broker?.stop()
})

const names = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort()

async function codeOf(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work
    return undefined
  } catch (err) {
    return err instanceof FaecieError ? err.code : -999
  }
}

describe('group membership', () => {
  it('keeps a static member\'s partitions for it while it restarts', async () => {
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 'static', numPartitions: 4 }] })
    const config = { groupId: 'g-static', sessionTimeoutMs: 3_000, maxWaitMs: 100 }
    const a: GroupConsumer = faecie.consumer({ ...config, groupInstanceId: 'worker-a' })
    const b: GroupConsumer = faecie.consumer(config)
    await a.subscribe({ topics: ['static'] })
    await b.subscribe({ topics: ['static'] })
    await waitFor('two each', () => a.assignment().length === 2 && b.assignment().length === 2)
    const held = names(a.assignment())
    const kept = names(b.assignment())
    await a.disconnect() // leaves with epoch -2: its partitions wait for it
    // The coordinator decided on the leave, before answering it: b's target is still what it had.
    const { groups } = await admin.describeGroups(['g-static'])
    const targetOfB = groups[0]!.members.find((m) => m.memberId === b.memberId)?.assignment
    expect(targetOfB?.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).sort()).toEqual(kept)
    expect(names(b.assignment())).toEqual(kept)
    const again: GroupConsumer = faecie.consumer({ ...config, groupInstanceId: 'worker-a' })
    await again.subscribe({ topics: ['static'] })
    await waitFor('a back with its partitions', () => again.assignment().length === 2)
    expect(names(again.assignment())).toEqual(held)
    expect(names(b.assignment())).toEqual(kept)
    await again.disconnect()
    await b.disconnect()
    await admin.disconnect()
  })

  it('surfaces the broker\'s codes for bad group requests', async () => {
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 'errs', numPartitions: 1 }] })
    const m: GroupConsumer = faecie.consumer({ groupId: 'g-errs', sessionTimeoutMs: 3_000, maxWaitMs: 100 })
    await m.subscribe({ topics: ['errs'] })
    await waitFor('assigned', () => m.assignment().length === 1)
    // A group with a member can be neither deleted nor have its offsets set by hand.
    expect(await codeOf(admin.deleteGroup('g-errs'))).toBe(ErrorCode.NON_EMPTY_GROUP)
    expect(await codeOf(admin.setOffsets({ groupId: 'g-errs', topic: 'errs', partitions: [{ partition: 0, offset: 0 }] }))).toBe(ErrorCode.NON_EMPTY_GROUP)
    // A commit for a topic that does not exist is refused for that partition.
    expect(await codeOf(m.commitOffsets([{ topic: 'no-such-topic', partition: 0, offset: 1 }]))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    await m.disconnect()
    // A group the broker does not know.
    expect(await codeOf(admin.deleteGroup('g-never'))).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    const { groups } = await admin.describeGroups(['g-never'])
    expect(groups[0]).toMatchObject({ groupId: 'g-never', state: 'Dead', error: { code: ErrorCode.GROUP_ID_NOT_FOUND } })
    // An assignor the broker does not have stops the member with the broker's reason.
    const crashed: unknown[] = []
    const bad: GroupConsumer = faecie.consumer({ groupId: 'g-errs2', assignor: 'roundrobin' })
    bad.on('crash', (err) => void crashed.push(err))
    await bad.subscribe({ topics: ['errs'] })
    await waitFor('crashed', () => crashed.length > 0)
    expect((crashed[0] as FaecieError).code).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR)
    await bad.disconnect()
    await admin.disconnect()
  })
})
