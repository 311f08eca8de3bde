// Compaction of closed segments on the simulated disk: what the cleaner keeps, the swap, reopening
// (clean and through recovery), and crashes between the swap's renames.
import '@faecie/protocol/node'
import { Attribute, BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, checkBatch, crc32c, readBatchHeader, writeInt64, type BatchHeader } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { CLEANED_SUFFIX, segmentPaths, SWAP_SUFFIX, swapCleanedSegment, type SwapStep } from './compaction-swap.js'
import { cleanNow, compactNow, keyedBatch, readAll, type KeyedRecord } from './compaction-test-support.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { PartitionLog } from './log.js'
import { SimulatedDisk } from './simulated-disk.js'
import { manualClock } from './test-support.js'

const DIR = '/data/offsets-0'
const DAY_MS = 24 * 3600 * 1000
const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 400, indexIntervalBytes: 100, cleanupPolicy: 'compact' }

function openLog(disk: SimulatedDisk, clock: () => number, config: Partial<LogConfig> = {}): PartitionLog {
  return PartitionLog.open({ dir: DIR, config: { ...CONFIG, ...config }, disk, clock, logger: silentLogger() })
}

/** Appends each batch of records and flushes; returns the offset each record got, in order. */
function produce(log: PartitionLog, batches: KeyedRecord[][], compression: 'none' | 'gzip' = 'none'): void {
  for (const records of batches) log.append(keyedBatch(records, compression))
  log.flush()
}

/** The headers of every batch in the closed segments (all but the last .log), in offset order. */
function closedBatches(disk: SimulatedDisk): BatchHeader[] {
  const logs = disk.readdir(DIR).filter((f) => f.endsWith('.log')).sort().slice(0, -1)
  const out: BatchHeader[] = []
  for (const name of logs) {
    const bytes = disk.readFile(`${DIR}/${name}`)
    for (let pos = 0; pos < bytes.length;) {
      const check = checkBatch(bytes, pos, bytes.length, true)
      if (!check.ok) throw new Error(`${name}: ${check.problem} at ${pos}`)
      out.push(readBatchHeader(bytes, pos))
      pos += check.size
    }
  }
  return out
}

/** The latest record per key (by offset) in what was written: the model compaction must agree with. */
function latestPerKey(written: { offset: number; key: string | null; value: string | null }[]): Map<string, { offset: number; value: string | null }> {
  const latest = new Map<string, { offset: number; value: string | null }>()
  for (const r of written) if (r.key !== null) latest.set(r.key, { offset: r.offset, value: r.value })
  return latest
}

/** 30 overwrites of 3 keys, 3 records per batch, over several segments; the log is rolled at the end. */
function overwrites(log: PartitionLog, compression: 'none' | 'gzip' = 'none'): void {
  const batches: KeyedRecord[][] = []
  for (let b = 0; b < 10; b++) batches.push([0, 1, 2].map((i) => ({ key: `k${(b + i) % 3}`, value: `v${b}-${i}` })))
  produce(log, batches, compression)
  log.roll()
}

