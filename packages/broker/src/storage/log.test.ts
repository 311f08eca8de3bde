// PartitionLog on the real disk, in temporary directories: offsets, flush policies, rolls, reads,
// timestamps, truncation, retention, config, close and reopen.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, readBatchHeader } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionLog } from './log.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { RealDisk } from './real-disk.js'
import { concatBytes, InstrumentedDisk, makeBatch, manualClock, parseBatches, tempDir } from './test-support.js'
import type { Disk } from './disk.js'

let dir: string
let cleanup: () => void
let clock: ReturnType<typeof manualClock>
const opened: PartitionLog[] = []

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  dir = join(dir, 'orders-0')
  clock = manualClock()
})

afterEach(() => {
  for (const log of opened.splice(0)) {
    try {
      log.close()
    } catch {
      // A test that broke its log on purpose.
    }
  }
  cleanup()
})

function open(config: Partial<LogConfig> = {}, disk: Disk = new RealDisk()): PartitionLog {
  const log = PartitionLog.open({ dir, disk, clock: clock.now, config: { ...DEFAULT_LOG_CONFIG, ...config }, logger: silentLogger() })
  opened.push(log)
  return log
}

function reopen(log: PartitionLog, config: Partial<LogConfig> = {}): PartitionLog {
  log.close()
  opened.splice(opened.indexOf(log), 1)
  return open(config)
}

/** Every batch from `offset` to the high watermark (or log end), read in small steps. */
function readAll(log: PartitionLog, offset = log.logStartOffset, isolation: 'highWatermark' | 'logEnd' = 'highWatermark') {
  const end = isolation === 'logEnd' ? log.logEndOffset : log.highWatermark
  const batches = []
  while (offset < end) {
    const got = parseBatches(log.read(offset, 1, { isolation }).bytes)
    expect(got.length).toBe(1)
    batches.push(got[0]!)
    offset = got[0]!.lastOffset + 1
  }
  return batches
}

function segmentFiles(suffix: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(suffix)).sort()
}

