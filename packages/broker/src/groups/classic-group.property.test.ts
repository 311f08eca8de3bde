// Random histories of a classic group (fast-check; a failure prints its seed and the shortest history
// found): simulated clients (static and dynamic, v3 and v4 joins) join, sync, heartbeat, leave,
// change their subscription and restart, over a network that loses, duplicates and reorders their
// requests and loses answers; time passes in random steps. After every step: the generation never
// went down, the group is Empty exactly when it has no members, and a group past its join phase has
// a leader among its members. Every sync answered 0 carries the bytes the leader's accepted
// assignment gave that member in that generation. At the end, once time runs past every timeout,
// every answer the group held has been given, exactly once.
import { strict as assert } from 'node:assert'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import type { ClassicGroup } from './classic-group.js'
import { classicGroup, joinRequest, rangeOf, syncRequest, turn, watch, type Watched } from './classic-test-support.js'
import type { JoinGroupMember, JoinGroupResult, SyncGroupResult } from './kafka-group-ops.js'

type Step =
  | { kind: 'send'; who: number; loseAnswer: boolean; retry: boolean; direct: boolean }
  | { kind: 'deliver'; index: number }
  | { kind: 'drop'; index: number }
  | { kind: 'duplicate'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'leave'; who: number }
  | { kind: 'resubscribe'; who: number; topic: 't' | 'u' }
  | { kind: 'restart'; who: number }

const CLIENTS = 4
/** True once in `n` draws. */
const oneIn = (n: number): fc.Arbitrary<boolean> => fc.nat(n - 1).map((k) => k === 0)
const who = fc.nat(CLIENTS - 1)
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('send' as const), who, loseAnswer: oneIn(6), retry: oneIn(8), direct: oneIn(4).map((b) => !b) }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const), index: fc.nat(7) }), weight: 12 },
  fc.record({ kind: fc.constant('drop' as const), index: fc.nat(7) }),
  fc.record({ kind: fc.constant('duplicate' as const), index: fc.nat(7) }),
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 200 }), weight: 4 }, fc.integer({ min: 1, max: 1_500 })) }), weight: 4 },
  fc.record({ kind: fc.constant('leave' as const), who }),
  fc.record({ kind: fc.constant('resubscribe' as const), who, topic: fc.constantFrom('t' as const, 'u' as const) }),
  fc.record({ kind: fc.constant('restart' as const), who }),
)

interface Client {
  clientId: string
  instanceId: string | undefined
  v4: boolean
  topic: 't' | 'u'
  memberId: string
  generationId: number
  phase: 'join' | 'sync' | 'beat'
  members: JoinGroupMember[]
  leader: boolean
  /** Requests whose answer it still waits for: a client sends one at a time, unless it gives up on one (retry). */
  waiting: number
}

/** A request on the wire: delivering it runs it against the group. */
interface InFlight { client: Client; deliver: () => void }

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Runs the promise jobs queued so far (a held answer's readers), without waiting on the event loop. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve()
}

/** The client reads an answer when it comes: at once, or when the held one is given. */
function onAnswer<T>(result: T | Promise<T>, read: (answer: T) => void): void {
  if (result instanceof Promise) void result.then(read)
  else read(result)
}

