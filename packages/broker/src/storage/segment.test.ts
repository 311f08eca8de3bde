// One segment on the real disk: naming, noting and writing batches, the index rule, finding batches
// by offset, truncation, sealing, and reopening.
import { readdirSync, readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Offset } from './log-api.js'
import { RealDisk } from './real-disk.js'
import { parseSegmentFileName, Segment, segmentStem } from './segment.js'
import { concatBytes, makeBatch, parseBatches, tempDir } from './test-support.js'
import { stampBatch } from '@faecie/protocol'
import { NO_TIMESTAMP } from './time-index.js'

const disk = new RealDisk()
let dir: string
let cleanup: () => void

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

/** Notes and writes `batches` (stamped with consecutive offsets from the segment's next offset). */
function appendTo(segment: Segment, batches: Uint8Array[], intervalBytes: number, nowMs = 0): void {
  for (const batch of batches) {
    const [parsed] = parseBatches(batch)
    const base = segment.nextOffset
    stampBatch(batch, 0, base, 0)
    segment.noteBatch(disk, base, base + parsed!.lastOffset, batch.length, parsed!.maxTimestampMs, intervalBytes, nowMs)
  }
  const all = concatBytes(batches)
  segment.write(disk, all, 0, all.length)
}

describe('segment files', () => {
  it('are named by base offset, zero-padded to 20 digits', () => {
    expect(segmentStem(0)).toBe('00000000000000000000')
    expect(segmentStem(2 ** 53 - 1)).toBe('00009007199254740991')
    expect(parseSegmentFileName('00000000000000001234.timeindex')).toEqual({ baseOffset: 1234, suffix: '.timeindex' })
    expect(parseSegmentFileName('00000000000000001234.log.deleted')).toBeNull()
    expect(parseSegmentFileName('1234.log')).toBeNull()
    expect(parseSegmentFileName('99999999999999999999.log')).toBeNull()
  })
})

