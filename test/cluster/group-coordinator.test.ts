// Issue 14, groups across brokers (broker side): a group lives in partition groupPartition(groupId)
// of the replicated `__consumer_offsets`, coordinated by that partition's leader. Every broker
// names the same coordinator (findCoordinator, the topic made on the first ask); another broker
// answers a group op with NOT_COORDINATOR naming it; an offset committed at the coordinator (acks=all
// into the partition) survives kill -9 of that broker: the partition's new leader loads the group
// and serves the offset. describeTopics of `__consumer_offsets` from any broker shows its leader's
// offsets. Raw sessions to chosen brokers: the client follows coordinators in part G3.
import { groupPartition } from '@faecie/protocol'
import { afterEach, expect, it } from 'vitest'
import { RawClient, type Frame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { createReplicatedTopic } from './acked-records.js'

const OFFSETS_PARTITIONS = 6
let cluster: TestCluster | undefined
const sessions: RawClient[] = []

afterEach(async () => {
  await Promise.allSettled(sessions.splice(0).map((s) => s.close()))
  await cluster?.close()
  cluster = undefined
})

async function session(brokerId: number): Promise<RawClient> {
  const raw = await RawClient.connect(cluster!.url(brokerId))
  sessions.push(raw)
  return raw
}

/** Every running broker's findCoordinator answer, once they all name the same live coordinator. */
async function agreedCoordinator(groupId: string, brokers: number[]): Promise<Frame> {
  return waitFor(`brokers ${brokers.join(', ')} to agree on the coordinator of ${groupId}`, async () => {
    const answers: Frame[] = []
    for (const id of brokers) {
      const raw = await session(id)
      answers.push(await raw.request('findCoordinator', { key: groupId }, 5_000))
      await raw.close()
    }
    if (answers.some((a) => a.error !== undefined)) return undefined
    const ids = new Set(answers.map((a) => a.brokerId))
    return ids.size === 1 && brokers.includes(answers[0]!.brokerId) ? answers[0] : undefined
  }, { timeoutMs: 60_000, intervalMs: 200 })
}

it('one coordinator per group, NOT_COORDINATOR elsewhere, and committed offsets survive kill -9 of the coordinator', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000, extraArgs: ['--offsets-topic-partitions', String(OFFSETS_PARTITIONS)] })
  const topic = 'orders'
  await createReplicatedTopic(cluster, topic, 2)
  const groupId = 'g-coordinated'
  const found = await agreedCoordinator(groupId, cluster.brokerIds)
  expect(found.partition).toBe(groupPartition(groupId, OFFSETS_PARTITIONS))
  expect(found.url).toBe(cluster.url(found.brokerId))
  const coordinator = found.brokerId as number
  const other = cluster.brokerIds.find((id) => id !== coordinator)!

  // Another broker refuses, naming the coordinator.
  const elsewhere = await (await session(other)).request('commitOffsets', { groupId, topics: [{ topic, partitions: [{ partition: 0, offset: 1 }] }] })
  expect(elsewhere.error?.name).toBe('NOT_COORDINATOR')
  expect(elsewhere.error?.message).toContain(`broker ${coordinator} does`)

  // Committed at the coordinator (it may still be loading its shard: retried while it says so).
  const atCoordinator = await session(coordinator)
  const commit = await waitFor('the commit at the coordinator', async () => {
    const answer = await atCoordinator.request('commitOffsets', { groupId, topics: [{ topic, partitions: [{ partition: 0, offset: 42 }, { partition: 1, offset: 7 }] }] })
    return answer.error?.name === 'COORDINATOR_LOAD_IN_PROGRESS' ? undefined : answer
  })
  expect(commit.error).toBeUndefined()
  expect(commit.topics[0].partitions.every((p: Frame) => p.error === undefined)).toBe(true)
  const fetched = await atCoordinator.request('fetchOffsets', { groupId, topics: [{ topic }] })
  expect(fetched.topics[0].partitions.map((p: Frame) => p.offset)).toEqual([42, 7])
  const listed = await atCoordinator.request('listGroups', {})
  expect(listed.groups.map((g: Frame) => g.groupId)).toContain(groupId)
  expect((await (await session(other)).request('listGroups', {})).groups.map((g: Frame) => g.groupId)).not.toContain(groupId)
  const metrics = await (await fetch(`${cluster.url(coordinator).replace(/^ws/, 'http')}/metrics`)).text()
  expect(metrics).toMatch(/^faecie_coordinated_groups [1-9]/m)

  // describeTopics names the internal topic when asked, and every broker shows each partition's
  // offsets as its leader has them (not its own replica's, nor -1 where it has none).
  const offsetsRows = async (via: number): Promise<Frame[]> =>
    (await (await session(via)).request('describeTopics', { topics: ['__consumer_offsets'] })).topics[0].partitions
  const atLeader = (await offsetsRows(coordinator))[found.partition as number]!
  expect(atLeader.highWatermark).toBeGreaterThan(0) // the group's record, its offsets, the load marker
  for (const via of cluster.brokerIds) expect((await offsetsRows(via))[found.partition as number]).toEqual(atLeader)

  // kill -9 the coordinator: the partition's new leader loads the group from the replicated log.
  await cluster.kill9(coordinator)
  const survivors = cluster.brokerIds.filter((id) => id !== coordinator)
  const next = await agreedCoordinator(groupId, survivors)
  expect(next.brokerId).not.toBe(coordinator)
  const atNext = await session(next.brokerId)
  const after = await waitFor('the committed offsets at the new coordinator', async () => {
    const answer = await atNext.request('fetchOffsets', { groupId, topics: [{ topic }] })
    return answer.error === undefined ? answer : undefined
  }, { timeoutMs: 60_000, intervalMs: 200 })
  expect(after.topics[0].partitions.map((p: Frame) => p.offset)).toEqual([42, 7])
  const described = await atNext.request('describeGroups', { groupIds: [groupId] })
  expect(described.groups[0].error).toBeUndefined()
}, 180_000)