describe('append', () => {
  it('assigns consecutive offsets, stamps base offsets and the leader epoch in place', () => {
    const log = open({ flush: 'never' })
    const a = makeBatch(3)
    const b = makeBatch(5)
    const two = concatBytes([b, makeBatch(1)])
    expect(log.append(a)).toEqual({ baseOffset: 0, lastOffset: 2 })
    expect(log.append(two, 7)).toEqual({ baseOffset: 3, lastOffset: 8 })
    expect(readBatchHeader(a).baseOffset).toBe(0)
    expect(readBatchHeader(a).partitionLeaderEpoch).toBe(0)
    expect(readBatchHeader(two).baseOffset).toBe(3)
    expect(readBatchHeader(two).partitionLeaderEpoch).toBe(7)
    expect(readBatchHeader(two, b.length).baseOffset).toBe(8)
    expect(log.logEndOffset).toBe(9)
    expect(readAll(log).map((x) => [x.baseOffset, x.lastOffset])).toEqual([[0, 2], [3, 7], [8, 8]])
  })

  it('takes a view into a larger buffer, and keeps nothing of it after returning', () => {
    const log = open({ flush: 'never' })
    const batch = makeBatch(2, { tag: 5 })
    const pool = new Uint8Array(batch.length + 100).fill(0xee)
    pool.set(batch, 40)
    log.append(pool.subarray(40, 40 + batch.length))
    pool.fill(0)
    const [got] = parseBatches(log.read(0, 1000).bytes)
    expect(Buffer.from(got!.body).equals(Buffer.from(parseBatches(batch)[0]!.body))).toBe(true)
  })

  it('honours a batch whose lastOffsetDelta claims more offsets than it has records', () => {
    const log = open({ flush: 'never' })
    expect(log.append(makeBatch(2, { lastOffsetDelta: 9 }))).toEqual({ baseOffset: 0, lastOffset: 9 })
    expect(log.append(makeBatch(1))).toEqual({ baseOffset: 10, lastOffset: 10 })
    expect(parseBatches(log.read(5, 1).bytes)[0]!.baseOffset).toBe(0)
  })

  it('under flush always, the high watermark waits for flush and the recovery point follows', () => {
    const log = open({ flush: 'always' })
    log.append(makeBatch(4))
    expect(log.highWatermark).toBe(0)
    expect(log.logEndOffset).toBe(4)
    expect(log.read(0, 1000).bytes.length).toBe(0)
    expect(parseBatches(log.read(0, 1000, { isolation: 'logEnd' }).bytes)).toHaveLength(1)
    expect(log.read(1, 1000).bytes.length).toBe(0)
    expect(() => log.read(5, 1000)).toThrow(FaecieError)
    log.flush()
    expect(log.highWatermark).toBe(4)
    expect(log.recoveryPoint).toBe(4)
    expect(parseBatches(log.read(0, 1000).bytes)).toHaveLength(1)
  })

  it('under flush never and interval, the high watermark moves on append; interval flushes when due', () => {
    const log = open({ flush: 'interval', flushMs: 1000 })
    log.append(makeBatch(2))
    expect(log.highWatermark).toBe(2)
    expect(log.recoveryPoint).toBe(0)
    clock.advance(1000)
    expect(log.maybeFlush(clock.now())).toBe(true)
    expect(log.recoveryPoint).toBe(2)
    log.append(makeBatch(2))
    clock.advance(10)
    expect(log.maybeFlush(clock.now())).toBe(false)
    clock.advance(1000)
    expect(log.maybeFlush(clock.now())).toBe(true)
    expect(log.maybeFlush(clock.now())).toBe(false)
    log.updateConfig({ flush: 'never' })
    log.append(makeBatch(1))
    clock.advance(5000)
    expect(log.maybeFlush(clock.now())).toBe(false)
    expect(log.highWatermark).toBe(5)
  })

  it('writes once per segment touched, and a batch never spans segments', () => {
    const instrumented = new InstrumentedDisk(new RealDisk())
    const batch = makeBatch(10, { valueBytes: 20 })
    const log = open({ flush: 'never', segmentBytes: batch.length * 3 + 10 }, instrumented.disk)
    instrumented.reset()
    const seven = concatBytes(Array.from({ length: 7 }, () => makeBatch(10, { valueBytes: 20 })))
    log.append(seven)
    expect(log.segmentCount).toBe(3)
    expect(instrumented.count('pwrite', '.log')).toBe(3)
    const sizes = segmentFiles('.log').map((name) => parseBatches(new RealDisk().readFile(join(dir, name))).length)
    expect(sizes).toEqual([3, 3, 1])
    expect(readAll(log).map((b) => b.baseOffset)).toEqual([0, 10, 20, 30, 40, 50, 60])
  })
})

