// Authorization in the Kafka handlers that do not run through the gateway's op handlers (and in
// Produce and Fetch, which answer a refused topic before the op), against a real GatewaySecurity with
// --auth scram and ACLs for User:alice, and a recording stand-in for the coordinator: each refusal
// is Kafka's error code in Kafka's place (29 per partition or topic, 30 per group, 31 for the
// cluster), and what is refused is never asked of the coordinator or the op.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCode, type AclBinding } from '@faecie/protocol'
import type { Gateway } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { silentLogger } from '../../log.js'
import { GatewaySecurity } from '../../security/gateway-security.js'
import { OPEN_SECURITY_CONFIG } from '../../server/security-config.js'
import { defaultJoinGroupRequest } from '../generated/join-group.js'
import { joinGroup } from './classic-groups.js'
import { createPartitions } from './cluster.js'
import { describeConfigs, incrementalAlterConfigs } from './configs.js'
import type { KafkaApiContext } from './context.js'
import { fetch } from './fetch.js'
import { findCoordinator } from './find-coordinator.js'
import { deleteGroups, describeGroups, listGroups } from './groups-admin.js'
import { metadata } from './metadata.js'
import { offsetCommit, offsetFetch } from './offsets.js'
import { produce } from './produce.js'

interface Asked { op: string; request: Record<string, unknown> }

const allow = (resourceType: AclBinding['resourceType'], resourceName: string, operation: AclBinding['operation']): AclBinding =>
  ({ principal: 'User:alice', host: '*', resourceType, resourceName, patternType: 'literal', operation, permission: 'Allow' })

const META = (topic: string): Record<string, unknown> => ({ topic, topicId: '00000000-0000-0000-0000-000000000001', partitions: 1, internal: false, config: {} })

function context(acls: AclBinding[], answer: (op: string, request: Record<string, unknown>) => unknown = () => ({})): { ctx: KafkaApiContext; asked: Asked[] } {
  const security = new GatewaySecurity({ ...OPEN_SECURITY_CONFIG, auth: 'scram' }, silentLogger())
  for (const acl of acls) security.state.addAcl(acl)
  const asked: Asked[] = []
  const ask = async (op: string, request: Record<string, unknown>): Promise<unknown> => { asked.push({ op, request }); return answer(op, request) }
  const topics = ['mine', 'theirs']
  const gateway = {
    limits: { requestItemsMax: 100 }, security,
    topics: { group: ask, kafkaGroup: ask, lookup: (t: string) => (topics.includes(t) ? META(t) : undefined), all: () => topics.map(META), limits: {} },
    broker: { brokerId: 1, clusterId: 'c', serverVersion: 't', url: 'ws://h:1', autoCreateTopics: true },
    cluster: undefined,
  } as unknown as Gateway
  const session = { principal: 'User:alice', clientAddress: '10.0.0.1' }
  const ctx = { gateway, op: { gateway, session }, listener: { brokerId: 1, clusterId: 'c', advertisedHost: 'h', advertisedPort: 9092 },
    served: [], logger: silentLogger(), clientId: 'c', clientHost: '10.0.0.1' } as unknown as KafkaApiContext
  return { ctx, asked }
}

afterEach(() => { vi.restoreAllMocks() })

