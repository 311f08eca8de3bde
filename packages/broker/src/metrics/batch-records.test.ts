// countRecords against batches made by the protocol's encoder: one, several back to back, none, and
// a buffer cut inside the last batch (as a fetch may answer).
import { describe, expect, it } from 'vitest'
import { RecordBatchEncoder } from '@faecie/protocol'
import { countRecords } from './batch-records.js'

const encoder = new RecordBatchEncoder()
const batch = (count: number): Uint8Array =>
  encoder.encode(Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `value-${i}` }))).slice()

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

describe('countRecords', () => {
  it('counts the records of batches back to back', () => {
    expect(countRecords(batch(5))).toBe(5)
    expect(countRecords(concat(batch(3), batch(1), batch(200)))).toBe(204)
    expect(countRecords(new Uint8Array(0))).toBe(0)
  })

  it('counts a last batch whose header is whole, and stops at a torn header', () => {
    const whole = concat(batch(2), batch(4))
    expect(countRecords(whole.subarray(0, whole.length - 3))).toBe(6)
    expect(countRecords(whole.subarray(0, batch(2).length + 30))).toBe(2)
  })
})