describe('rolling', () => {
  it('rolls by size, naming segments by base offset', () => {
    const log = open({ flush: 'never', segmentBytes: 1000 })
    for (let i = 0; i < 10; i++) log.append(makeBatch(4, { valueBytes: 50 }))
    expect(log.segmentCount).toBeGreaterThan(2)
    const names = segmentFiles('.log')
    expect(names[0]).toBe('00000000000000000000.log')
    for (const name of names) {
      const bytes = new RealDisk().readFile(join(dir, name))
      expect(bytes.length).toBeLessThanOrEqual(1000)
      expect(parseBatches(bytes)[0]!.baseOffset).toBe(Number(name.slice(0, 20)))
    }
    // A batch larger than segment.bytes still goes in, alone in its segment.
    log.append(makeBatch(30, { valueBytes: 50 }))
    expect(parseBatches(log.read(log.logEndOffset - 1, 1).bytes)[0]!.sizeBytes).toBeGreaterThan(1000)
  })

  it('rolls by time when the first batch of the active segment is older than segment.ms', () => {
    const log = open({ flush: 'never', segmentMs: 60_000 })
    log.append(makeBatch(1, { timestampMs: clock.now() }))
    clock.advance(59_000)
    log.append(makeBatch(1, { timestampMs: clock.now() }))
    expect(log.segmentCount).toBe(1)
    clock.advance(2_000)
    log.append(makeBatch(1, { timestampMs: clock.now() }))
    expect(log.segmentCount).toBe(2)
    expect(segmentFiles('.log')).toEqual(['00000000000000000000.log', '00000000000000000002.log'])
  })

  it('rolls before an index would pass segment.index.bytes', () => {
    // Every batch but a segment's first gets an entry (interval 0); 24 bytes hold 3 offset entries and
    // 2 time entries, one of which is kept for the roll: a segment takes two batches.
    const log = open({ flush: 'never', indexIntervalBytes: 0, indexBytesMax: 24 })
    for (let i = 0; i < 6; i++) log.append(makeBatch(1, { timestampMs: 1000 + i }))
    expect(log.segmentCount).toBe(3)
    for (const name of segmentFiles('.timeindex')) {
      expect(new RealDisk().readFile(join(dir, name)).length).toBeLessThanOrEqual(24)
    }
  })

  it('rolls before relative offsets would overflow u32', () => {
    const log = open({ flush: 'never' })
    const huge = 2 ** 31 - 1
    log.append(makeBatch(1, { lastOffsetDelta: huge }))
    log.append(makeBatch(1, { lastOffsetDelta: huge }))
    expect(log.segmentCount).toBe(1)
    log.append(makeBatch(1, { lastOffsetDelta: huge }))
    expect(log.segmentCount).toBe(2)
    expect(log.logEndOffset).toBe(3 * 2 ** 31)
    expect(parseBatches(log.read(2 ** 32 + 5, 1).bytes)[0]!.baseOffset).toBe(2 ** 32)
  })

  it('does not preallocate index files', () => {
    const log = open({ flush: 'never', segmentBytes: 2000, indexIntervalBytes: 100 })
    for (let i = 0; i < 20; i++) log.append(makeBatch(2, { valueBytes: 40 }))
    log.roll()
    const index = segmentFiles('.index')
    expect(index.length).toBe(log.segmentCount - 1)
    for (const name of index) expect(new RealDisk().readFile(join(dir, name)).length % 8).toBe(0)
    expect(new RealDisk().readFile(join(dir, index[0]!)).length).toBeLessThan(20 * 8)
  })
})

