import { describe, expect, it } from 'vitest'
import { BufferPool } from './buffer-pool.js'

describe('BufferPool', () => {
  it('copies into a buffer it owns whole, detached from the source memory', () => {
    const pool = new BufferPool({ minBytes: 16 })
    const shared = new Uint8Array(100).fill(7)
    const view = shared.subarray(10, 30)
    const copy = pool.copy(view)
    expect(copy.byteOffset).toBe(0)
    expect(copy.buffer.byteLength).toBe(32)
    expect([...copy]).toEqual([...view])
    shared.fill(1)
    expect(copy[0]).toBe(7)
  })

  it('reuses a released buffer of the same size class', () => {
    const pool = new BufferPool({ minBytes: 16 })
    const first = pool.copy(new Uint8Array(20))
    pool.release(first.buffer as ArrayBuffer)
    const second = pool.copy(new Uint8Array(17))
    expect(second.buffer).toBe(first.buffer)
    const third = pool.copy(new Uint8Array(17))
    expect(third.buffer).not.toBe(first.buffer)
  })

  it('never pools buffers over its limit or of foreign sizes', () => {
    const pool = new BufferPool({ minBytes: 16, pooledBytesMax: 64 })
    const big = pool.copy(new Uint8Array(100))
    expect(big.buffer.byteLength).toBe(100)
    pool.release(big.buffer as ArrayBuffer)
    expect(pool.copy(new Uint8Array(100)).buffer).not.toBe(big.buffer)
    const odd = new ArrayBuffer(48)
    pool.release(odd)
    expect(pool.copy(new Uint8Array(40)).buffer).not.toBe(odd)
  })
})
