// Committed offsets on a real broker process: they survive a clean restart (SIGTERM) and a kill -9
// (each commit is fsynced in `__consumer_offsets` before it is answered), groups are still listed
// after a restart (group records in the metadata log), deleting a topic removes its offsets, and
// deleting a group removes the group and its offsets for good. Membership is not durable: after a
// kill -9 members are told UNKNOWN_MEMBER_ID and join again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { RawClient, type Frame } from '../support/broker-raw-client.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

async function committed(client: RawClient, groupId: string, topic: string): Promise<number[]> {
  const answer = await client.request('fetchOffsets', { groupId, topics: [{ topic }] })
  expect(answer.error).toBeUndefined()
  return answer.topics[0].partitions.map((p: Frame) => p.offset)
}

describe('committed offsets', () => {
  it('survive a SIGTERM restart and a kill -9', async () => {
    let client = await RawClient.connect(broker.url)
    expect((await client.request('createTopics', { topics: [{ topic: 'durable', numPartitions: 3 }] })).topics[0].error).toBeUndefined()
    // A member commits through its group...
    const joined = await client.request('heartbeat', { groupId: 'g-durable', memberId: '', memberEpoch: 0, subscribedTopicNames: ['durable'] })
    expect(joined.assignment).toHaveLength(1)
    const commit = await client.request('commitOffsets', { groupId: 'g-durable', memberId: joined.memberId, memberEpoch: joined.memberEpoch,
      topics: [{ topic: 'durable', partitions: [{ partition: 0, offset: 10, metadata: 'first' }, { partition: 2, offset: 30 }] }] })
    expect(commit.topics[0].partitions).toEqual([{ partition: 0 }, { partition: 2 }])
    await client.request('leaveGroup', { groupId: 'g-durable', memberId: joined.memberId })
    // ...and a simple consumer group commits without members.
    await client.request('commitOffsets', { groupId: 'g-simple', topics: [{ topic: 'durable', partitions: [{ partition: 1, offset: 5 }] }] })
    await client.close()

    await broker.restart()
    client = await RawClient.connect(broker.url)
    expect(await committed(client, 'g-durable', 'durable')).toEqual([10, -1, 30])
    expect(await committed(client, 'g-simple', 'durable')).toEqual([-1, 5, -1])
    const fetched = await client.request('fetchOffsets', { groupId: 'g-durable', topics: [{ topic: 'durable', partitions: [0] }] })
    expect(fetched.topics[0].partitions[0]).toMatchObject({ partition: 0, offset: 10, metadata: 'first' })
    const groups = (await client.request('listGroups', {})).groups.map((g: Frame) => [g.groupId, g.state])
    expect(groups).toEqual([['g-durable', 'Empty'], ['g-simple', 'Empty']])

    // Commits answered just before a kill -9 are there after it.
    for (let i = 1; i <= 20; i++) {
      const answer = await client.request('commitOffsets', { groupId: 'g-simple', topics: [{ topic: 'durable', partitions: [{ partition: 1, offset: 5 + i }] }] })
      expect(answer.topics[0].partitions[0].error).toBeUndefined()
    }
    await broker.kill()
    await broker.restart()
    client = await RawClient.connect(broker.url)
    expect(await committed(client, 'g-simple', 'durable')).toEqual([-1, 25, -1])
    await client.close()
  })

  it('go with their topic, and with their group', async () => {
    let client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'gone', numPartitions: 1 }, { topic: 'kept', numPartitions: 1 }] })
    await client.request('commitOffsets', { groupId: 'g-gone', topics: [
      { topic: 'gone', partitions: [{ partition: 0, offset: 4 }] }, { topic: 'kept', partitions: [{ partition: 0, offset: 8 }] }] })
    expect((await client.request('deleteTopics', { topics: ['gone'] })).topics[0].error).toBeUndefined()
    await client.request('createTopics', { topics: [{ topic: 'gone', numPartitions: 1 }] })
    expect(await committed(client, 'g-gone', 'gone')).toEqual([-1])
    expect(await committed(client, 'g-gone', 'kept')).toEqual([8])

    expect((await client.request('alterGroupOffsets', { groupId: 'g-gone', topics: [{ topic: 'kept', partitions: [{ partition: 0, offset: 2 }] }] })).error)
      .toBeUndefined()
    expect(await committed(client, 'g-gone', 'kept')).toEqual([2])
    expect(await client.request('deleteGroup', { groupId: 'g-gone' })).toMatchObject({ groupId: 'g-gone' })
    await client.close()

    await broker.restart()
    client = await RawClient.connect(broker.url)
    expect(await committed(client, 'g-gone', 'kept')).toEqual([-1])
    expect((await client.request('describeGroups', { groupIds: ['g-gone'] })).groups[0].error.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    await client.close()
  })

  it('after a kill -9, a member of before is taken back with its partitions; a new member waits for the hold', async () => {
    let client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'rejoin', numPartitions: 2 }] })
    const joined = await client.request('heartbeat', { groupId: 'g-rejoin', memberId: '', memberEpoch: 0, subscribedTopicNames: ['rejoin'] })
    expect(joined.assignment).toEqual([{ topic: 'rejoin', partitions: [0, 1] }])
    await client.close()
    await broker.kill()
    await broker.restart()
    client = await RawClient.connect(broker.url)
    // Membership is not durable, but its first heartbeat (id, epoch, owned partitions) brings it back.
    const back = await client.request('heartbeat', { groupId: 'g-rejoin', memberId: joined.memberId, memberEpoch: joined.memberEpoch,
      subscribedTopicNames: ['rejoin'], ownedPartitions: [{ topic: 'rejoin', partitions: [0, 1] }] })
    expect(back.error).toBeUndefined()
    expect(back).toMatchObject({ memberId: joined.memberId })
    expect(back.memberEpoch).toBeGreaterThanOrEqual(joined.memberEpoch)
    expect(back.assignment ?? [{ topic: 'rejoin', partitions: [0, 1] }]).toEqual([{ topic: 'rejoin', partitions: [0, 1] }])
    const commit = await client.request('commitOffsets', { groupId: 'g-rejoin', memberId: joined.memberId, memberEpoch: back.memberEpoch,
      topics: [{ topic: 'rejoin', partitions: [{ partition: 0, offset: 0 }] }] })
    expect(commit.topics[0].partitions[0].error).toBeUndefined()
    // A new member joining meanwhile gets nothing until the hold is over (members of before may still
    // be on their way back); heartbeats come faster meanwhile. Then the two share the partitions.
    let fresh = await client.request('heartbeat', { groupId: 'g-rejoin', memberId: '', memberEpoch: 0, subscribedTopicNames: ['rejoin'] })
    expect(fresh.assignment).toEqual([])
    expect(fresh.heartbeatIntervalMs).toBeLessThanOrEqual(500)
    let old = back
    let oldOwned = [0, 1]
    // Both members heartbeat at the interval the broker asks for, until the fresh one gets partitions.
    await waitFor('partitions for the new member after the hold', async () => {
      old = await client.request('heartbeat', { groupId: 'g-rejoin', memberId: joined.memberId, memberEpoch: old.memberEpoch,
        ownedPartitions: [{ topic: 'rejoin', partitions: oldOwned }] })
      if (old.assignment !== undefined) oldOwned = old.assignment[0]?.partitions ?? []
      fresh = await client.request('heartbeat', { groupId: 'g-rejoin', memberId: fresh.memberId, memberEpoch: fresh.memberEpoch, ownedPartitions: [] })
      return fresh.assignment !== undefined && fresh.assignment.length > 0
    }, { timeoutMs: 30_000, intervalMs: fresh.heartbeatIntervalMs, retryErrors: false })
    expect(oldOwned).toHaveLength(1)
    expect(fresh.assignment).toEqual([{ topic: 'rejoin', partitions: [0, 1].filter((p) => p !== oldOwned[0]) }])
    await client.close()
  })
})
