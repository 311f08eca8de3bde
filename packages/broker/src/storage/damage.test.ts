// Damage is an error, never a gap (issue 11): segments damaged, cut short or deleted behind the
// broker's back are found at open (recovery and the continuity checks), kept, and answered with
// LOG_DAMAGED naming the segment and the offsets lost, while what is intact stays readable; a bad
// batch with valid batches after it is never taken for a torn tail. Real disk, files edited by hand.
import { readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PartitionLog } from './log.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { RealDisk } from './real-disk.js'
import { SimulatedDisk } from './simulated-disk.js'
import { capturingLogger, makeBatch, manualClock, parseBatches, tempDir } from './test-support.js'

let dir: string
let cleanup: () => void
const clock = manualClock()
const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, flush: 'always', segmentBytes: 1200, indexIntervalBytes: 150 }
const BATCHES = 30
const RECORDS = 3

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})

afterEach(() => cleanup())

function open(config: Partial<LogConfig> = {}) {
  const { logger, lines } = capturingLogger()
  const log = PartitionLog.open({ dir, disk: new RealDisk(), clock: clock.now, config: { ...CONFIG, ...config }, logger })
  return { log, lines }
}

/** One segment: the recovery-point file stays at 0 (it moves when the recovery point enters a new segment). */
const ONE_SEGMENT: Partial<LogConfig> = { segmentBytes: 1 << 20 }

/** A log of BATCHES batches of RECORDS records, flushed; closed cleanly unless `crash`. */
function writeLog(crash = false, config: Partial<LogConfig> = {}): number {
  const { log } = open(config)
  for (let i = 0; i < BATCHES; i++) log.append(makeBatch(RECORDS, { valueBytes: 25, tag: i, timestampMs: 1000 + i }))
  log.flush()
  const end = log.logEndOffset
  if (!crash) log.close()
  return end
}

function logFiles(): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.log')).sort()
}

function flipByte(file: string, at: (batches: ReturnType<typeof parseBatches>) => number): ReturnType<typeof parseBatches> {
  const path = join(dir, file)
  const bytes = readFileSync(path)
  const batches = parseBatches(bytes)
  bytes[at(batches)]! ^= 0xff
  writeFileSync(path, bytes)
  return batches
}

/** The error a read at `offset` throws, or undefined. */
function readError(log: PartitionLog, offset: number): FaecieError | undefined {
  try {
    log.read(offset, 1 << 20)
    return undefined
  } catch (err) {
    return err as FaecieError
  }
}

/** Every batch base offset readable from the log start, stepping over LOG_DAMAGED ranges. */
function readableBases(log: PartitionLog): number[] {
  const out: number[] = []
  let offset = log.logStartOffset
  while (offset < log.highWatermark) {
    const range = log.damage.find((r) => offset >= r.firstOffset && offset < r.resumeOffset)
    if (range !== undefined) {
      offset = range.resumeOffset
      continue
    }
    const batches = parseBatches(log.read(offset, 1 << 20).bytes)
    out.push(...batches.map((b) => b.baseOffset))
    offset = batches.at(-1)!.lastOffset + 1
  }
  return out
}

const allBases = (end: number) => Array.from({ length: end / RECORDS }, (_, i) => i * RECORDS)

