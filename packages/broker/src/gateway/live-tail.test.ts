// The live tail against a gateway made of fakes (offsets, reads, the read budget, topics, a
// cluster's leadership): one push per turn to every member from the bytes notifications bring; a
// failed read, a topic made again under the name, and lost leadership each send every member back
// to read for itself with `readFirst`, and the tail does not read again for members it no longer has
// (a tail that rejoined its members at once after a failed read spun on the main thread).
import { describe, expect, it } from 'vitest'
import { FaecieError, ErrorCode } from '@faecie/protocol'
import { makeBatch } from '../storage/test-support.js'
import { ByteBudget } from './byte-budget.js'
import type { Gateway } from './context.js'
import { DEFAULT_LIMITS } from './limits.js'
import type { SharedPushFrame } from './live-frame.js'
import { LiveTail, type TailMember } from './live-tail.js'
import type { KnownOffsets } from './offset-watch.js'

const TOPIC_ID = 'topic-a'

function batchAt(baseOffset: number, records: number): Uint8Array {
  const bytes = makeBatch(records)
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(0, BigInt(baseOffset))
  return bytes
}

function offsets(highWatermark: number): KnownOffsets {
  return { logStartOffset: 0, highWatermark, logEndOffset: highWatermark } as KnownOffsets
}

function fakeGateway(state: { highWatermark: number; topicId: string; leader: boolean; fetch: () => Promise<{ bytes: Uint8Array; highWatermark: number }> }): { gateway: Gateway; fetches: () => number } {
  let fetches = 0
  const gateway = {
    limits: DEFAULT_LIMITS,
    watch: { latest: () => offsets(state.highWatermark) },
    reads: { fetch: () => { fetches++; return state.fetch() } },
    outbound: { readBudget: new ByteBudget(64 * 1024 * 1024) },
    topics: { lookup: () => ({ topicId: state.topicId }) },
    cluster: { isLeaderNow: () => state.leader, brokerId: 1 },
    metrics: { recordOut: () => undefined },
  } as unknown as Gateway
  return { gateway, fetches: () => fetches }
}

class Member implements TailMember {
  readonly topicId = TOPIC_ID
  readonly pushes: SharedPushFrame[] = []
  readonly leaves: boolean[] = []
  constructor(public offset: number) {}
  offer(frame: SharedPushFrame, _batches: number, next: number): boolean {
    this.pushes.push(frame)
    this.offset = next
    return true
  }
  left(readFirst: boolean): void {
    this.leaves.push(readFirst)
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('LiveTail', () => {
  it('pushes the bytes a notification brings once per turn to every member', async () => {
    const state = { highWatermark: 5, topicId: TOPIC_ID, leader: true, fetch: () => Promise.reject(new Error('no read expected')) }
    const { gateway, fetches } = fakeGateway(state)
    const tail = new LiveTail('t-0' as never, 't', 0, gateway)
    const members = [new Member(5), new Member(5), new Member(5)]
    for (const m of members) expect(tail.join(m, 5)).toBe(true)
    state.highWatermark = 8
    tail.onOffsets(offsets(8), { fromOffset: 5, bytes: batchAt(5, 3) })
    state.highWatermark = 10
    tail.onOffsets(offsets(10), { fromOffset: 8, bytes: batchAt(8, 2) })
    await turn()
    for (const m of members) {
      expect(m.pushes).toHaveLength(1) // two ticks, one push
      expect(m.pushes[0]!.records.length).toBe(batchAt(5, 3).length + batchAt(8, 2).length)
      expect(m.offset).toBe(10)
      expect(m.pushes[0]).toBe(members[0]!.pushes[0]) // one frame shared by all
    }
    expect(fetches()).toBe(0)
  })

  it('after a failed read every member reads for itself first, and the tail reads no more', async () => {
    for (const failure of [new FaecieError(ErrorCode.MAILBOX_FULL, 'full'), new FaecieError(ErrorCode.OFFSET_OUT_OF_RANGE, 'gone')]) {
      const state = { highWatermark: 5, topicId: TOPIC_ID, leader: true, fetch: () => Promise.reject(failure) }
      const { gateway, fetches } = fakeGateway(state)
      const tail = new LiveTail('t-0' as never, 't', 0, gateway)
      const member = new Member(5)
      expect(tail.join(member, 5)).toBe(true)
      state.highWatermark = 9
      tail.onOffsets(offsets(9), undefined) // no bytes: the tail reads
      for (let i = 0; i < 5; i++) await turn()
      expect(member.leaves).toEqual([true])
      expect(tail.members).toBe(0)
      expect(fetches()).toBe(1)
    }
  })

  it('sends its members to read for themselves when the topic is another or leadership moved', async () => {
    for (const change of ['topic', 'leader'] as const) {
      const state = { highWatermark: 5, topicId: TOPIC_ID, leader: true, fetch: () => Promise.reject(new Error('no read expected')) }
      const { gateway, fetches } = fakeGateway(state)
      const tail = new LiveTail('t-0' as never, 't', 0, gateway)
      const member = new Member(5)
      expect(tail.join(member, 5)).toBe(true)
      if (change === 'topic') state.topicId = 'topic-b'
      else state.leader = false
      state.highWatermark = 7
      tail.onOffsets(offsets(7), { fromOffset: 5, bytes: batchAt(5, 2) })
      await turn()
      expect(member.pushes).toEqual([])
      expect(member.leaves).toEqual([true])
      expect(fetches()).toBe(0)
    }
  })

  it('does not take a member of another topic than its members read', () => {
    const state = { highWatermark: 5, topicId: TOPIC_ID, leader: true, fetch: () => Promise.reject(new Error('no read expected')) }
    const tail = new LiveTail('t-0' as never, 't', 0, fakeGateway(state).gateway)
    expect(tail.join(new Member(5), 5)).toBe(true)
    const other = Object.assign(new Member(5), { topicId: 'topic-b' })
    expect(tail.join(other, 5)).toBe(false)
  })
})