describe('read', () => {
  function filled(config: Partial<LogConfig> = {}): PartitionLog {
    const log = open({ flush: 'never', segmentBytes: 2000, indexIntervalBytes: 300, ...config })
    for (let i = 0; i < 60; i++) log.append(makeBatch(1 + (i % 4), { valueBytes: 30, tag: i }))
    return log
  }

  it('finds the batch holding any offset, mid-batch and in older segments', () => {
    const log = filled()
    expect(log.segmentCount).toBeGreaterThan(3)
    const all = readAll(log)
    for (const batch of all) {
      for (let offset = batch.baseOffset; offset <= batch.lastOffset; offset++) {
        const got = parseBatches(log.read(offset, 1).bytes)
        expect(got[0]!.baseOffset).toBe(batch.baseOffset)
      }
    }
  })

  it('returns at least one whole batch when it is larger than maxBytes, and only whole batches', () => {
    const log = filled()
    const first = parseBatches(log.read(0, 0).bytes)
    expect(first).toHaveLength(1)
    const some = log.read(0, 1000)
    const got = parseBatches(some.bytes)
    expect(got.length).toBeGreaterThan(1)
    expect(some.bytes.length).toBeLessThanOrEqual(1000)
    const bigger = parseBatches(log.read(0, 1000 + got[got.length - 1]!.sizeBytes * 3).bytes)
    expect(bigger.length).toBeGreaterThan(got.length)
    // Consecutive: each batch starts where the previous ended.
    for (let i = 1; i < bigger.length; i++) expect(bigger[i]!.baseOffset).toBe(bigger[i - 1]!.lastOffset + 1)
  })

  it('stops at the end of one segment and at the high watermark', () => {
    const log = filled({ flush: 'always' })
    log.flush()
    const hw = log.highWatermark
    log.append(makeBatch(3))
    const bases = segmentFiles('.log').map((name) => Number(name.slice(0, 20)))
    const fromFirst = parseBatches(log.read(0, 1 << 20).bytes)
    expect(fromFirst.at(-1)!.lastOffset).toBe(bases[1]! - 1)
    const fromLast = parseBatches(log.read(bases.at(-1)!, 1 << 20).bytes)
    expect(fromLast[0]!.baseOffset).toBe(bases.at(-1))
    expect(fromLast.at(-1)!.lastOffset).toBe(hw - 1)
    expect(log.read(hw, 1 << 20).bytes.length).toBe(0)
    // Past the high watermark but within the log: nothing yet, and no OFFSET_OUT_OF_RANGE (a
    // consumer that read up to an old leader's high watermark asks a new one for such offsets).
    expect(log.logEndOffset).toBeGreaterThan(hw + 1)
    expect(log.read(hw + 1, 1 << 20).bytes.length).toBe(0)
    expect(() => log.read(log.logEndOffset + 1, 1 << 20)).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE }))
    expect(parseBatches(log.read(hw, 1 << 20, { isolation: 'logEnd' }).bytes)).toHaveLength(1)
  })

  it('answers OFFSET_OUT_OF_RANGE below the log start and above the log end', () => {
    const log = filled({ retentionBytes: 0 })
    log.applyRetention(clock.now())
    expect(log.logStartOffset).toBeGreaterThan(0)
    for (const offset of [log.logStartOffset - 1, log.logEndOffset + 1, -1, 0.5]) {
      try {
        log.read(offset, 100)
        expect.unreachable()
      } catch (err) {
        expect(err).toBeInstanceOf(FaecieError)
        expect((err as FaecieError).code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
      }
    }
    const result = log.read(log.highWatermark, 100)
    expect(result).toMatchObject({ logStartOffset: log.logStartOffset, highWatermark: log.highWatermark })
    expect(result.bytes.length).toBe(0)
  })

  it('still reads after its caches are released', () => {
    const log = filled()
    const before = readAll(log)
    log.releaseMemory()
    expect(readAll(log)).toEqual(before)
    log.append(makeBatch(2))
    expect(readAll(log)).toHaveLength(before.length + 1)
  })
})

describe('offsetForTimestamp', () => {
  it('finds the first batch whose max timestamp reaches the target, across segments', () => {
    const log = open({ flush: 'never', segmentBytes: 800, indexIntervalBytes: 200 })
    const stamps = [100, 200, 150, 300, 300, 250, 400, 500, 450, 600, 700, 650, 800]
    for (const [i, ts] of stamps.entries()) log.append(makeBatch(2, { timestampMs: ts, valueBytes: 60, tag: i }))
    expect(log.segmentCount).toBeGreaterThan(2)
    const model = (target: number): number | null => {
      const i = stamps.findIndex((ts) => ts >= target)
      return i < 0 ? null : i * 2
    }
    for (const target of [0, 100, 101, 150, 199, 200, 201, 300, 301, 449, 450, 451, 600, 799, 800, 801]) {
      expect(log.offsetForTimestamp(target), `target ${target}`).toBe(model(target))
    }
  })

  it('does not answer past the high watermark', () => {
    const log = open({ flush: 'always' })
    log.append(makeBatch(1, { timestampMs: 10 }))
    log.flush()
    log.append(makeBatch(1, { timestampMs: 20 }))
    expect(log.offsetForTimestamp(15)).toBeNull()
    log.flush()
    expect(log.offsetForTimestamp(15)).toBe(1)
  })
})