describe('a bad batch with valid batches after it is damage, not a torn tail', () => {
  it('keeps the synced batches after a flipped byte in the active segment (unclean start)', () => {
    const end = writeLog(true, ONE_SEGMENT)
    const active = logFiles().at(-1)!
    const batches = flipByte(active, (b) => b[1]!.position + 70)
    const { log, lines } = open(ONE_SEGMENT)
    expect(log.logEndOffset).toBe(end)
    expect(log.recoveryReport.bytesTruncated).toBe(0)
    const lost = batches[1]!
    expect(log.damage).toEqual([{ segmentBaseOffset: batches[0]!.baseOffset, firstOffset: lost.baseOffset, resumeOffset: lost.lastOffset + 1,
      position: lost.position, endPosition: lost.position + lost.sizeBytes, problem: 'bad-crc' }])
    const err = readError(log, lost.baseOffset + 1)
    expect(err).toBeInstanceOf(FaecieError)
    expect(err!.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(err!.retriable).toBe(false)
    expect(err!.message).toContain(`offsets ${lost.baseOffset}..${lost.lastOffset}`)
    expect(err!.message).toContain(active)
    // What is on either side stays readable; a read from before the damage stops at it.
    expect(parseBatches(log.read(batches[0]!.baseOffset, 1 << 20).bytes).map((b) => b.baseOffset)).toEqual([batches[0]!.baseOffset])
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o !== lost.baseOffset))
    expect(lines.some((l) => l.level === 50 && l.msg === 'partition log is damaged: reads crossing these offsets get LOG_DAMAGED until it is repaired')).toBe(true)
    // Appends go on after the end, and the damage survives a clean restart.
    expect(log.append(makeBatch(1)).baseOffset).toBe(end)
    log.close()
    const { log: again } = open(ONE_SEGMENT)
    expect(again.recoveryReport.clean).toBe(true)
    expect(again.damage).toEqual(log.damage)
    expect(readError(again, lost.baseOffset)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(readableBases(again)).toEqual([...allBases(end).filter((o) => o !== lost.baseOffset), end])
  })

  it('finds the next batch again after a flipped length field', () => {
    const end = writeLog(true, ONE_SEGMENT)
    const batches = flipByte(logFiles().at(-1)!, (b) => b[1]!.position + 9)
    const { log } = open()
    expect(log.logEndOffset).toBe(end)
    expect(log.damage).toMatchObject([{ firstOffset: batches[1]!.baseOffset, resumeOffset: batches[2]!.baseOffset }])
  })

  it('still cuts a torn tail above the recovery point: a bad last batch with nothing after it', () => {
    const end = writeLog(true, ONE_SEGMENT)
    const active = join(dir, logFiles().at(-1)!)
    truncateSync(active, statSync(active).size - 5)
    const { log } = open()
    expect(log.logEndOffset).toBe(end - RECORDS)
    expect(log.damage).toEqual([])
  })
})

describe('continuity checked at open', () => {
  it('answers LOG_DAMAGED for a deleted closed segment, serving the segments around it', () => {
    const end = writeLog()
    const files = logFiles()
    const victim = files[2]!
    const firstLost = Number(victim.slice(0, 20))
    const resume = Number(files[3]!.slice(0, 20))
    rmSync(join(dir, victim))
    const { log } = open()
    expect(log.logEndOffset).toBe(end)
    expect(log.damage).toMatchObject([{ firstOffset: firstLost, resumeOffset: resume, position: -1 }])
    const err = readError(log, firstLost)
    expect(err?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(err?.message).toContain(`offsets ${firstLost}..${resume - 1}`)
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o < firstLost || o >= resume))
  })

  it('answers LOG_DAMAGED for a closed segment cut to half', () => {
    const end = writeLog()
    const files = logFiles()
    const victim = join(dir, files[1]!)
    const before = parseBatches(readFileSync(victim))
    truncateSync(victim, Math.floor(statSync(victim).size / 2))
    const kept = parseBatches(readFileSync(victim).subarray(0, before.filter((b) => b.position + b.sizeBytes <= statSync(victim).size).at(-1)!.position + before[0]!.sizeBytes))
    const resume = Number(files[2]!.slice(0, 20))
    const { log } = open()
    expect(log.damage).toMatchObject([{ segmentBaseOffset: before[0]!.baseOffset, firstOffset: kept.at(-1)!.lastOffset + 1, resumeOffset: resume }])
    expect(readError(log, resume - 1)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o <= kept.at(-1)!.baseOffset || o >= resume))
  })

  it('keeps the offsets of an active segment cut short after a clean stop, and appends after them', () => {
    const end = writeLog()
    const active = join(dir, logFiles().at(-1)!)
    const base = Number(logFiles().at(-1)!.slice(0, 20))
    truncateSync(active, 0)
    const { log } = open()
    expect(log.damage).toMatchObject([{ firstOffset: base, resumeOffset: end }])
    expect(log.logEndOffset).toBe(end)
    expect(readError(log, base)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(log.append(makeBatch(1)).baseOffset).toBe(end)
  })

  it('opens a partition whose segments are all gone damaged at its old end, not empty at 0', () => {
    const end = writeLog()
    for (const name of readdirSync(dir)) if (/\.(log|index|timeindex)$/.test(name)) rmSync(join(dir, name))
    const { log } = open()
    expect(log.logStartOffset).toBe(0)
    expect(log.logEndOffset).toBe(end)
    expect(log.damage).toMatchObject([{ firstOffset: 0, resumeOffset: end, problem: 'every segment file is missing' }])
    expect(readError(log, 0)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(log.append(makeBatch(1)).baseOffset).toBe(end)
  })

  it('still opens a directory that never held data empty at 0', () => {
    const { log } = open()
    expect([log.logStartOffset, log.logEndOffset, log.damage.length]).toEqual([0, 0, 0])
  })

  it('finds timestamps on both sides of damage', () => {
    writeLog(true, ONE_SEGMENT)
    const batches = flipByte(logFiles().at(-1)!, (b) => b[1]!.position + 70)
    const { log } = open()
    expect(log.offsetForTimestamp(1000 + batches[2]!.baseOffset / RECORDS)).toBe(batches[2]!.baseOffset)
    expect(log.offsetForTimestamp(1000 + batches[0]!.baseOffset / RECORDS)).toBe(batches[0]!.baseOffset)
  })
})

