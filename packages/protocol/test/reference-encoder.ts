// A deliberately naive RecordBatch v2 encoder for the tests: arrays of numbers, BigInt zig-zag,
// TextEncoder for every string, exact lengths computed before writing. It shares no code with
// src/record-batch-encoder.ts or src/varint.ts, so when both agree on random input, the fast
// encoder's tricks (reserved length bytes, moved bytes, the short-string UTF-8 loop) are right.
import { crc32cPortable } from '../src/crc32c.js'

type Data = string | Uint8Array | null

export interface RefRecord {
  key: Data
  value: Data
  headers: Array<{ key: string; value: Data }>
  timestamp: number
}

export interface RefBatch {
  baseOffset: number
  partitionLeaderEpoch: number
  attributes: number
  producerId: number
  producerEpoch: number
  baseSequence: number
}

export function refVarlong(value: number): number[] {
  let n = BigInt(value) >= 0n ? BigInt(value) << 1n : ((-BigInt(value)) << 1n) - 1n
  const out: number[] = []
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80)
    n >>= 7n
  }
  out.push(Number(n))
  return out
}

function bytesOf(data: Exclude<Data, null>): number[] {
  return Array.from(typeof data === 'string' ? new TextEncoder().encode(data) : data)
}

function field(data: Data): number[] {
  if (data === null) return refVarlong(-1)
  const bytes = bytesOf(data)
  return [...refVarlong(bytes.length), ...bytes]
}

function int(bytes: number, value: number): number[] {
  let v = BigInt.asUintN(bytes * 8, BigInt(value))
  const out = new Array<number>(bytes)
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

export function referenceEncode(batch: RefBatch, records: RefRecord[]): Uint8Array {
  const base = records[0]!.timestamp
  const body: number[] = []
  records.forEach((r, i) => {
    const rec = [
      0,
      ...refVarlong(r.timestamp - base),
      ...refVarlong(i),
      ...field(r.key),
      ...field(r.value),
      ...refVarlong(r.headers.length),
      ...r.headers.flatMap((h) => [...field(h.key), ...field(h.value)]),
    ]
    body.push(...refVarlong(rec.length), ...rec)
  })
  const afterCrc = [
    ...int(2, batch.attributes),
    ...int(4, records.length - 1),
    ...int(8, base),
    ...int(8, Math.max(...records.map((r) => r.timestamp))),
    ...int(8, batch.producerId),
    ...int(2, batch.producerEpoch),
    ...int(4, batch.baseSequence),
    ...int(4, records.length),
    ...body,
  ]
  const crc = crc32cPortable(new Uint8Array(afterCrc))
  const afterLength = [...int(4, batch.partitionLeaderEpoch), 2, ...int(4, crc), ...afterCrc]
  return new Uint8Array([...int(8, batch.baseOffset), ...int(4, afterLength.length), ...afterLength])
}