describe('groups', () => {
  it('JoinGroup without Read on the group: GROUP_AUTHORIZATION_FAILED, the coordinator not asked', async () => {
    const { ctx, asked } = context([allow('group', 'other', 'Read')])
    const answer = await joinGroup.handle({ ...defaultJoinGroupRequest(), groupId: 'g', protocolType: 'consumer' }, 5, ctx) as { errorCode: number }
    expect(answer.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED)
    expect(asked).toEqual([])
  })

  it('FindCoordinator, DescribeGroups and DeleteGroups refuse per group; ListGroups shows only describable groups', async () => {
    const { ctx, asked } = context([allow('group', 'mine', 'Delete')], (op, request) => (op === 'listGroups'
      ? { groups: [{ groupId: 'mine', state: 'Empty' }, { groupId: 'theirs', state: 'Empty' }] }
      : { groups: (request.groupIds as string[] | undefined ?? []).map((groupId) => ({ groupId, state: 'Empty', members: [], assignor: '' })) }))
    const found = await findCoordinator.handle({ key: '', keyType: 0, coordinatorKeys: ['mine', 'theirs'] }, 4, ctx) as { coordinators: Array<{ errorCode: number }> }
    expect(found.coordinators.map((c) => c.errorCode)).toEqual([0, ErrorCode.GROUP_AUTHORIZATION_FAILED])
    const described = await describeGroups.handle({ groups: ['mine', 'theirs'], includeAuthorizedOperations: false }, 5, ctx) as
      { groups: Array<{ groupId: string; errorCode: number; errorMessage: string | null }> }
    expect(described.groups.map((g) => [g.groupId, g.errorCode])).toEqual([['mine', 0], ['theirs', ErrorCode.GROUP_AUTHORIZATION_FAILED]])
    expect(described.groups[1]!.errorMessage).toContain('User:alice')
    const deleted = await deleteGroups.handle({ groupsNames: ['mine', 'theirs'] }, 2, ctx) as { results: Array<{ errorCode: number }> }
    expect(deleted.results.map((r) => r.errorCode)).toEqual([0, ErrorCode.GROUP_AUTHORIZATION_FAILED])
    const listed = await listGroups.handle({ statesFilter: [], typesFilter: [] }, 5, ctx) as { groups: Array<{ groupId: string }> }
    expect(listed.groups.map((g) => g.groupId)).toEqual(['mine'])
    expect(asked.filter((a) => a.op === 'describeGroups').map((a) => a.request.groupIds)).toEqual([['mine']])
    expect(asked.filter((a) => a.op === 'deleteGroup').map((a) => a.request.groupId)).toEqual(['mine'])
  })
})

describe('offsets', () => {
  const commit = (topics: string[]) => ({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
    topics: topics.map((name) => ({ name, topicId: new Uint8Array(16), partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] })) })

  it('OffsetCommit: without Read on the group every partition is 30; without Read on a topic its partitions are 29, the rest committed', async () => {
    const none = context([])
    const refused = await offsetCommit.handle(commit(['mine']), 8, none.ctx) as { topics: Array<{ partitions: Array<{ errorCode: number }> }> }
    expect(refused.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED)
    expect(none.asked).toEqual([])
    const { ctx, asked } = context([allow('group', 'g', 'Read'), allow('topic', 'mine', 'Read')], () => ({ topics: [{ topic: 'mine', partitions: [{ partition: 0 }] }] }))
    const answer = await offsetCommit.handle(commit(['mine', 'theirs']), 8, ctx) as { topics: Array<{ partitions: Array<{ errorCode: number }> }> }
    expect(answer.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([0, ErrorCode.TOPIC_AUTHORIZATION_FAILED])
    expect((asked[0]!.request.topics as Array<{ topic: string }>).map((t) => t.topic)).toEqual(['mine'])
  })

  it('OffsetFetch: a named topic without Describe is 29; all offsets leave it out', async () => {
    const committed = { topics: ['mine', 'theirs'].map((topic) => ({ topic, partitions: [{ partition: 0, offset: 3, metadata: '' }] })) }
    const { ctx, asked } = context([allow('group', 'g', 'Describe'), allow('topic', 'mine', 'Describe')], () => committed)
    const named = await offsetFetch.handle({ groupId: 'g', topics: [{ name: 'mine', partitionIndexes: [0] }, { name: 'theirs', partitionIndexes: [0] }],
      groups: [], requireStable: false }, 7, ctx) as { topics: Array<{ name: string; partitions: Array<{ errorCode: number; committedOffset: bigint }> }> }
    expect(named.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.committedOffset])).toEqual([['mine', 0, 3n], ['theirs', ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n]])
    expect((asked[0]!.request.topics as Array<{ topic: string }>).map((t) => t.topic)).toEqual(['mine'])
    const all = await offsetFetch.handle({ groupId: 'g', topics: null, groups: [], requireStable: false }, 7, ctx) as { topics: Array<{ name: string }> }
    expect(all.topics.map((t) => t.name)).toEqual(['mine'])
    const noGroup = await offsetFetch.handle({ groupId: 'other', topics: null, groups: [], requireStable: false }, 7, ctx) as { errorCode: number }
    expect(noGroup.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED)
  })
})