describe('power cuts stay torn tails (simulated disk)', () => {
  it('takes a lost unsynced write followed by one that reached the disk for a torn tail', () => {
    const disk = new SimulatedDisk()
    const D = '/data/t-0'
    const openOn = () => PartitionLog.open({ dir: D, disk, clock: clock.now, config: { ...CONFIG, flush: 'never' }, logger: capturingLogger().logger })
    const log = openOn()
    log.append(makeBatch(2, { tag: 1 }))
    log.append(makeBatch(2, { tag: 2 }))
    log.append(makeBatch(2, { tag: 3 }))
    // Write-back without order: every unsynced write but the first reached the platter.
    let n = 0
    disk.tearLastWrite(() => (n++ === 0 ? 0.9 : 0))
    disk.powerLoss()
    const again = openOn()
    expect(again.damage).toEqual([])
  })
})

describe('repair', () => {
  it('moves the log start past the damage, inside a segment, and serves from there across a restart', () => {
    const end = writeLog(true, ONE_SEGMENT)
    const batches = flipByte(logFiles().at(-1)!, (b) => b[3]!.position + 70)
    const { log } = open(ONE_SEGMENT)
    const resume = batches[4]!.baseOffset
    expect(readError(log, batches[3]!.baseOffset)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(log.repairDamage()).toEqual({ logStartOffset: resume, offsetsSkipped: resume, segmentsDeleted: 0 })
    expect(log.damage).toEqual([])
    expect(log.logStartOffset).toBe(resume)
    expect(readError(log, batches[3]!.baseOffset)?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o >= resume))
    log.close()
    const { log: again } = open(ONE_SEGMENT)
    expect([again.logStartOffset, again.damage.length]).toEqual([resume, 0])
    expect(readableBases(again)).toEqual(allBases(end).filter((o) => o >= resume))
  })

  it('deletes the segments wholly below the new start', () => {
    writeLog()
    const files = logFiles()
    rmSync(join(dir, files[2]!))
    const { log } = open()
    const resume = Number(files[3]!.slice(0, 20))
    expect(log.repairDamage()).toMatchObject({ logStartOffset: resume, segmentsDeleted: 2 })
    expect(logFiles()).toEqual(files.slice(3))
    expect(readError(log, resume)).toBeUndefined()
  })
})