async function run(steps: Step[], versions: boolean[]): Promise<void> {
  let now = 0
  const group: ClassicGroup = classicGroup()
  const clients: Client[] = [...Array(CLIENTS).keys()].map((i) => ({
    clientId: `c${i}`, instanceId: i < 2 ? `i${i}` : undefined, v4: versions[i] ?? false, topic: 't',
    memberId: '', generationId: -1, phase: 'join', members: [], leader: false, waiting: 0,
  }))
  const wire: InFlight[] = []
  const held: Array<Watched<unknown>> = []
  /** Per generation, the accepted leader's assignment: member id -> bytes, and member id -> instance id. */
  const assigned = new Map<number, { bytes: Map<string, Uint8Array>; instances: Map<string, string> }>()

  const onJoin = (c: Client, a: JoinGroupResult): void => {
    if (a.errorCode === 0) Object.assign(c, { memberId: a.memberId, generationId: a.generationId, phase: 'sync', members: a.members, leader: a.leader === a.memberId })
    else if (a.errorCode === ErrorCode.MEMBER_ID_REQUIRED) Object.assign(c, { memberId: a.memberId, phase: 'join' })
    else if (a.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || a.errorCode === ErrorCode.FENCED_INSTANCE_ID) Object.assign(c, { memberId: '', phase: 'join' })
    else c.phase = 'join'
  }
  const onSync = (c: Client, a: SyncGroupResult, memberId: string, generationId: number): void => {
    if (a.errorCode === 0) {
      const accepted = assigned.get(generationId)
      expect(accepted, `a sync of generation ${generationId} answered before its assignment`).toBeDefined()
      let expected = accepted!.bytes.get(memberId)
      if (expected === undefined && c.instanceId !== undefined) {
        const was = [...accepted!.instances].find(([, instance]) => instance === c.instanceId)?.[0]
        if (was !== undefined) expected = accepted!.bytes.get(was)
      }
      expect(a.assignment, `member ${memberId} in generation ${generationId}`).toEqual(expected ?? new Uint8Array(0))
      if (c.memberId === memberId) c.phase = 'beat'
    } else if (a.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || a.errorCode === ErrorCode.FENCED_INSTANCE_ID) {
      Object.assign(c, { memberId: '', phase: 'join' })
    } else {
      c.phase = 'join'
    }
  }

  const send = (c: Client, loseAnswer: boolean, retry: boolean): void => {
    if (c.waiting > 0 && !retry) return
    if (!loseAnswer) c.waiting++
    const answered = (): void => { c.waiting = Math.max(0, c.waiting - 1) }
    if (c.phase === 'join') {
      const request = joinRequest({ clientId: c.clientId, memberId: c.memberId, groupInstanceId: c.instanceId, requireKnownMemberId: c.v4,
        protocols: [rangeOf(c.topic)], sessionTimeoutMs: 1_000, rebalanceTimeoutMs: 600 })
      wire.push({ client: c, deliver: () => {
        const result = group.join(request, now)
        held.push(watch(result))
        if (!loseAnswer) onAnswer(result, (a) => { answered(); onJoin(c, a) })
      } })
    } else if (c.phase === 'sync') {
      const assignments = c.leader ? c.members.map((m) => ({ memberId: m.memberId, assignment: text(`${c.generationId}:${m.memberId}`) })) : []
      const request = syncRequest(c.memberId, c.generationId, { groupInstanceId: c.instanceId, assignments })
      wire.push({ client: c, deliver: () => {
        const before = group.state
        const result = group.sync(request, now)
        if (before === 'CompletingRebalance' && group.state === 'Stable') {
          assigned.set(request.generationId, {
            bytes: new Map(request.assignments.map((a) => [a.memberId, a.assignment])),
            instances: new Map(group.describe().members.filter((m) => m.instanceId !== undefined).map((m) => [m.memberId, m.instanceId!])),
          })
        }
        held.push(watch(result))
        if (!loseAnswer) onAnswer(result, (a) => { answered(); onSync(c, a, request.memberId, request.generationId) })
      } })
    } else {
      const request = { groupId: 'g', memberId: c.memberId, groupInstanceId: c.instanceId, generationId: c.generationId }
      wire.push({ client: c, deliver: () => {
        const { errorCode } = group.heartbeat(request, now)
        if (loseAnswer) return
        answered()
        if (errorCode === 0) return
        if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.FENCED_INSTANCE_ID) Object.assign(c, { memberId: '', phase: 'join' })
        else c.phase = 'join'
      } })
    }
  }

  let generation = 0
  // Plain asserts: this runs after every step, and expect() is slow at this rate.
  const check = (): void => {
    assert(group.generationId >= generation, `generation went down from ${generation} to ${group.generationId}`)
    generation = group.generationId
    assert((group.state === 'Empty') === (group.memberCount === 0), `${group.state} with ${group.memberCount} members`)
    if (group.state === 'CompletingRebalance' || group.state === 'Stable') {
      assert(group.describe().members.some((m) => m.memberId === group.leaderId), `leader ${group.leaderId} not a member in ${group.state}`)
    }
  }

  for (const step of steps) {
    const at = (index: number): number => index % wire.length
    switch (step.kind) {
      case 'send':
        send(clients[step.who]!, step.loseAnswer, step.retry)
        if (step.direct && wire.length > 0 && wire[wire.length - 1]!.client === clients[step.who]) wire.pop()!.deliver()
        break
      case 'deliver': if (wire.length > 0) wire.splice(at(step.index), 1)[0]!.deliver(); break
      case 'drop': if (wire.length > 0) wire.splice(at(step.index), 1)[0]!.client.waiting = 0; break
      case 'duplicate': if (wire.length > 0) wire.push(wire[at(step.index)]!); break
      case 'advance': now += step.ms; group.tick(now); break
      case 'leave': {
        const c = clients[step.who]!
        const request = { groupId: 'g', members: [{ memberId: c.memberId, ...(c.instanceId === undefined ? {} : { groupInstanceId: c.instanceId }) }] }
        wire.push({ client: c, deliver: () => { group.leave(request, now) } })
        Object.assign(c, { memberId: '', phase: 'join' })
        break
      }
      case 'resubscribe': Object.assign(clients[step.who]!, { topic: step.topic, phase: 'join' }); break
      case 'restart': Object.assign(clients[step.who]!, { memberId: '', phase: 'join', generationId: -1 }); break
    }
    await settle() // held answers given in this step reach their clients
    check()
  }

  // Time runs past every timeout with nobody talking: every held answer is given, exactly once.
  for (let round = 0; round < 3; round++) {
    now += 100_000
    group.tick(now)
    await turn()
    check()
  }
  expect(group.state).toBe('Empty')
  expect(held.filter((h) => h.count !== 1)).toEqual([])
}

describe('ClassicGroup under random histories', () => {
  it('keeps its invariants, gives each member the bytes its leader assigned it, and answers everything it held exactly once', async () => {
    await fc.assert(fc.asyncProperty(fc.array(arbStep, { minLength: 1, maxLength: 150, size: 'max' }), fc.array(fc.boolean(), { minLength: CLIENTS, maxLength: CLIENTS }),
      (steps, versions) => run(steps, versions)), { numRuns: 200 })
  })
})
