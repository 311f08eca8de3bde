// The op validators of src/ops: every op accepts a well-formed request (sent through msgpack, as the
// broker receives it) and returns only the fields it knows; each malformed field is refused with
// INVALID_REQUEST, the request's id, and a message naming the field by its path.
import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  OPS,
  REQUEST_PARSERS,
  type OpName,
  type RequestFrame,
  decodeFrame,
  encodeFrame,
  isOpName,
  parseOpRequest,
  parseRequestEnvelope,
} from '../src/index.js'

const records = new Uint8Array([1, 2, 3])

/** One well-formed request per op, with everything optional filled in. */
const VALID: { [Op in OpName]: Record<string, unknown> } = {
  hello: { protocolVersion: 1, clientId: 'shop', broker: { brokerId: 2, clusterId: 'c-1' } },
  metadata: { topics: ['orders'] },
  createTopics: { topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 3, config: { 'retention.ms': '1000' } }], ifNotExists: true, validateOnly: false },
  deleteTopics: { topics: ['orders'] },
  describeTopics: { topics: ['orders', 'payments'] },
  alterTopicConfig: { topic: 'orders', config: { 'retention.ms': '5', flush: null } },
  createPartitions: { topic: 'orders', count: 6 },
  initProducerId: {},
  produce: { acks: -1, timeoutMs: 30_000, topics: [{ topic: 'orders', partitions: [{ partition: 0, records }] }] },
  fetch: { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'orders', partitions: [{ partition: 2, offset: 2 ** 40, maxBytes: 4096 }] }] },
  listOffsets: { topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: -2 }, { partition: 1, timestamp: 1_700_000_000_000 }] }] },
  subscribe: { topic: 'orders', partition: 1, offset: 0, creditBytes: 65_536 },
  credit: { sub: 3, bytes: 1024 },
  unsubscribe: { sub: 3 },
  heartbeat: { groupId: 'billing', memberId: '', memberEpoch: 0, groupInstanceId: 'b-1', clientId: 'shop', rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000, subscribedTopicNames: ['orders'], serverAssignor: 'range', ownedPartitions: [{ topic: 'orders', partitions: [0, 2] }] },
  leaveGroup: { groupId: 'billing', memberId: 'm-1', memberEpoch: -2 },
  commitOffsets: { groupId: 'billing', memberId: 'm-1', memberEpoch: 4, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 12, metadata: 'x' }] }] },
  fetchOffsets: { groupId: 'billing', topics: [{ topic: 'orders', partitions: [0, 1] }, { topic: 'payments' }] },
  describeGroups: { groupIds: ['billing'] },
  listGroups: { states: ['Stable'] },
  deleteGroup: { groupId: 'billing' },
  alterGroupOffsets: { groupId: 'billing', topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: 0 }] }] },
  stats: {},
  repairPartition: { topic: 'orders', partition: 2, acceptDataLoss: true },
  deleteRecords: { topics: [{ topic: 'orders', partitions: [{ partition: 1, offset: 42 }, { partition: 2, offset: -1 }] }] },
  replicaFetch: { brokerId: 2, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, partitions: [{ topic: 'orders', partition: 0, fetchOffset: 17, leaderEpoch: 3 }] },
  offsetsForLeaderEpoch: { brokerId: 2, partitions: [{ topic: 'orders', partition: 0, currentLeaderEpoch: 3, leaderEpoch: -1 }] },
  describeCluster: {},
  findCoordinator: { key: 'billing', keyType: 'group' },
  alterPartitionReassignments: { partitions: [{ topic: 'orders', partition: 0, replicas: [2, 3, 4] }, { topic: 'orders', partition: 1, replicas: null }], throttleBytesPerSec: 1_048_576 },
  listPartitionReassignments: { topics: ['orders'] },
  electLeaders: { electionType: 'preferred', partitions: [{ topic: 'orders', partition: 0 }] },
  saslAuthenticate: { mechanism: 'SCRAM-SHA-256', message: 'n,,n=alice,r=rOprNGfwEbeRWgbNEkqO' },
  createAcls: { acls: [{ principal: 'User:alice', host: '*', resourceType: 'topic', resourceName: 'orders-', patternType: 'prefixed', operation: 'Read',
    permission: 'Allow' }] },
  describeAcls: { filter: { principal: 'User:alice', resourceType: 'topic', operation: 'Read' } },
  deleteAcls: { filters: [{ principal: 'User:alice' }, { resourceType: 'cluster', permission: 'Deny' }] },
  describeUsers: { users: ['alice', 'bob'] },
  alterUsers: { upsertions: [{ user: 'alice', mechanism: 'SCRAM-SHA-256', iterations: 4096, salt: new Uint8Array(32).fill(7),
    saltedPassword: new Uint8Array(32).fill(9) }], deletions: [{ user: 'bob', mechanism: 'SCRAM-SHA-512' }] },
}

