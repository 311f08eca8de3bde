// The Kafka handlers of the classic group protocol, against a recording stand-in for the topic
// service: what each version of JoinGroup / SyncGroup / Heartbeat / LeaveGroup asks the coordinator
// (v0's rebalance timeout, v4's known member id, v5's instance id, LeaveGroup's one member or batch),
// a coordinator-wide refusal as the answer's error code, and every served version's answer encoding.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../../log.js'
import type { Gateway } from '../../gateway/context.js'
import { openGatewaySecurity } from '../../security/gateway-security.js'
import { defaultJoinGroupRequest } from '../generated/join-group.js'
import { defaultLeaveGroupRequest } from '../generated/leave-group.js'
import { KafkaWriter } from '../wire.js'
import { heartbeat, joinGroup, kafkaClientHost, leaveGroup, syncGroup } from './classic-groups.js'
import type { KafkaApiContext, KafkaApiHandler } from './context.js'

interface Asked { op: string; request: Record<string, unknown> }

function context(answer: (op: string) => unknown): { ctx: KafkaApiContext; asked: Asked[] } {
  const asked: Asked[] = []
  const gateway = {
    limits: { requestItemsMax: 10 },
    security: openGatewaySecurity(silentLogger()),
    topics: { kafkaGroup: async (op: string, request: Record<string, unknown>) => { asked.push({ op, request }); return answer(op) } },
  } as unknown as Gateway
  const ctx = { gateway, op: { gateway, session: {} }, listener: undefined, served: [], logger: silentLogger(), clientId: 'rdkafka', clientHost: '10.1.2.3' } as unknown as KafkaApiContext
  return { ctx, asked }
}

const joined = { errorCode: 0, generationId: 3, protocolType: 'consumer', protocolName: 'range', leader: 'm1', skipAssignment: false, memberId: 'm1',
  members: [{ memberId: 'm1', metadata: new Uint8Array([1, 2]) }] }

/** The answer written at `version` and read back: every field the version has must encode. */
function roundTrip(handler: KafkaApiHandler<unknown, unknown>, version: number, response: unknown): void {
  const w = new KafkaWriter(256)
  handler.write(w, version, response)
  expect(w.finish().length).toBeGreaterThan(0)
}

const request = (extra: object) => ({ ...defaultJoinGroupRequest(), groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: new Uint8Array([1]) }], ...extra })

describe('JoinGroup', () => {
  it('v0 takes the session timeout as rebalance timeout; v4+ requires a known member id; v5+ passes the instance id; the client id and host go along', async () => {
    const { ctx, asked } = context(() => joined)
    await joinGroup.handle(request({}), 0, ctx)
    await joinGroup.handle(request({}), 4, ctx)
    await joinGroup.handle(request({ groupInstanceId: 'i-1', reason: 'rebalance' }), 8, ctx)
    expect(asked.map((a) => [a.request.rebalanceTimeoutMs, a.request.requireKnownMemberId, a.request.groupInstanceId, a.request.reason]))
      .toEqual([[10_000, false, undefined, undefined], [60_000, true, undefined, undefined], [60_000, true, 'i-1', 'rebalance']])
    expect(asked[0]!.request).toMatchObject({ clientId: 'rdkafka', clientHost: '/10.1.2.3', groupId: 'g', memberId: '' })
  })

  it('a coordinator-wide refusal is the error code, the member id echoed; every version encodes answers and refusals', async () => {
    const { ctx } = context(() => { throw new FaecieError(ErrorCode.NOT_COORDINATOR, 'elsewhere') })
    for (let version = 0; version <= 9; version++) {
      const refused = await joinGroup.handle(request({ memberId: 'm7' }), version, ctx) as { errorCode: number; memberId: string; protocolName: string | null }
      expect([refused.errorCode, refused.memberId]).toEqual([ErrorCode.NOT_COORDINATOR, 'm7'])
      roundTrip(joinGroup, version, refused)
      roundTrip(joinGroup, version, await joinGroup.handle(request({}), version, context(() => ({ ...joined, protocolName: null, protocolType: null })).ctx))
    }
  })

  it('a bug (not a FaecieError) is not turned into an answer', async () => {
    const { ctx } = context(() => { throw new Error('broken') })
    await expect(joinGroup.handle(request({}), 5, ctx)).rejects.toThrow('broken')
  })
})

