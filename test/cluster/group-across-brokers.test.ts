// Consumer groups in a cluster (issue 14): a group lives on the leader of its `__consumer_offsets`
// partition. A client's session talks to that coordinator itself (findCoordinator; other brokers
// answer NOT_COORDINATOR: test/cluster/group-coordinator.test.ts), but the HTTP API of ANY broker
// serves every group: its group requests are forwarded to the coordinator over the peer links, and
// GET /v1/groups asks every broker and merges. (Before issue 14 every broker forwarded group ops to
// the controller, where all groups lived.)
import { afterEach, expect, it } from 'vitest'
import { RawClient, type Frame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { createReplicatedTopic } from './acked-records.js'

let cluster: TestCluster | undefined
const sessions: RawClient[] = []

afterEach(async () => {
  await Promise.allSettled(sessions.splice(0).map((s) => s.close()))
  await cluster?.close()
  cluster = undefined
})

function httpUrl(brokerId: number, path: string): string {
  return `${cluster!.url(brokerId).replace(/^ws/, 'http')}/v1${path}`
}

/** A request at the group's coordinator, retried while it has none or is loading it. */
async function atCoordinator(groupId: string, op: string, fields: Frame): Promise<Frame> {
  return waitFor(`${op} of ${groupId} at its coordinator`, async () => {
    const any = await RawClient.connect(cluster!.url(cluster!.brokerIds[0]!))
    sessions.push(any)
    const found = await any.request('findCoordinator', { key: groupId }, 5_000)
    if (found.error !== undefined) return undefined
    const raw = await RawClient.connect(found.url)
    sessions.push(raw)
    const answer = await raw.request(op, fields, 5_000)
    return answer.error?.retriable === true ? undefined : answer
  }, { timeoutMs: 60_000, intervalMs: 200 })
}

it('the HTTP API of every broker lists and describes a group that lives on one coordinator', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000, extraArgs: ['--offsets-topic-partitions', '6'] })
  const topic = 'shared-group'
  await createReplicatedTopic(cluster, topic, 4)
  const groupId = 'g-across'
  const committed = await atCoordinator(groupId, 'commitOffsets', { groupId, topics: [{ topic, partitions: [{ partition: 2, offset: 1 }] }] })
  expect(committed.error).toBeUndefined()
  const joined = await atCoordinator(groupId, 'heartbeat', { groupId, memberId: '', memberEpoch: 0, subscribedTopicNames: [topic], rebalanceTimeoutMs: 10_000 })
  expect(joined.error).toBeUndefined()

  for (const id of cluster.brokerIds) {
    const listed = await (await fetch(httpUrl(id, '/groups'))).json() as { groups: { groupId: string; members: number }[] }
    expect(listed.groups.filter((g) => g.groupId === groupId), `GET /v1/groups at broker ${id}`).toHaveLength(1)
    const described = await (await fetch(httpUrl(id, `/groups/${groupId}`))).json() as { members: unknown[]; partitions: { partition: number; committed: number }[] }
    expect(described.members, `GET /v1/groups/${groupId} at broker ${id}`).toHaveLength(1)
    expect(described.partitions.find((p) => p.partition === 2)?.committed).toBe(1)
  }
}, 120_000)