/** The frame as the broker sees it: through msgpack and the envelope check. */
function frame(op: string, fields: Record<string, unknown>, id = 7): RequestFrame {
  const parsed = parseRequestEnvelope(decodeFrame(encodeFrame({ id, op, ...fields })), { knownOps: OPS })
  if (!parsed.ok) throw parsed.error
  return parsed.value
}

function refusal(op: OpName, fields: Record<string, unknown>): string {
  const parsed = parseOpRequest(op, frame(op, fields))
  if (parsed.ok) throw new Error(`expected ${op} ${JSON.stringify(fields)} to be refused`)
  expect(parsed.error.code).toBe(ErrorCode.INVALID_REQUEST)
  expect(parsed.id).toBe(7)
  return parsed.error.message
}

describe('ops', () => {
  it('lists every op of docs/protocol.md', () => {
    expect([...OPS].sort()).toEqual(
      ['hello', 'metadata', 'createTopics', 'deleteTopics', 'describeTopics', 'alterTopicConfig', 'createPartitions',
        'initProducerId', 'produce', 'fetch', 'listOffsets', 'subscribe', 'credit', 'unsubscribe',
        'heartbeat', 'leaveGroup', 'commitOffsets', 'fetchOffsets', 'describeGroups', 'listGroups', 'deleteGroup', 'alterGroupOffsets', 'stats', 'repairPartition', 'deleteRecords',
        'replicaFetch', 'offsetsForLeaderEpoch', 'describeCluster', 'findCoordinator', 'alterPartitionReassignments',
        'listPartitionReassignments', 'electLeaders', 'saslAuthenticate', 'createAcls', 'describeAcls', 'deleteAcls', 'describeUsers',
        'alterUsers'].sort(),
    )
    expect(isOpName('produce')).toBe(true)
    expect(isOpName('statistics')).toBe(false)
  })

  for (const op of Object.keys(VALID) as OpName[]) {
    it(`${op}: accepts a well-formed request and drops the envelope and unknown fields`, () => {
      const parsed = REQUEST_PARSERS[op](frame(op, { ...VALID[op], futureField: 1 }))
      expect(parsed).toEqual({ ok: true, value: VALID[op] })
    })
  }

  it('fills nothing in for absent optional fields', () => {
    expect(parseOpRequest('metadata', frame('metadata', {}))).toEqual({ ok: true, value: {} })
    expect(parseOpRequest('hello', frame('hello', { protocolVersion: 1 }))).toEqual({ ok: true, value: { protocolVersion: 1 } })
    const produce = parseOpRequest('produce', frame('produce', { acks: 1, topics: [{ topic: 't', partitions: [{ partition: 0, records }] }] }))
    expect(produce.ok && produce.value.timeoutMs).toBe(undefined)
    const create = parseOpRequest('createTopics', frame('createTopics', { topics: [{ topic: 't' }] }))
    expect(create).toEqual({ ok: true, value: { topics: [{ topic: 't' }] } })
  })

  it('keeps records as the bin that arrived', () => {
    const parsed = parseOpRequest('produce', frame('produce', VALID.produce))
    if (!parsed.ok) throw parsed.error
    const bin = parsed.value.topics[0]!.partitions[0]!.records
    expect(bin).toBeInstanceOf(Uint8Array)
    expect([...bin]).toEqual([1, 2, 3])
  })
})

