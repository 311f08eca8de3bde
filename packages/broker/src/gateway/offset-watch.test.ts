// The offset watch's one-shot waiters against the session signal they wait on: a session lives for
// many waits, so a wait leaves nothing on its signal however it ended: woken by a move, by its
// timeout, or given up by its caller (disarm() while it waits, as a replica fetch that raced it with
// its own partitions' moves does); and an abort still wakes a wait in progress.
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { OffsetsListener, PartitionManager } from '../partition/partition-manager.js'
import { OffsetWatch } from './offset-watch.js'

function watchOverFakePartitions(): { watch: OffsetWatch; move: (key: string, logEndOffset: number) => void } {
  let listener: OffsetsListener | undefined
  const partitions = { onOffsets: (fn: OffsetsListener) => { listener = fn } } as unknown as PartitionManager
  const watch = new OffsetWatch(partitions)
  const move = (key: string, logEndOffset: number): void =>
    listener!(key, { logEndOffset, highWatermark: logEndOffset, logStartOffset: 0 } as Parameters<OffsetsListener>[1], undefined as Parameters<OffsetsListener>[2])
  return { watch, move }
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length

describe('OffsetWatch waiters', () => {
  it('leave no listener on the session signal: given up while waiting, woken by a move, or timed out', async () => {
    const { watch, move } = watchOverFakePartitions()
    const session = new AbortController()
    for (let i = 0; i < 50; i++) {
      const waiter = watch.arm([])
      void waiter.wait(60_000, session.signal)
      expect(abortListeners(session.signal)).toBe(1)
      waiter.disarm() // the caller's race was won by something else
    }
    expect(abortListeners(session.signal)).toBe(0)

    const moved = watch.arm(['t-0'])
    const woken = moved.wait(60_000, session.signal)
    move('t-0', 5)
    await woken
    moved.disarm()
    expect(abortListeners(session.signal)).toBe(0)

    const timed = watch.arm(['t-0'])
    await timed.wait(1, session.signal)
    timed.disarm()
    expect(abortListeners(session.signal)).toBe(0)
  })

  it('answers a wait after disarm() at once, adding nothing to the signal', async () => {
    const { watch } = watchOverFakePartitions()
    const session = new AbortController()
    const waiter = watch.arm(['t-0'])
    waiter.disarm()
    await waiter.wait(60_000, session.signal)
    expect(abortListeners(session.signal)).toBe(0)
  })

  it('wakes a wait in progress when its signal aborts', async () => {
    const { watch } = watchOverFakePartitions()
    const session = new AbortController()
    const waiter = watch.arm(['t-0'])
    const waiting = waiter.wait(60_000, session.signal)
    session.abort()
    await waiting
    waiter.disarm()
    expect(abortListeners(session.signal)).toBe(0)
  })
})