describe('truncateTo', () => {
  it('removes whole batches from the one holding the offset, and later segments', () => {
    const log = open({ flush: 'always', segmentBytes: 800, indexIntervalBytes: 100 })
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 20, tag: i, timestampMs: 1000 + i }))
    log.flush()
    const segmentsBefore = log.segmentCount
    log.truncateTo(40) // inside the batch [39, 41]
    expect(log.logEndOffset).toBe(39)
    expect(log.highWatermark).toBe(39)
    expect(log.recoveryPoint).toBe(39)
    expect(log.segmentCount).toBeLessThan(segmentsBefore)
    expect(segmentFiles('.log')).toHaveLength(log.segmentCount)
    expect(readAll(log).at(-1)!.lastOffset).toBe(38)
    expect(log.offsetForTimestamp(1012)).toBe(36)
    expect(log.offsetForTimestamp(1013)).toBeNull()
    // Appends go on from the new end, in the segment that became active.
    expect(log.append(makeBatch(2, { timestampMs: 5000 }))).toEqual({ baseOffset: 39, lastOffset: 40 })
    log.flush()
    expect(log.offsetForTimestamp(1013)).toBe(39)
    const again = reopen(log, { flush: 'always', segmentBytes: 800, indexIntervalBytes: 100 })
    expect(again.logEndOffset).toBe(41)
    expect(readAll(again).map((b) => b.baseOffset).slice(-2)).toEqual([36, 39])
  })

  it('truncates to a segment base, leaving that segment empty and active', () => {
    const log = open({ flush: 'never', segmentBytes: 500 })
    for (let i = 0; i < 10; i++) log.append(makeBatch(2, { valueBytes: 40 }))
    const base = Number(segmentFiles('.log')[1]!.slice(0, 20))
    log.truncateTo(base)
    expect(log.segmentCount).toBe(2)
    expect(log.logEndOffset).toBe(base)
    expect(log.sizeBytes).toBe(new RealDisk().readFile(join(dir, segmentFiles('.log')[0]!)).length)
    log.truncateTo(0)
    expect(log.segmentCount).toBe(1)
    expect(log.logEndOffset).toBe(0)
    expect(log.sizeBytes).toBe(0)
    expect(log.append(makeBatch(1))).toEqual({ baseOffset: 0, lastOffset: 0 })
  })
})

describe('retention', () => {
  it('deletes closed segments past retention.ms by their largest timestamp, never the active one', () => {
    const log = open({ flush: 'never', segmentBytes: 600, retentionMs: 1000 })
    for (let i = 0; i < 12; i++) log.append(makeBatch(2, { valueBytes: 40, timestampMs: 10_000 + i * 100 }))
    const segments = log.segmentCount
    expect(segments).toBeGreaterThan(3)
    expect(log.applyRetention(10_000).deleted).toEqual([])
    const result = log.applyRetention(11_000 + 450)
    expect(result.deleted.length).toBeGreaterThan(0)
    expect(result.deleted.every((d) => d.reason === 'retention.ms')).toBe(true)
    expect(result.logStartOffset).toBe(log.logStartOffset)
    expect(log.logStartOffset).toBe(Number(segmentFiles('.log')[0]!.slice(0, 20)))
    const all = log.applyRetention(1e12)
    expect(log.segmentCount).toBe(1)
    expect(all.logStartOffset).toBe(log.logStartOffset)
    expect(segmentFiles('.index').length + segmentFiles('.timeindex').length).toBeLessThanOrEqual(2)
    expect(readAll(log).length).toBeGreaterThan(0)
  })

  it('deletes the oldest segments while the log without them is still at least retention.bytes', () => {
    const log = open({ flush: 'never', segmentBytes: 600 })
    for (let i = 0; i < 12; i++) log.append(makeBatch(2, { valueBytes: 40 }))
    const total = log.sizeBytes
    const firstSizeBytes = new RealDisk().readFile(join(dir, segmentFiles('.log')[0]!)).length
    log.updateConfig({ retentionBytes: total - firstSizeBytes })
    const first = log.applyRetention(clock.now())
    expect(first.deleted).toHaveLength(1)
    expect(first.deleted[0]!.reason).toBe('retention.bytes')
    expect(log.sizeBytes).toBe(total - first.deleted[0]!.sizeBytes)
    log.updateConfig({ retentionBytes: 1 })
    log.applyRetention(clock.now())
    expect(log.segmentCount).toBe(1)
    expect(log.sizeBytes).toBeGreaterThan(0)
  })

  it('keeps segments holding records past the high watermark', () => {
    const log = open({ flush: 'always', segmentBytes: 600, retentionBytes: 0 })
    for (let i = 0; i < 12; i++) log.append(makeBatch(2, { valueBytes: 40 }))
    expect(log.applyRetention(clock.now()).deleted).toEqual([])
    log.flush()
    expect(log.applyRetention(clock.now()).deleted.length).toBeGreaterThan(0)
    expect(log.segmentCount).toBe(1)
  })
})