describe('topics', () => {
  it('Metadata lists only describable topics; a named one without Describe, existing or not, is 29', async () => {
    const op = vi.spyOn(OP_HANDLERS, 'metadata').mockImplementation(async (request) => ({
      brokers: [], controllerId: 1, clusterId: 'c',
      topics: (request.topics ?? ['mine', 'theirs']).map((topic) => ({ topic, topicId: '00000000-0000-0000-0000-000000000001', internal: false, partitions: [] })),
    }))
    const { ctx } = context([allow('topic', 'mine', 'Describe')])
    const all = await metadata.handle({ topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 12, ctx) as
      { topics: Array<{ name: string }> }
    expect(all.topics.map((t) => t.name)).toEqual(['mine'])
    const named = await metadata.handle({ topics: ['mine', 'theirs', 'nowhere'].map((name) => ({ name, topicId: new Uint8Array(16) })), allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, 12, ctx) as { topics: Array<{ name: string; errorCode: number }> }
    expect(named.topics.map((t) => [t.name, t.errorCode])).toEqual([['mine', 0], ['theirs', 29], ['nowhere', 29]])
    expect(op.mock.calls[1]![0]).toEqual({ topics: ['mine'] })
  })

  it('Produce and Fetch answer a topic without Write / Read 29 per partition and never name it to the op', async () => {
    const produced = vi.spyOn(OP_HANDLERS, 'produce').mockResolvedValue({ topics: [{ topic: 'mine', partitions: [{ partition: 0, baseOffset: 7, logAppendTime: -1, logStartOffset: 0 }] }] } as never)
    const { ctx } = context([allow('topic', 'mine', 'Write'), allow('topic', 'mine', 'Read')])
    const records = new Uint8Array(0)
    const answer = await produce.handle({ transactionalId: null, acks: -1, timeoutMs: 1000, topicData: ['theirs', 'mine'].map((name) => ({ name, topicId: new Uint8Array(16),
      partitionData: [{ index: 0, records }] })) }, 9, ctx) as { responses: Array<{ partitionResponses: Array<{ errorCode: number; baseOffset: bigint }> }> }
    expect(answer.responses.map((r) => [r.partitionResponses[0]!.errorCode, r.partitionResponses[0]!.baseOffset])).toEqual([[29, -1n], [0, 7n]])
    expect(produced.mock.calls[0]![0].topics.map((t) => t.topic)).toEqual(['mine'])
    const fetched = vi.spyOn(OP_HANDLERS, 'fetch').mockResolvedValue({ topics: [] } as never)
    const refused = await fetch.handle({ sessionId: 0, sessionEpoch: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'theirs', topicId: new Uint8Array(16),
      partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }] } as never, 12, ctx) as { responses: Array<{ partitions: Array<{ errorCode: number }> }> }
    expect(refused.responses[0]!.partitions[0]!.errorCode).toBe(29)
    expect(fetched).not.toHaveBeenCalled()
  })

  it('DescribeConfigs and IncrementalAlterConfigs: 29 for a topic, 31 for the broker, without the operation', async () => {
    const { ctx } = context([allow('topic', 'mine', 'DescribeConfigs')])
    const described = await describeConfigs.handle({ resources: [{ resourceType: 2, resourceName: 'mine', configurationKeys: null },
      { resourceType: 2, resourceName: 'theirs', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }],
    includeSynonyms: false, includeDocumentation: false }, 4, ctx) as { results: Array<{ errorCode: number }> }
    expect(described.results.map((r) => r.errorCode)).toEqual([0, 29, 31])
    const altered = await incrementalAlterConfigs.handle({ resources: [{ resourceType: 2, resourceName: 'mine', configs: [] }, { resourceType: 4, resourceName: '1', configs: [] }],
      validateOnly: true }, 1, ctx) as { responses: Array<{ errorCode: number }> }
    expect(altered.responses.map((r) => r.errorCode)).toEqual([29, 31])
  })

  it('CreatePartitions validateOnly needs Alter on the topic first: it tells nothing of a topic to others', async () => {
    const { ctx } = context([allow('topic', 'mine', 'Alter')])
    const answer = await createPartitions.handle({ topics: [{ name: 'mine', count: 1, assignments: null }, { name: 'theirs', count: 1, assignments: null },
      { name: 'nosuch', count: 1, assignments: null }], timeoutMs: 1000, validateOnly: true }, 1, ctx) as { results: Array<{ errorCode: number }> }
    expect(answer.results.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_PARTITIONS, 29, 29])
  })
})