describe('log compaction', () => {
  it('keeps the latest record of each key at its offset, with its timestamp, in the closed segments', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now)
    overwrites(log)
    const before = readAll(log)
    const offsets = [log.logStartOffset, log.highWatermark, log.logEndOffset]
    const segments = log.segmentCount
    const outcome = compactNow(disk, log, clock.now())
    expect(outcome?.segmentsSwapped).toBe(segments - 1)
    expect(outcome!.bytesAfter).toBeLessThan(outcome!.bytesBefore)
    expect([log.logStartOffset, log.highWatermark, log.logEndOffset]).toEqual(offsets)
    const after = readAll(log)
    const latest = latestPerKey(before)
    expect(after.map((r) => r.offset)).toEqual([...latest.values()].map((r) => r.offset).sort((a, b) => a - b))
    for (const r of after) {
      expect(latest.get(r.key!)).toEqual({ offset: r.offset, value: r.value })
      expect(r.timestamp).toBe(before.find((b) => b.offset === r.offset)!.timestamp)
    }
    // Reads from any offset, even one removed, land on the next record kept.
    const removed = before.find((r) => !after.some((a) => a.offset === r.offset))!
    expect(log.read(removed.offset, 1).bytes.length).toBeGreaterThan(0)
    log.close()
  })

  it('never touches the active segment or what is at or past the high watermark', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { flush: 'never' })
    overwrites(log)
    produce(log, [[{ key: 'k0', value: 'active-1' }], [{ key: 'k0', value: 'active-2' }]])
    compactNow(disk, log, clock.now())
    const values = readAll(log).filter((r) => r.key === 'k0').map((r) => r.value)
    expect(values.slice(-2)).toEqual(['active-1', 'active-2'])
    log.close()
  })

  it('keeps tombstones until the delete horizon the first cleaning stamps on their batch, then drops them', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now)
    produce(log, [[{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }], [{ key: 'a', value: null }], [{ key: 'c', value: 'c1' }]])
    log.roll()
    const firstCleaningMs = clock.now() + 5_000
    compactNow(disk, log, firstCleaningMs)
    const horizonMs = firstCleaningMs + DAY_MS
    const tombstoneBatch = closedBatches(disk).find((b) => b.baseOffset === 2)!
    expect(tombstoneBatch.attributes & Attribute.deleteHorizon).toBe(Attribute.deleteHorizon)
    expect(tombstoneBatch.baseTimestamp).toBe(horizonMs)
    // Cleaning again before the horizon neither drops the tombstone nor moves its horizon.
    compactNow(disk, log, horizonMs - 1)
    expect(readAll(log).map((r) => [r.key, r.value])).toEqual([['b', 'b1'], ['a', null], ['c', 'c1']])
    expect(closedBatches(disk).find((b) => b.baseOffset === 2)!.baseTimestamp).toBe(horizonMs)
    compactNow(disk, log, horizonMs)
    expect(readAll(log).map((r) => [r.key, r.value])).toEqual([['b', 'b1'], ['c', 'c1']])
    log.close()
  })

  it('writes the headers of the batches it rewrites as Kafka\'s cleaner does, keeping every record\'s timestamp', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { segmentBytes: 100_000 })
    const t = 1_700_000_000_000
    for (const compression of ['none', 'gzip'] as const) {
      log.append(keyedBatch([{ key: 'x', value: 'x1', timestamp: t }, { key: 'y', value: 'y1', timestamp: t + 30 },
        { key: `z-${compression}`, value: 'z1', timestamp: t + 10 }, { key: `w-${compression}`, value: 'w1', timestamp: t + 20 }], compression, t))
    }
    // Overwrites x and y of both batches; the last batch of the segment is emptied by the next segment.
    log.append(keyedBatch([{ key: 'x', value: 'x2', timestamp: t + 40 }, { key: 'y', value: 'y2', timestamp: t + 50 },
      { key: 'q', value: null, timestamp: t + 45 }], 'none', t + 40))
    log.append(keyedBatch([{ key: 'gone', value: 'g1', timestamp: t + 60 }], 'none', t + 60))
    log.flush()
    log.roll()
    log.append(keyedBatch([{ key: 'gone', value: 'g2' }]))
    log.roll()
    log.append(keyedBatch([{ key: 'active', value: 'a1' }]))
    log.flush()
    const before = readAll(log)
    const nowMs = t + 1_000
    compactNow(disk, log, nowMs)
    const after = readAll(log)
    for (const r of after) expect(r.timestamp).toBe(before.find((b) => b.offset === r.offset)!.timestamp)
    const batches = closedBatches(disk)
    // Records z (t + 10) and w (t + 20) kept: the first kept record's timestamp is the base, the max is theirs.
    for (const [i, codec] of [[0, 0], [1, 1]] as const) {
      expect(batches[i]).toMatchObject({ baseOffset: 4 * i, lastOffsetDelta: 3, recordsCount: 2, baseTimestamp: t + 10, maxTimestamp: t + 20 })
      expect(batches[i]!.attributes & (Attribute.compressionMask | Attribute.deleteHorizon)).toBe(codec)
    }
    // The batch keeping a tombstone: the delete horizon in baseTimestamp, its records' deltas against it.
    expect(batches[2]).toMatchObject({ baseOffset: 8, recordsCount: 3, baseTimestamp: nowMs + DAY_MS, maxTimestamp: t + 50 })
    expect(batches[2]!.attributes & Attribute.deleteHorizon).toBe(Attribute.deleteHorizon)
    expect(after.filter((r) => r.offset >= 8 && r.offset <= 10).map((r) => r.timestamp)).toEqual([t + 40, t + 50, t + 45])
    // The emptied last batch: a bare header with no timestamp of its own, its maxTimestamp kept.
    expect(batches[3]).toMatchObject({ baseOffset: 11, lastOffsetDelta: 0, recordsCount: 0, baseTimestamp: -1, maxTimestamp: t + 60,
      batchLength: BATCH_HEADER_BYTES - BATCH_LENGTH_OVERHEAD })
    expect(batches[3]!.attributes & Attribute.deleteHorizon).toBe(0)
    log.close()
  })

  it('writes again a batch whose maxTimestamp is not its records\' largest, as format 1\'s cleaner left some', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { segmentBytes: 100_000 })
    const t = 1_700_000_000_000
    const stale = keyedBatch([{ key: 'a', value: 'a1', timestamp: t }, { key: 'b', value: 'b1', timestamp: t + 10 }], 'none', t)
    const view = new DataView(stale.buffer, stale.byteOffset, stale.byteLength)
    writeInt64(view, BatchField.maxTimestamp, t + 99) // a record with this timestamp was removed by format 1's cleaner
    view.setUint32(BatchField.crc, crc32c(stale, BatchField.attributes, stale.length))
    log.append(stale)
    log.append(keyedBatch([{ key: 'c', value: 'c1', timestamp: t + 20 }], 'none', t + 20))
    log.roll()
    log.append(keyedBatch([{ key: 'd', value: 'd1' }]))
    log.flush()
    const before = readAll(log)
    compactNow(disk, log, clock.now())
    expect(closedBatches(disk)[0]).toMatchObject({ baseOffset: 0, recordsCount: 2, baseTimestamp: t, maxTimestamp: t + 10 })
    expect(readAll(log)).toEqual(before)
    log.close()
  })

  it('decompresses, filters and compresses again with the same codec', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { segmentBytes: 100_000 })
    overwrites(log, 'gzip')
    const before = readAll(log)
    compactNow(disk, log, clock.now())
    const bytes = log.read(0, 100_000).bytes
    const attributes = new DataView(bytes.buffer, bytes.byteOffset).getInt16(21)
    expect(attributes & 0x07).toBe(1)
    const latest = latestPerKey(before)
    expect(readAll(log).map((r) => [r.offset, r.value])).toEqual([...latest.values()].map((r) => [r.offset, r.value]).sort((x, y) => Number(x[0]) - Number(y[0])))
    log.close()
  })

  it('reopens a compacted log the same, cleanly and through crash recovery, and offsets stay monotonic', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    let log = openLog(disk, clock.now)
    overwrites(log)
    compactNow(disk, log, clock.now())
    produce(log, [[{ key: 'k1', value: 'late' }]])
    const expected = readAll(log)
    const ends = [log.logStartOffset, log.logEndOffset]
    log.close()
    log = openLog(disk, clock.now)
    expect(readAll(log)).toEqual(expected)
    disk.crash()
    disk.unlink(`${DIR}/recovery-point`) // recovery then scans every segment, gaps and all
    log = openLog(disk, clock.now)
    expect(log.recoveryReport.clean).toBe(false)
    expect(log.recoveryReport.bytesTruncated).toBe(0)
    expect(log.recoveryReport.segmentsRemoved).toBe(0)
    expect([log.logStartOffset, log.logEndOffset]).toEqual(ends)
    expect(readAll(log)).toEqual(expected)
    const offsets = readAll(log).map((r) => r.offset)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    log.close()
  })

  it('refuses nothing and changes nothing when the log is not compacted', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { cleanupPolicy: 'delete' })
    overwrites(log)
    expect(log.compactionPlan(true)).toBeNull()
    log.close()
  })

  it('waits for min.cleanable.dirty.ratio unless forced, and remembers what it cleaned', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    let log = openLog(disk, clock.now, { minCleanableDirtyRatio: 0.5 })
    overwrites(log)
    expect(log.compactionPlan(false)?.dirtyRatio).toBe(1)
    compactNow(disk, log, clock.now())
    expect(log.compactionPlan(false)).toBeNull()
    log.close()
    log = openLog(disk, clock.now, { minCleanableDirtyRatio: 0.5 })
    expect(log.compactionPlan(false)).toBeNull()
    expect(log.compactionPlan(true)?.dirtyRatio).toBe(0)
    log.close()
  })

  it('discards the output for a segment that retention deleted meanwhile, under compact,delete', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { cleanupPolicy: 'compact,delete', retentionMs: 1000 })
    overwrites(log)
    const result = cleanNow(disk, log, clock.now())!
    clock.advance(DAY_MS * 365 * 30)
    expect(log.applyRetention(clock.now()).deleted.length).toBeGreaterThan(0)
    const outcome = log.swapCleaned(result)
    expect(outcome.segmentsSwapped).toBe(0)
    expect(disk.readdir(DIR).filter((n) => n.endsWith(CLEANED_SUFFIX))).toEqual([])
    log.close()
  })

  it('applies no retention under cleanup.policy=compact', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now, { retentionMs: 1000, retentionBytes: 1 })
    overwrites(log)
    clock.advance(DAY_MS * 365 * 30)
    expect(log.applyRetention(clock.now()).deleted).toEqual([])
    log.close()
  })

  it.each([1, 2, 3] as SwapStep[])('after a crash following swap step %i, opens with the original or the cleaned segment whole', (step) => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    let log = openLog(disk, clock.now)
    overwrites(log)
    const before = readAll(log)
    const result = cleanNow(disk, log, clock.now())!
    const first = result.segments[0]!.baseOffset
    swapCleanedSegment(disk, DIR, first, step)
    disk.powerLoss()
    log = openLog(disk, clock.now)
    const names = disk.readdir(DIR)
    expect(names.filter((n) => n.endsWith(SWAP_SUFFIX) || n.endsWith(CLEANED_SUFFIX))).toEqual([])
    const firstSize = disk.fileSize(disk.open(segmentPaths(DIR, first).log, 'read'))
    expect(firstSize).toBe(step === 1 ? result.segments[0]!.originalSizeBytes : result.segments[0]!.sizeBytes)
    // Either way every key's latest value is readable at its offset, and nothing else moved.
    const after = readAll(log)
    for (const [key, latest] of latestPerKey(before)) {
      expect(after.find((r) => r.offset === latest.offset), key).toMatchObject({ key, value: latest.value })
    }
    expect(log.logEndOffset).toBe(before[before.length - 1]!.offset + 1)
    log.close()
  })


  it('with a key map too small for the dirty part, cleans a prefix, and the next runs go on from the checkpoint', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now)
    overwrites(log)
    const before = readAll(log)
    const planEnd = log.compactionPlan(true)!.endOffset
    const ends: number[] = []
    for (let run = 0; run < 20 && log.compactionPlan(false) !== null; run++) {
      const result = cleanNow(disk, log, clock.now(), 1)!
      ends.push(result.endOffset)
      log.swapCleaned(result)
    }
    expect(ends.length).toBeGreaterThan(1)
    expect(ends[ends.length - 1]).toBe(planEnd)
    expect(ends).toEqual([...ends].sort((a, b) => a - b))
    const latest = latestPerKey(before)
    expect(readAll(log).map((r) => r.offset)).toEqual([...latest.values()].map((r) => r.offset).sort((a, b) => a - b))
    log.close()
  })

  it('forgets that it cleaned what a truncation removed', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    let log = openLog(disk, clock.now)
    overwrites(log)
    compactNow(disk, log, clock.now())
    log.truncateTo(3)
    produce(log, [[{ key: 'k0', value: 'x' }], [{ key: 'k0', value: 'y' }], [{ key: 'k0', value: 'z' }]])
    log.roll()
    log.close()
    log = openLog(disk, clock.now)
    expect(log.compactionPlan(false)?.firstDirtyOffset).toBe(3)
    compactNow(disk, log, clock.now())
    expect(readAll(log).filter((r) => r.key === 'k0').map((r) => r.value)).toEqual(['z'])
    log.close()
  })

  it('stops at a damaged segment, leaving no output behind and the log as it was', () => {
    const disk = new SimulatedDisk()
    const clock = manualClock()
    const log = openLog(disk, clock.now)
    overwrites(log)
    const first = log.read(0, 1).bytes
    const plan = log.compactionPlan(true)!
    const victim = segmentPaths(DIR, plan.segments[plan.segments.length - 1]!.baseOffset).log
    const fd = disk.open(victim, 'readWrite')
    disk.pwrite(fd, new Uint8Array([0xee]), 0, 1, 70)
    disk.close(fd)
    expect(() => cleanNow(disk, log, clock.now())).toThrow(/compaction stopped/)
    expect(disk.readdir(DIR).filter((n) => n.endsWith(CLEANED_SUFFIX))).toEqual([])
    expect(log.read(0, 1).bytes).toEqual(first)
    log.close()
  })
})