describe('Segment', () => {
  it('indexes one batch every indexIntervalBytes of log, and finds any offset', () => {
    const segment = Segment.create(disk, dir, 100 as Offset)
    const batches = Array.from({ length: 12 }, (_, i) => makeBatch(3, { valueBytes: 40, tag: i, timestampMs: 1000 + i }))
    appendTo(segment, batches, 500)
    const size = batches[0]!.length
    expect(segment.nextOffset).toBe(136)
    expect(segment.sizeBytes).toBe(12 * size)
    // Entries at the first batch starting more than 500 bytes after the previous entry (or 0).
    const every = Math.floor(500 / size) + 1
    expect(segment.offsetIndex.entryCount).toBe(Math.floor(11 / every))
    expect(segment.offsetIndex.positionAt(0)).toBe(every * size)
    for (let offset = 100; offset < 136; offset++) {
      const found = segment.findBatch(disk, offset)!
      expect(found.baseOffset).toBe(offset - ((offset - 100) % 3))
      expect(found.position).toBe(((found.baseOffset - 100) / 3) * size)
    }
    expect(segment.findBatch(disk, 136)).toBeNull()
    expect(segment.maxTimestampMs).toBe(1011)
  })

  it('indexes a batch by its last offset, and a time by the last offset of the batch that reached it, as Kafka does', () => {
    const segment = Segment.create(disk, dir, 100 as Offset)
    const stamps = [50, 90, 70, 120, 80, 60]
    appendTo(segment, stamps.map((ts, i) => makeBatch(3, { valueBytes: 60, tag: i, timestampMs: ts })), 0)
    const size = segment.sizeBytes / stamps.length
    const offsets = Array.from({ length: segment.offsetIndex.entryCount }, (_, i) => [segment.offsetIndex.relativeOffsetAt(i), segment.offsetIndex.positionAt(i)])
    // Interval 0: every batch but the first of the segment, as Kafka's `bytesSinceLastIndexEntry > indexIntervalBytes`.
    expect(offsets).toEqual(stamps.map((_, i) => [3 * i + 2, i * size]).slice(1))
    const times = (): number[][] => Array.from({ length: segment.timeIndex.entryCount }, (_, i) => [segment.timeIndex.timestampAt(i), segment.timeIndex.relativeOffsetAt(i)])
    expect(times()).toEqual([[90, 5], [120, 11]])
    for (let offset = 100; offset < 118; offset++) expect(segment.findBatch(disk, offset)!.baseOffset).toBe(offset - ((offset - 100) % 3))
    // Cut back to the batch of 90: the tail is worked out again, and sealing records 90 where it was reached.
    segment.truncateTo(disk, 106)
    segment.seal(disk)
    expect(times()).toEqual([[90, 5]])

    const sparse = Segment.create(disk, dir, 200 as Offset)
    appendTo(sparse, stamps.map((ts, i) => makeBatch(3, { valueBytes: 60, tag: i, timestampMs: ts })), 1 << 20)
    sparse.seal(disk)
    expect([sparse.timeIndex.timestampAt(0), sparse.timeIndex.relativeOffsetAt(0), sparse.timeIndex.entryCount]).toEqual([120, 11, 1])
    segment.close(disk)
    sparse.close(disk)
  })

  it('truncates whole batches, trims its indexes and works out its largest timestamp again', () => {
    const segment = Segment.create(disk, dir, 0 as Offset)
    const stamps = [50, 90, 70, 120, 80, 60]
    appendTo(segment, stamps.map((ts, i) => makeBatch(2, { valueBytes: 60, tag: i, timestampMs: ts })), 0)
    expect(segment.offsetIndex.entryCount).toBe(5)
    segment.truncateTo(disk, 7) // inside the batch [6, 7]: it goes, and everything after it
    expect(segment.nextOffset).toBe(6)
    expect(segment.maxTimestampMs).toBe(90)
    expect(segment.offsetIndex.entryCount).toBe(2)
    expect(parseBatches(segment.read(disk, 0, segment.sizeBytes)).map((b) => b.baseOffset)).toEqual([0, 2, 4])
    segment.truncateTo(disk, 0)
    expect([segment.sizeBytes, segment.nextOffset, segment.maxTimestampMs]).toEqual([0, 0, NO_TIMESTAMP])
  })

  it('seals with a last time-index entry that a reopen reads back without loading', () => {
    const segment = Segment.create(disk, dir, 0 as Offset)
    appendTo(segment, [makeBatch(1, { timestampMs: 10 }), makeBatch(1, { timestampMs: 30 }), makeBatch(1, { timestampMs: 20 })], 1 << 20)
    expect(segment.timeIndex.entryCount).toBe(0)
    segment.seal(disk)
    expect(segment.timeIndex.entryCount).toBe(1)
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex'])
    expect(readFileSync(`${dir}/00000000000000000000.index`).length).toBe(0)
    segment.close(disk)
    const again = Segment.open(disk, dir, 0 as Offset)
    expect(again.sealed).toBe(true)
    expect(again.offsetIndex.loaded).toBe(false)
    expect(again.maxTimestampMs).toBe(30)
    expect(again.sizeBytes).toBe(segment.sizeBytes)
    again.activate(disk, 25)
    expect([again.nextOffset, again.sealed, again.rollBaseMs]).toEqual([3, false, 10])
    again.close(disk)
  })

  it('creates over a leftover of the same name without inheriting its indexes', () => {
    const old = Segment.create(disk, dir, 5 as Offset)
    appendTo(old, [makeBatch(2), makeBatch(2)], 0)
    old.seal(disk)
    old.close(disk)
    const fresh = Segment.create(disk, dir, 5 as Offset)
    expect(fresh.sizeBytes).toBe(0)
    expect(readdirSync(dir)).toEqual(['00000000000000000005.log'])
    expect(readFileSync(`${dir}/00000000000000000005.log`).length).toBe(0)
    fresh.delete(disk)
    expect(readdirSync(dir)).toEqual([])
  })
})