describe('ops refuse bad fields, naming them', () => {
  it('hello', () => {
    expect(refusal('hello', {})).toMatch(/protocolVersion: expected an integer >= 0, got nothing/)
    expect(refusal('hello', { protocolVersion: '1' })).toMatch(/protocolVersion.*got "1"/)
    expect(refusal('hello', { protocolVersion: 1, clientId: 5 })).toMatch(/clientId: expected a non-empty string, got 5/)
  })

  it('produce', () => {
    const ok = VALID.produce
    expect(refusal('produce', { ...ok, acks: 2 })).toMatch(/acks: expected one of 0, 1, -1, got 2/)
    expect(refusal('produce', { ...ok, acks: 'all' })).toMatch(/acks/)
    expect(refusal('produce', { ...ok, topics: [] })).toMatch(/topics: expected a non-empty array/)
    expect(refusal('produce', { ...ok, topics: [{ topic: 't', partitions: [{ partition: -1, records }] }] })).toMatch(
      /topics\[0\]\.partitions\[0\]\.partition: expected an integer from 0 to 2147483647, got -1/,
    )
    expect(refusal('produce', { ...ok, topics: [{ topic: 't', partitions: [{ partition: 0, records: 'abc' }] }] })).toMatch(
      /topics\[0\]\.partitions\[0\]\.records: expected bin/,
    )
    expect(refusal('produce', { ...ok, topics: [{ topic: '', partitions: [] }] })).toMatch(/topics\[0\]\.topic: expected a non-empty string, got ""/)
    expect(refusal('produce', { ...ok, topics: ['orders'] })).toMatch(/topics\[0\]: expected a map, got "orders"/)
    expect(refusal('produce', { ...ok, timeoutMs: -5 })).toMatch(/timeoutMs/)
  })

  it('fetch', () => {
    const ok = VALID.fetch
    expect(refusal('fetch', { ...ok, maxWaitMs: 1.5 })).toMatch(/maxWaitMs: expected an integer/)
    expect(refusal('fetch', { ...ok, minBytes: -1 })).toMatch(/minBytes/)
    expect(refusal('fetch', { ...ok, maxBytes: 2 ** 31 })).toMatch(/maxBytes: expected an integer from 0 to 2147483647/)
    expect(refusal('fetch', { ...ok, topics: [{ topic: 't', partitions: [{ partition: 0, offset: -1 }] }] })).toMatch(
      /topics\[0\]\.partitions\[0\]\.offset: expected an integer >= 0, got -1/,
    )
    expect(refusal('fetch', { ...ok, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 2 ** 53 }] }] })).toMatch(/offset/)
    expect(refusal('fetch', { ...ok, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 0, maxBytes: null, x: 1 }, { partition: 1, offset: 0, maxBytes: 'x' }] }] })).toMatch(
      /partitions\[1\]\.maxBytes/,
    )
  })

  it('cluster ops: coordinators, reassignments, elections', () => {
    expect(refusal('findCoordinator', { key: 'g', keyType: 'transaction' })).toMatch(/keyType/)
    expect(refusal('findCoordinator', { key: '' })).toMatch(/key: expected a non-empty string/)
    const move = (replicas: unknown) => ({ partitions: [{ topic: 't', partition: 0, replicas }] })
    expect(refusal('alterPartitionReassignments', move([1, 1]))).toMatch(/replicas: expected distinct integers/)
    expect(refusal('alterPartitionReassignments', move([]))).toMatch(/replicas: expected a non-empty array/)
    expect(refusal('alterPartitionReassignments', move([1, -2]))).toMatch(/replicas\[1\]: expected an integer/)
    expect(refusal('alterPartitionReassignments', move(Array.from({ length: 65 }, (_, i) => i)))).toMatch(/at most 64 items/)
    expect(refusal('alterPartitionReassignments', { partitions: [], throttleBytesPerSec: -1 })).toMatch(/throttleBytesPerSec/)
    const throttleOnly = parseOpRequest('alterPartitionReassignments', frame('alterPartitionReassignments', { partitions: [], throttleBytesPerSec: 0 }))
    expect(throttleOnly).toMatchObject({ ok: true, value: { partitions: [], throttleBytesPerSec: 0 } })
    expect(refusal('electLeaders', { electionType: 'unclean' })).toMatch(/electionType/)
  })

  it('saslAuthenticate', () => {
    expect(refusal('saslAuthenticate', { message: 'n,,n=a,r=12345678' })).toMatch(/mechanism: expected a non-empty string, got nothing/)
    expect(refusal('saslAuthenticate', { mechanism: 'SCRAM-SHA-256', message: '' })).toMatch(/message: expected a non-empty string/)
    expect(refusal('saslAuthenticate', { mechanism: 'SCRAM-SHA-256', message: 'x'.repeat(4097) })).toMatch(/message: expected at most 4096 characters/)
  })

  it('topic admin ops', () => {
    expect(refusal('createTopics', { topics: [{ topic: 't', numPartitions: '3' }] })).toMatch(/topics\[0\]\.numPartitions/)
    expect(refusal('createTopics', { topics: [{ topic: 't', config: { 'retention.ms': 1000 } }] })).toMatch(
      /topics\[0\]\.config\["retention\.ms"\]: expected a string, got 1000/,
    )
    expect(refusal('createTopics', { topics: [{ topic: 't', config: { flush: null } }] })).toMatch(/config\["flush"\]: expected a string, got nil/)
    expect(refusal('createTopics', { topics: [{ topic: 't' }], ifNotExists: 'yes' })).toMatch(/ifNotExists: expected a boolean/)
    expect(refusal('deleteTopics', { topics: 'orders' })).toMatch(/topics: expected a non-empty array, got "orders"/)
    expect(refusal('deleteTopics', { topics: ['a', 3] })).toMatch(/topics\[1\]: expected a non-empty string, got 3/)
    expect(refusal('describeTopics', {})).toMatch(/topics/)
    expect(refusal('alterTopicConfig', { topic: 't', config: { a: 1 } })).toMatch(/config\["a"\]: expected a string or nil, got 1/)
    expect(refusal('alterTopicConfig', { topic: 't', config: ['a'] })).toMatch(/config: expected a map of strings, got an array/)
    expect(refusal('createPartitions', { topic: 't' })).toMatch(/count: expected an integer, got nothing/)
    expect(refusal('metadata', { topics: [''] })).toMatch(/topics\[0\]/)
  })

  it('listOffsets and the push ops', () => {
    expect(refusal('listOffsets', { topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -3 }] }] })).toMatch(
      /timestamp: expected an integer >= -2, got -3/,
    )
    expect(refusal('subscribe', { topic: 't', partition: 0, offset: 0 })).toMatch(/creditBytes/)
    expect(refusal('subscribe', { topic: 't', partition: 0, offset: new Uint8Array(2), creditBytes: 1 })).toMatch(/offset: .*got bin/)
    expect(refusal('credit', { sub: 1, bytes: -1 })).toMatch(/bytes/)
    expect(refusal('credit', { sub: -1, bytes: 1 })).toMatch(/sub: expected an integer >= 0/)
    expect(refusal('unsubscribe', {})).toMatch(/sub/)
  })

  it('does not echo a long string back in full', () => {
    const message = refusal('hello', { protocolVersion: 'x'.repeat(10_000) })
    expect(message.length).toBeLessThan(200)
  })
})
