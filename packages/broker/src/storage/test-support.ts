// Helpers for the storage tests: valid RecordBatch v2 batches built by hand (header, plain records,
// CRC-32C), independent of the protocol's encoder, plus a few fixtures (temp dirs, a clock, a logger
// that keeps its lines). Not imported by production code.
//
// A record, as Kafka writes it (varints are zig-zag):
//   length varint | attributes i8 = 0 | timestampDelta varlong | offsetDelta varint
//   | keyLength varint = -1 (no key) | valueLength varint | value | headerCount varint = 0
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, checkBatch, crc32c, readInt64, writeInt64 } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { Disk } from './disk.js'

export interface TestBatchOptions {
  /** The first record's timestamp (and the batch's baseTimestamp). Default 1_700_000_000_000. */
  timestampMs?: number
  /** Added to each following record's timestamp. Default 0. */
  timestampStepMs?: number
  /** Value size of every record, or of each one. Default 10. */
  valueBytes?: number | number[]
  /** Mixed into the value bytes, so that batches with different tags differ. */
  tag?: number
  /** Overrides recordCount - 1 (a batch may claim more offsets than records, as after compaction). */
  lastOffsetDelta?: number
}

function zigzagVarint(out: number[], value: number): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
}

/** A valid batch of `recordCount` records (baseOffset 0, no producer id), as a buffer of its own. */
export function makeBatch(recordCount: number, options: TestBatchOptions = {}): Uint8Array {
  const baseTimestampMs = options.timestampMs ?? 1_700_000_000_000
  const stepMs = options.timestampStepMs ?? 0
  const tag = options.tag ?? 0
  const records: number[] = []
  for (let i = 0; i < recordCount; i++) {
    const size = Array.isArray(options.valueBytes) ? options.valueBytes[i] ?? 10 : options.valueBytes ?? 10
    const body: number[] = [0]
    zigzagVarint(body, i * stepMs)
    zigzagVarint(body, i)
    zigzagVarint(body, -1)
    zigzagVarint(body, size)
    for (let j = 0; j < size; j++) body.push((tag * 31 + i * 7 + j) & 0xff)
    zigzagVarint(body, 0)
    zigzagVarint(records, body.length)
    for (const b of body) records.push(b)
  }
  const bytes = new Uint8Array(BATCH_HEADER_BYTES + records.length)
  const dv = new DataView(bytes.buffer)
  writeInt64(dv, BatchField.baseOffset, 0)
  dv.setInt32(BatchField.batchLength, bytes.length - BATCH_LENGTH_OVERHEAD)
  dv.setInt32(BatchField.partitionLeaderEpoch, -1)
  dv.setInt8(BatchField.magic, 2)
  dv.setInt16(BatchField.attributes, 0)
  dv.setInt32(BatchField.lastOffsetDelta, options.lastOffsetDelta ?? Math.max(0, recordCount - 1))
  writeInt64(dv, BatchField.baseTimestamp, baseTimestampMs)
  writeInt64(dv, BatchField.maxTimestamp, baseTimestampMs + Math.max(0, recordCount - 1) * stepMs)
  writeInt64(dv, BatchField.producerId, -1)
  dv.setInt16(BatchField.producerEpoch, -1)
  dv.setInt32(BatchField.baseSequence, -1)
  dv.setInt32(BatchField.recordsCount, recordCount)
  bytes.set(records, BATCH_HEADER_BYTES)
  dv.setUint32(BatchField.crc, crc32c(bytes, BatchField.attributes, bytes.length))
  return bytes
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export interface ParsedBatch {
  position: number
  sizeBytes: number
  baseOffset: number
  lastOffset: number
  maxTimestampMs: number
  /** The batch's bytes from its attributes on: what the CRC covers, independent of offset and epoch. */
  body: Uint8Array
}

/** Splits bytes into batches, checking each (CRC included); throws on anything but whole batches. */
export function parseBatches(bytes: Uint8Array): ParsedBatch[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: ParsedBatch[] = []
  let pos = 0
  while (pos < bytes.length) {
    const check = checkBatch(bytes, pos, bytes.length, true)
    if (!check.ok) throw new Error(`bad batch at ${pos}: ${check.problem}`)
    const baseOffset = readInt64(dv, pos)
    out.push({
      position: pos,
      sizeBytes: check.size,
      baseOffset,
      lastOffset: baseOffset + dv.getInt32(pos + BatchField.lastOffsetDelta),
      maxTimestampMs: readInt64(dv, pos + BatchField.maxTimestamp),
      body: bytes.slice(pos + BatchField.attributes, pos + check.size),
    })
    pos += check.size
  }
  return out
}

/**
 * A fresh temporary directory and a function that removes it. Under vitest it is named
 * `faecie-test-<run>-…` like test/support/temp-dir.ts's, so the run's leak check sees it if left.
 */
export function tempDir(prefix = 'faecie-storage-'): { dir: string; cleanup: () => void } {
  const runId = process.env.FAECIE_TEST_RUN_ID
  const name = runId === undefined ? prefix : `faecie-test-${runId}-${prefix.replace(/^faecie-/, '')}`
  const dir = mkdtempSync(join(tmpdir(), name))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A clock the test moves by hand. */
export function manualClock(startMs = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let nowMs = startMs
  return { now: () => nowMs, advance: (ms) => { nowMs += ms }, set: (ms) => { nowMs = ms } }
}

/** A pino logger whose lines (parsed) the test can look at. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const destination = {
    write(line: string): void {
      lines.push(JSON.parse(line) as Record<string, unknown>)
    },
  }
  return { logger: pino({ level: 'debug' }, destination), lines }
}

/** One call made through an InstrumentedDisk: the method and the file's path when it has one. */
export interface DiskCall {
  method: keyof Disk
  path: string | undefined
}

/**
 * Wraps a real Disk to record the calls the storage engine makes (so a test can count writes) and
 * to make one chosen call fail (so a test can see how the log takes a disk error).
 */
export class InstrumentedDisk {
  readonly calls: DiskCall[] = []
  readonly disk: Disk
  readonly #paths = new Map<number, string>()
  #failure: { method: keyof Disk; code: string } | undefined

  constructor(inner: Disk) {
    this.disk = new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function') return value
        const method = prop as keyof Disk
        return (...args: unknown[]) => {
          const first = args[0]
          const path = typeof first === 'string' ? first : typeof first === 'number' ? this.#paths.get(first) : undefined
          this.calls.push({ method, path })
          if (this.#failure?.method === method) {
            const code = this.#failure.code
            this.#failure = undefined
            throw Object.assign(new Error(`${code}: injected failure of ${method}`), { code })
          }
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
          if (method === 'open') this.#paths.set(result as number, first as string)
          return result
        }
      },
    })
  }

  /** Makes the next call of `method` throw an fs-style error with `code`. */
  failNext(method: keyof Disk, code = 'EIO'): void {
    this.#failure = { method, code }
  }

  /** How many calls of `method` went to files whose path ends with `suffix`. */
  count(method: keyof Disk, suffix = ''): number {
    return this.calls.filter((c) => c.method === method && (c.path ?? '').endsWith(suffix)).length
  }

  reset(): void {
    this.calls.length = 0
  }
}
