// The consumer-group ops' validators: well-formed requests pass with only their known fields, and
// each malformed field is refused naming its path (UNSUPPORTED_ASSIGNOR for an assignor the broker
// does not have, as Kafka does).
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, ErrorCode, OPS, parseOpRequest, parseRequestEnvelope, type OpName, type RequestFrame } from '../src/index.js'

function frame(op: string, fields: Record<string, unknown>): RequestFrame {
  const parsed = parseRequestEnvelope(decodeFrame(encodeFrame({ id: 3, op, ...fields })), { knownOps: OPS })
  if (!parsed.ok) throw parsed.error
  return parsed.value
}

function refused(op: OpName, fields: Record<string, unknown>): { code: number; message: string } {
  const parsed = parseOpRequest(op, frame(op, fields))
  if (parsed.ok) throw new Error(`expected ${op} ${JSON.stringify(fields)} to be refused`)
  expect(parsed.id).toBe(3)
  return { code: parsed.error.code, message: parsed.error.message }
}

describe('group ops', () => {
  it('heartbeat: a join needs a subscription; other epochs need a member id', () => {
    expect(parseOpRequest('heartbeat', frame('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicRegex: '^o.*' })))
      .toEqual({ ok: true, value: { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicRegex: '^o.*' } })
    expect(refused('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0 }).message).toMatch(/subscribedTopicNames/)
    expect(refused('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], subscribedTopicRegex: 't' }).message)
      .toMatch(/not both/)
    expect(refused('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 3 }).message).toMatch(/memberId/)
    expect(refused('heartbeat', { groupId: 'g', memberId: 'm', memberEpoch: -3 }).message).toMatch(/memberEpoch/)
    expect(refused('heartbeat', { groupId: '', memberId: 'm', memberEpoch: 1 }).message).toMatch(/groupId/)
  })

  it('heartbeat: ownedPartitions and the assignor are checked', () => {
    expect(refused('heartbeat', { groupId: 'g', memberId: 'm', memberEpoch: 1, ownedPartitions: [{ topic: 't', partitions: [0, -1] }] }).message)
      .toMatch(/ownedPartitions\[0\]\.partitions\[1\]/)
    expect(refused('heartbeat', { groupId: 'g', memberId: 'm', memberEpoch: 1, ownedPartitions: [{ partitions: [] }] }).message)
      .toMatch(/ownedPartitions\[0\]\.topic/)
    expect(refused('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], serverAssignor: 'sticky' }).code)
      .toBe(ErrorCode.UNSUPPORTED_ASSIGNOR)
    // The regex's syntax is RE2's, checked by the broker (INVALID_REGULAR_EXPRESSION), not by the parser.
    expect(parseOpRequest('heartbeat', frame('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicRegex: '(?P<x>t)' })).ok).toBe(true)
    expect(parseOpRequest('heartbeat', frame('heartbeat', { groupId: 'g', memberId: 'm', memberEpoch: 2, ownedPartitions: [] })))
      .toEqual({ ok: true, value: { groupId: 'g', memberId: 'm', memberEpoch: 2, ownedPartitions: [] } })
  })

  it('leaveGroup takes only -1 or -2', () => {
    expect(parseOpRequest('leaveGroup', frame('leaveGroup', { groupId: 'g', memberId: 'm' }))).toEqual({ ok: true, value: { groupId: 'g', memberId: 'm' } })
    expect(refused('leaveGroup', { groupId: 'g', memberId: 'm', memberEpoch: 0 }).message).toMatch(/memberEpoch/)
  })

  it('commitOffsets: a member id needs its epoch; offsets are >= 0', () => {
    expect(refused('commitOffsets', { groupId: 'g', memberId: 'm', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] }).message)
      .toMatch(/memberEpoch/)
    expect(refused('commitOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: -1 }] }] }).message)
      .toMatch(/topics\[0\]\.partitions\[0\]\.offset/)
    expect(refused('commitOffsets', { groupId: 'g', topics: [] }).message).toMatch(/topics/)
    expect(parseOpRequest('commitOffsets', frame('commitOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 1, offset: 5 }] }] })))
      .toEqual({ ok: true, value: { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 1, offset: 5 }] }] } })
  })

  it('fetchOffsets: topics and partitions are optional', () => {
    expect(parseOpRequest('fetchOffsets', frame('fetchOffsets', { groupId: 'g' }))).toEqual({ ok: true, value: { groupId: 'g' } })
    expect(refused('fetchOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: ['x'] }] }).code).toBe(ErrorCode.INVALID_REQUEST)
    expect(refused('fetchOffsets', { groupId: 'g', topics: [{}] }).message).toMatch(/topics\[0\]\.topic/)
  })

  it('describeGroups, listGroups, deleteGroup, alterGroupOffsets', () => {
    expect(refused('describeGroups', { groupIds: [] }).message).toMatch(/groupIds/)
    expect(parseOpRequest('listGroups', frame('listGroups', {}))).toEqual({ ok: true, value: {} })
    expect(refused('deleteGroup', {}).message).toMatch(/groupId/)
    expect(refused('alterGroupOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0 }] }] }).message)
      .toMatch(/topics\[0\]\.partitions\[0\]\.offset/)
  })
})