it("a member's host is written as Kafka shows it", () => {
  expect([kafkaClientHost('10.1.2.3'), kafkaClientHost('::ffff:127.0.0.1'), kafkaClientHost('::1')]).toEqual(['/10.1.2.3', '/127.0.0.1', '/::1'])
})

describe('SyncGroup and Heartbeat', () => {
  it('pass the generation, member, instance id and assignments; v5 the protocol; answers encode at every version', async () => {
    const { ctx, asked } = context((op) => (op === 'syncGroup'
      ? { errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: new Uint8Array([9]) } : { errorCode: ErrorCode.REBALANCE_IN_PROGRESS }))
    const sync = { groupId: 'g', generationId: 2, memberId: 'm1', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: 'm1', assignment: new Uint8Array([9]) }] }
    for (let version = 0; version <= 5; version++) roundTrip(syncGroup, version, await syncGroup.handle(sync, version, ctx))
    expect(asked[0]!.request).toEqual({ groupId: 'g', generationId: 2, memberId: 'm1', protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: 'm1', assignment: new Uint8Array([9]) }] })
    const beat = await heartbeat.handle({ groupId: 'g', generationId: 2, memberId: 'm1', groupInstanceId: 'i' }, 4, ctx) as { errorCode: number }
    expect(beat.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    expect(asked.at(-1)!.request).toEqual({ groupId: 'g', generationId: 2, memberId: 'm1', groupInstanceId: 'i' })
    for (let version = 0; version <= 4; version++) roundTrip(heartbeat, version, beat)
  })
})

describe('LeaveGroup', () => {
  const left = { errorCode: 0, members: [{ memberId: 'm1', errorCode: ErrorCode.UNKNOWN_MEMBER_ID }, { memberId: 'm2', groupInstanceId: 'i2', errorCode: 0 }] }

  it("v0-2 name one member and answer with its error; v3+ a batch, each member's error", async () => {
    const { ctx, asked } = context(() => left)
    const one = await leaveGroup.handle({ ...defaultLeaveGroupRequest(), groupId: 'g', memberId: 'm1' }, 1, ctx) as { errorCode: number }
    expect(one.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(asked[0]!.request).toEqual({ groupId: 'g', members: [{ memberId: 'm1' }] })
    const batch = await leaveGroup.handle({ ...defaultLeaveGroupRequest(), groupId: 'g',
      members: [{ memberId: 'm1', groupInstanceId: null, reason: null }, { memberId: '', groupInstanceId: 'i2', reason: 'bye' }] }, 5, ctx) as
      { errorCode: number; members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> }
    expect(asked[1]!.request).toEqual({ groupId: 'g', members: [{ memberId: 'm1' }, { memberId: '', groupInstanceId: 'i2', reason: 'bye' }] })
    expect(batch.errorCode).toBe(0)
    expect(batch.members).toEqual([{ memberId: 'm1', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }, { memberId: 'm2', groupInstanceId: 'i2', errorCode: 0 }])
    for (let version = 0; version <= 5; version++) roundTrip(leaveGroup, version, version < 3 ? one : batch)
  })

  it('a batch of more members than requestItemsMax is refused whole', async () => {
    const { ctx, asked } = context(() => left)
    const members = Array.from({ length: 11 }, (_, i) => ({ memberId: `m${i}`, groupInstanceId: null, reason: null }))
    await expect(leaveGroup.handle({ ...defaultLeaveGroupRequest(), groupId: 'g', members }, 3, ctx)).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    expect(asked).toEqual([])
  })
})