describe('the log start offset checkpoint', () => {
  const RETENTION: Partial<LogConfig> = { retentionBytes: 0 }
  const logStartFile = () => readFileSync(join(dir, 'log-start-offset'), 'utf8')

  it('answers LOG_DAMAGED for a deleted first segment, not OFFSET_OUT_OF_RANGE past the lost records', () => {
    const end = writeLog()
    const files = logFiles()
    const resume = Number(files[1]!.slice(0, 20))
    rmSync(join(dir, files[0]!))
    const { log } = open()
    expect(log.logStartOffset).toBe(0)
    expect(log.damage).toMatchObject([{ firstOffset: 0, resumeOffset: resume, position: -1 }])
    const err = readError(log, 0)
    expect(err?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(err?.message).toContain(`offsets 0..${resume - 1}`)
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o >= resume))
    // A repair moves the start past it, as for any other damage.
    expect(log.repairDamage()).toMatchObject({ logStartOffset: resume, offsetsSkipped: resume })
    expect(logStartFile()).toBe(`1\n${resume}\n`)
  })

  it('keeps the start retention moved across a restart, and a first segment lost after it is damage', () => {
    const end = writeLog()
    const { log } = open()
    log.updateConfig({ retentionMs: -1, retentionBytes: Math.floor(log.sizeBytes / 2) })
    const { logStartOffset, deleted } = log.applyRetention(clock.now())
    expect(deleted.length).toBeGreaterThan(1)
    expect(log.segmentCount).toBeGreaterThan(2)
    expect(logStartFile()).toBe(`1\n${logStartOffset}\n`)
    log.close()
    const { log: again } = open()
    expect([again.logStartOffset, again.damage.length]).toEqual([logStartOffset, 0])
    again.close()
    const files = logFiles()
    rmSync(join(dir, files[0]!))
    const { log: holed } = open()
    expect(holed.logStartOffset).toBe(logStartOffset)
    expect(holed.damage).toMatchObject([{ firstOffset: logStartOffset, resumeOffset: Number(files[1]!.slice(0, 20)) }])
    expect(readError(holed, logStartOffset)?.code).toBe(ErrorCode.LOG_DAMAGED)
    expect(holed.logEndOffset).toBe(end)
  })

  it('takes a partition whose segments are all gone after retention as damaged from its log start, not from 0', () => {
    const end = writeLog()
    const { log } = open()
    log.updateConfig({ retentionMs: -1, retentionBytes: Math.floor(log.sizeBytes / 2) })
    const { logStartOffset } = log.applyRetention(clock.now())
    expect(logStartOffset).toBeGreaterThan(0)
    log.close()
    for (const name of readdirSync(dir)) if (/\.(log|index|timeindex)$/.test(name)) rmSync(join(dir, name))
    const { log: emptied } = open()
    expect([emptied.logStartOffset, emptied.logEndOffset]).toEqual([logStartOffset, end])
    expect(emptied.damage).toMatchObject([{ firstOffset: logStartOffset, resumeOffset: end, problem: 'every segment file is missing' }])
  })

  it('keeps the old behaviour for a directory from before the file, and checks the start from then on', () => {
    writeLog()
    const files = logFiles()
    rmSync(join(dir, 'log-start-offset'))
    rmSync(join(dir, files[0]!))
    const { log } = open()
    const first = Number(files[1]!.slice(0, 20))
    expect([log.logStartOffset, log.damage.length]).toEqual([first, 0])
    expect(logStartFile()).toBe(`1\n${first}\n`)
  })

  it('writes the file only when the start moves', () => {
    writeLog()
    const disk = new RealDisk()
    let writes = 0
    const write = disk.writeFileAtomic.bind(disk)
    disk.writeFileAtomic = (path, bytes) => {
      if (path.endsWith('log-start-offset')) writes++
      write(path, bytes)
    }
    const log = PartitionLog.open({ dir, disk, clock: clock.now, config: { ...CONFIG, retentionMs: -1, retentionBytes: -1 }, logger: capturingLogger().logger })
    for (let i = 0; i < 20; i++) log.append(makeBatch(RECORDS, { valueBytes: 25 }))
    log.flush()
    expect(log.applyRetention(clock.now()).deleted).toEqual([])
    expect(writes).toBe(0)
    log.updateConfig({ retentionBytes: 0 })
    log.applyRetention(clock.now())
    log.applyRetention(clock.now())
    expect(writes).toBe(1)
  })

  it('lets retention free a full disk, removing the file it cannot rewrite, and adopts the start at the next open', () => {
    const disk = new SimulatedDisk()
    const D = '/data/t-0'
    const openOn = (config: Partial<LogConfig> = {}) =>
      PartitionLog.open({ dir: D, disk, clock: clock.now, config: { ...CONFIG, ...config }, logger: capturingLogger().logger })
    const log = openOn(RETENTION)
    for (let i = 0; i < BATCHES; i++) log.append(makeBatch(RECORDS, { valueBytes: 25 }))
    log.flush()
    disk.fault = 'ENOSPC'
    const { logStartOffset, deleted } = log.applyRetention(clock.now())
    expect(deleted.length).toBeGreaterThan(1)
    expect(disk.exists(`${D}/log-start-offset`)).toBe(false)
    disk.fault = null
    log.close()
    const again = openOn()
    expect([again.logStartOffset, again.damage.length]).toEqual([logStartOffset, 0])
    expect(new TextDecoder().decode(disk.readFile(`${D}/log-start-offset`))).toBe(`1\n${logStartOffset}\n`)
  })
})

describe('segments wholly below the log start (a retention or repair a crash interrupted)', () => {
  it('are deleted at open, as retention would, and the segment holding the start stays', () => {
    const end = writeLog()
    const files = logFiles()
    const start = Number(files[2]!.slice(0, 20)) + RECORDS
    // What a repair to `start` leaves when it crashes after writing the file, before deleting.
    writeFileSync(join(dir, 'log-start-offset'), `1\n${start}\n`)
    const { log } = open()
    expect(logFiles()).toEqual(files.slice(2))
    expect(readdirSync(dir).filter((n) => n.startsWith(files[0]!.slice(0, 20)) || n.startsWith(files[1]!.slice(0, 20)))).toEqual([])
    expect([log.logStartOffset, log.damage.length]).toEqual([start, 0])
    expect(readableBases(log)).toEqual(allBases(end).filter((o) => o >= start))
  })

  it('leaves the active segment even when the start is at the log end', () => {
    const end = writeLog()
    writeFileSync(join(dir, 'log-start-offset'), `1\n${end}\n`)
    const { log } = open()
    expect(log.segmentCount).toBe(1)
    expect([log.logStartOffset, log.logEndOffset, log.damage.length]).toEqual([end, end, 0])
  })
})
