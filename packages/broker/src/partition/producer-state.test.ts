import { describe, expect, it } from 'vitest'
import { lastSequenceOf, ProducerState } from './producer-state.js'

const batch = (firstSequence: number, lastSequence: number, baseOffset: number) => ({
  firstSequence, lastSequence, baseOffset, lastOffset: baseOffset + (lastSequence - firstSequence),
})

describe('ProducerState', () => {
  it('accepts a new producer only from sequence 0', () => {
    const state = new ProducerState()
    expect(state.check(7, 0, 0, 9)).toEqual({ kind: 'append' })
    expect(state.check(7, 0, 5, 9)).toEqual({ kind: 'out-of-order', expected: 0 })
  })

  it('answers a resent batch as a duplicate with its original offsets', () => {
    const state = new ProducerState()
    state.record(7, 0, batch(0, 9, 100), 1)
    state.record(7, 0, batch(10, 19, 110), 1)
    expect(state.check(7, 0, 0, 9)).toEqual({ kind: 'duplicate', batch: batch(0, 9, 100) })
    expect(state.check(7, 0, 10, 19)).toEqual({ kind: 'duplicate', batch: batch(10, 19, 110) })
    expect(state.check(7, 0, 20, 29)).toEqual({ kind: 'append' })
  })

  it('refuses a gap and a sequence from the past it no longer remembers', () => {
    const state = new ProducerState(2)
    state.record(7, 0, batch(0, 0, 0), 1)
    state.record(7, 0, batch(1, 1, 1), 1)
    state.record(7, 0, batch(2, 2, 2), 1)
    expect(state.check(7, 0, 4, 4)).toEqual({ kind: 'out-of-order', expected: 3 })
    // Batch 0 fell out of the window of 2: it can no longer be recognised as a duplicate.
    expect(state.check(7, 0, 0, 0)).toEqual({ kind: 'out-of-order', expected: 3 })
    expect(state.check(7, 0, 1, 1).kind).toBe('duplicate')
  })

  it('fences an older epoch and restarts sequences under a newer one', () => {
    const state = new ProducerState()
    state.record(7, 3, batch(0, 4, 0), 1)
    expect(state.check(7, 2, 5, 5)).toEqual({ kind: 'fenced-epoch', current: 3 })
    expect(state.check(7, 4, 5, 5)).toEqual({ kind: 'out-of-order', expected: 0 })
    expect(state.check(7, 4, 0, 0)).toEqual({ kind: 'append' })
    state.record(7, 4, batch(0, 0, 5), 2)
    expect(state.check(7, 3, 5, 5).kind).toBe('fenced-epoch')
  })

  it('wraps sequences at 2^31 - 1 as Kafka does', () => {
    const max = 2147483647
    expect(lastSequenceOf(max - 1, 3)).toBe(1)
    const state = new ProducerState()
    state.record(7, 0, { firstSequence: max - 1, lastSequence: max, baseOffset: 0, lastOffset: 1 }, 1)
    expect(state.check(7, 0, 0, 4)).toEqual({ kind: 'append' })
  })

  it('forgets what a truncation removed', () => {
    const state = new ProducerState()
    state.record(7, 0, batch(0, 9, 0), 1)
    state.record(7, 0, batch(10, 19, 10), 1)
    state.truncateFrom(10)
    expect(state.check(7, 0, 10, 19)).toEqual({ kind: 'append' })
    state.truncateFrom(0)
    expect(state.producerCount).toBe(0)
  })

  it('round-trips through its snapshot and refuses a damaged one', () => {
    const state = new ProducerState()
    state.record(7, 1, batch(0, 9, 0), 1000)
    state.record(8, 0, batch(0, 0, 10), 2000)
    const text = state.serialize(11)
    const parsed = ProducerState.parse(text, 16)
    expect(parsed?.offset).toBe(11)
    expect(parsed?.state.check(7, 1, 0, 9)).toEqual({ kind: 'duplicate', batch: batch(0, 9, 0) })
    expect(parsed?.state.check(8, 0, 1, 1)).toEqual({ kind: 'append' })
    expect(ProducerState.parse(text.slice(0, text.length - 3), 16)).toBeUndefined()
    expect(ProducerState.parse('{"version":99,"offset":1,"producers":[]}', 16)).toBeUndefined()
    // Without a last append time a producer could never expire: rebuilt from the log instead.
    expect(ProducerState.parse(text.replace('"lastTimestamp":1000', '"lastTimestamp":"soon"'), 16)).toBeUndefined()
    // Its last append time survives the snapshot, so expiry counts from it.
    expect(parsed?.state.expire(3000, 2000)).toBe(1)
    expect(parsed?.state.producerCount).toBe(1)
  })

  it('expires producers idle past the expiration', () => {
    const state = new ProducerState()
    state.record(7, 0, batch(0, 0, 0), 1000)
    state.record(8, 0, batch(0, 0, 1), 5000)
    expect(state.expire(6000, 2000)).toBe(1)
    expect(state.check(7, 0, 1, 1)).toEqual({ kind: 'out-of-order', expected: 0 })
    expect(state.check(8, 0, 1, 1)).toEqual({ kind: 'append' })
    // As Kafka: idle for exactly the expiration is enough.
    expect(state.expire(6999, 2000)).toBe(0)
    expect(state.expire(7000, 2000)).toBe(1)
    expect(state.producerCount).toBe(0)
  })
})