describe('lifecycle', () => {
  it('closes cleanly and reopens without recovery, with the same contents', () => {
    const log = open({ flush: 'never', segmentBytes: 700, indexIntervalBytes: 150 })
    for (let i = 0; i < 25; i++) log.append(makeBatch(2, { valueBytes: 30, tag: i, timestampMs: 100 + i }))
    const before = readAll(log)
    log.close()
    expect(existsSync(join(dir, '.clean-shutdown'))).toBe(true)
    opened.splice(opened.indexOf(log), 1)
    const again = open({ flush: 'never', segmentBytes: 700, indexIntervalBytes: 150 })
    expect(existsSync(join(dir, '.clean-shutdown'))).toBe(false)
    expect(again.recoveryReport.clean).toBe(true)
    expect(again.recoveryReport.segmentsScanned).toBe(0)
    expect(readAll(again)).toEqual(before)
    expect(again.offsetForTimestamp(110)).toBe(20)
    expect(again.append(makeBatch(1))).toEqual({ baseOffset: 50, lastOffset: 50 })
  })

  it('deletes its directory', () => {
    const log = open()
    log.append(makeBatch(1))
    log.delete()
    opened.splice(opened.indexOf(log), 1)
    expect(existsSync(dir)).toBe(false)
  })

  it('refuses configs the formats cannot hold', () => {
    const log = open()
    for (const bad of [{ segmentBytes: 2 ** 31 }, { segmentBytes: 10 }, { indexBytesMax: 8 }, { retentionMs: -2 }, { flushMs: 1.5 }]) {
      expect(() => log.updateConfig(bad)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }))
    }
    expect(() => open({ flush: 'sometimes' as never })).toThrow(FaecieError)
    expect(log.config.segmentBytes).toBe(DEFAULT_LOG_CONFIG.segmentBytes)
  })

  it('refuses writes after a disk error until reopened, and recovers on reopen', () => {
    const instrumented = new InstrumentedDisk(new RealDisk())
    const log = open({ flush: 'always' }, instrumented.disk)
    log.append(makeBatch(2))
    log.flush()
    instrumented.failNext('pwrite')
    expect(() => log.append(makeBatch(2))).toThrow(/EIO/)
    expect(() => log.append(makeBatch(2))).toThrow(expect.objectContaining({ code: ErrorCode.KAFKA_STORAGE_ERROR }))
    log.close()
    opened.splice(opened.indexOf(log), 1)
    const again = open({ flush: 'always' })
    expect(again.recoveryReport.clean).toBe(false)
    expect(again.logEndOffset).toBe(2)
  })
})
