// Recovery on the real disk: torn tails written by hand, damaged and missing indexes, leftovers, the
// clean-shutdown marker. A "crash" here is a log object dropped without close(): its writes are in
// the page cache, as after kill -9. Then a few power cuts, which only the simulated disk can make.
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PartitionLog } from './log.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { silentLogger } from '../log.js'
import { RealDisk } from './real-disk.js'
import { SimulatedDisk } from './simulated-disk.js'
import { capturingLogger, makeBatch, manualClock, parseBatches, tempDir } from './test-support.js'

let dir: string
let cleanup: () => void
const clock = manualClock()
const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, flush: 'never', segmentBytes: 1200, indexIntervalBytes: 150 }

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})

afterEach(() => cleanup())

function open(config: Partial<LogConfig> = {}) {
  const { logger, lines } = capturingLogger()
  const log = PartitionLog.open({ dir, disk: new RealDisk(), clock: clock.now, config: { ...CONFIG, ...config }, logger })
  return { log, lines }
}

/** A log with `batches` batches of 3 records, left without close (a crash). */
function crashedLog(batches: number): { logEndOffset: number; files: string[] } {
  const { log } = open()
  for (let i = 0; i < batches; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i, timestampMs: 1000 + i }))
  return { logEndOffset: log.logEndOffset, files: logFiles() }
}

function logFiles(suffix = '.log'): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(suffix)).sort()
}

function readAllBatches(log: PartitionLog) {
  const out = []
  let offset: number = log.logStartOffset
  while (offset < log.highWatermark) {
    const batches = parseBatches(log.read(offset, 1 << 20).bytes)
    out.push(...batches)
    offset = batches.at(-1)!.lastOffset + 1
  }
  return out
}

function messages(lines: Record<string, unknown>[]): string[] {
  return lines.map((l) => String(l.msg))
}

describe('unclean start', () => {
  it('keeps everything after a crash that tore nothing', () => {
    const before = crashedLog(20)
    const { log, lines } = open()
    expect(log.recoveryReport.clean).toBe(false)
    expect(log.recoveryReport.bytesTruncated).toBe(0)
    expect(log.logEndOffset).toBe(before.logEndOffset)
    expect(log.recoveryPoint).toBe(before.logEndOffset)
    expect(messages(lines)).toContain('partition log recovered')
    expect(readAllBatches(log).map((b) => b.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 3))
  })

  it('cuts a torn last batch and logs it', () => {
    const { files } = crashedLog(12)
    const active = join(dir, files.at(-1)!)
    const size = statSync(active).size
    truncateSync(active, size - 7)
    const { log, lines } = open()
    expect(log.logEndOffset).toBe(33)
    expect(log.recoveryReport.bytesTruncated).toBeGreaterThan(0)
    const warning = lines.find((l) => l.msg === 'torn or corrupt tail truncated')
    expect(warning).toMatchObject({ problem: 'truncated', logEndOffset: 33 })
    expect(statSync(active).size).toBe(Number(warning!.position))
    expect(log.append(makeBatch(1))).toEqual({ baseOffset: 33, lastOffset: 33 })
  })

  it('cuts garbage after the last batch (a write that reached the disk as zeros)', () => {
    const { files } = crashedLog(5)
    appendFileSync(join(dir, files.at(-1)!), new Uint8Array(100))
    const { log } = open()
    expect(log.logEndOffset).toBe(15)
    expect(log.recoveryReport.bytesTruncated).toBe(100)
  })

  it('keeps a bad CRC in an earlier segment as damage, and the segments after it', () => {
    const { files, logEndOffset } = crashedLog(30)
    expect(files.length).toBeGreaterThan(3)
    const victim = join(dir, files[1]!)
    const bytes = readFileSync(victim)
    const batches = parseBatches(bytes)
    bytes[batches[2]!.position + 70]! ^= 0xff
    writeFileSync(victim, bytes)
    const { log, lines } = open()
    expect(log.segmentCount).toBe(files.length)
    expect(logFiles()).toEqual(files)
    expect(log.logEndOffset).toBe(logEndOffset)
    expect(log.damage).toMatchObject([{ firstOffset: batches[2]!.baseOffset, resumeOffset: batches[3]!.baseOffset, problem: 'bad-crc' }])
    expect(lines.find((l) => l.msg === 'torn or corrupt tail truncated')).toBeUndefined()
    expect(logFiles('.index').every((n) => logFiles().includes(n.replace('.index', '.log')))).toBe(true)
  })

  it('rescans only from the segment holding the recovery point', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.flush() // the recovery point file moves to the active segment
    log.append(makeBatch(3))
    const again = open().log
    expect(again.recoveryReport.segmentsScanned).toBe(1)
    expect(again.logEndOffset).toBe(93)
  })

  it('rebuilds an active index that disagrees with its log', () => {
    crashedLog(8)
    const index = join(dir, logFiles('.index').at(-1) ?? '00000000000000000000.index')
    writeFileSync(index, new Uint8Array([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0]))
    const { log, lines } = open()
    expect(messages(lines)).toContain('index disagreed with its log and was rebuilt')
    for (let offset = 0; offset < 24; offset++) {
      expect(parseBatches(log.read(offset, 1).bytes)[0]!.baseOffset).toBe(offset - (offset % 3))
    }
  })

  it('rebuilds a missing index of a trusted closed segment when it opens', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i, timestampMs: 1000 + i }))
    log.close()
    rmSync(join(dir, logFiles('.timeindex')[0]!))
    rmSync(join(dir, logFiles('.index')[1]!))
    const { log: again, lines } = open()
    expect(again.recoveryReport.clean).toBe(true)
    expect(lines.filter((l) => l.msg === 'missing or damaged index rebuilt from its log')).toHaveLength(2)
    expect(again.offsetForTimestamp(1001)).toBe(3)
    expect(readAllBatches(again)).toHaveLength(30)
  })

  it('rebuilds a damaged index of a closed segment when it is first read', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.close()
    const index = join(dir, logFiles('.index')[0]!)
    const bytes = readFileSync(index)
    expect(bytes.length).toBeGreaterThanOrEqual(16)
    bytes.writeUInt32BE(0xffff, 8) // the second entry's offset, past the segment's end
    writeFileSync(index, bytes)
    const { log: again, lines } = open()
    expect(again.recoveryReport.clean).toBe(true)
    expect(readAllBatches(again).map((b) => b.baseOffset)).toEqual(Array.from({ length: 30 }, (_, i) => i * 3))
    expect(lines.find((l) => l.msg === 'index of a closed segment failed its checks')).toBeDefined()
    expect(readFileSync(index).readUInt32BE(8)).not.toBe(0xffff)
  })

  it('opens damaged when a trusted segment below the recovery point is damaged', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.close()
    const first = join(dir, logFiles()[0]!)
    const bytes = readFileSync(first)
    bytes[100]! ^= 0xff
    writeFileSync(first, bytes)
    rmSync(join(dir, logFiles('.index')[0]!))
    const { log: again } = open()
    expect(again.damage).toHaveLength(1)
    expect(again.damage[0]).toMatchObject({ segmentBaseOffset: 0, firstOffset: 0, problem: 'bad-crc' })
  })

  it('scans everything when the recovery point file is not valid', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.flush()
    writeFileSync(join(dir, 'recovery-point'), 'garbage')
    const { log: again, lines } = open()
    expect(messages(lines)).toContain('ignoring a checkpoint file that is not in the expected format')
    expect(again.recoveryReport.segmentsScanned).toBe(logFiles().length)
    expect(readFileSync(join(dir, 'recovery-point'), 'utf8')).toBe('1\n90\n')
  })

  it('removes the leftovers of interrupted operations', () => {
    crashedLog(10)
    writeFileSync(join(dir, 'recovery-point.tmp'), 'half')
    writeFileSync(join(dir, '00000000000000000003.log.deleted'), 'x')
    writeFileSync(join(dir, '00000000000000000003.log.cleaned'), 'x')
    writeFileSync(join(dir, '00000000000000009999.index'), new Uint8Array(8))
    writeFileSync(join(dir, 'notes.txt'), 'an operator left this')
    const { log, lines } = open()
    expect(log.recoveryReport.leftoversRemoved.sort()).toEqual([
      '00000000000000000003.log.cleaned', '00000000000000000003.log.deleted', '00000000000000009999.index', 'recovery-point.tmp',
    ])
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true)
    expect(lines.find((l) => l.msg === 'unknown file in a partition directory, left alone')).toMatchObject({ file: 'notes.txt' })
    expect(log.logEndOffset).toBe(30)
  })
})

describe('clean start', () => {
  it('skips the scan after a clean close', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.close()
    const { log: again } = open()
    expect(again.recoveryReport).toMatchObject({ clean: true, segmentsScanned: 0, bytesTruncated: 0 })
    expect(again.logEndOffset).toBe(90)
    expect(existsSync(join(dir, '.clean-shutdown'))).toBe(false)
  })

  it('falls back to recovery when the active tail does not hold together', () => {
    const { log } = open()
    for (let i = 0; i < 30; i++) log.append(makeBatch(3, { valueBytes: 25, tag: i }))
    log.close()
    appendFileSync(join(dir, logFiles().at(-1)!), new Uint8Array(70))
    const { log: again, lines } = open()
    expect(messages(lines)).toContain('clean shutdown marker, but the active segment tail is damaged')
    expect(again.recoveryReport).toMatchObject({ clean: false, segmentsScanned: 1, bytesTruncated: 70 })
    expect(again.logEndOffset).toBe(90)
  })

  it('falls back to recovery when the marker disagrees with the log end', () => {
    const { log } = open()
    for (let i = 0; i < 5; i++) log.append(makeBatch(3))
    log.close()
    writeFileSync(join(dir, '.clean-shutdown'), '1\n12\n')
    const { log: again, lines } = open()
    expect(messages(lines)).toContain('clean shutdown marker disagrees with the log end')
    expect(again.recoveryReport.clean).toBe(false)
    expect(again.logEndOffset).toBe(15)
  })
})

describe('power cuts (simulated disk)', () => {
  const DIR = '/data/t-0'
  function openOn(disk: SimulatedDisk, config: Partial<LogConfig> = {}): PartitionLog {
    return PartitionLog.open({ dir: DIR, disk, clock: clock.now, config: { ...CONFIG, flush: 'always', ...config }, logger: silentLogger() })
  }

  it('keeps what was flushed and loses what was not', () => {
    const disk = new SimulatedDisk()
    const log = openOn(disk)
    log.append(makeBatch(2, { tag: 1 }))
    log.flush()
    log.append(makeBatch(2, { tag: 2 }))
    disk.powerLoss()
    const again = openOn(disk)
    expect(again.logEndOffset).toBe(2)
    expect(again.highWatermark).toBe(2)
  })

  it('rescans a segment sealed after the recovery point reached its end (its indexes were not fsynced)', () => {
    const disk = new SimulatedDisk()
    const log = openOn(disk)
    log.append(makeBatch(1, { timestampMs: 100 }))
    log.roll()
    log.append(makeBatch(1, { timestampMs: 200 }))
    log.flush() // the recovery point file says 2: the end of the segment based at 1
    log.roll() // seals that segment: its time index now has an entry, in the page cache only
    disk.powerLoss()
    const again = openOn(disk)
    expect(again.offsetForTimestamp(150)).toBe(1)
    expect(again.recoveryReport.segmentsScanned).toBe(2)
  })

  it('fsyncs a rolled segment\'s indexes before the recovery point passes it', () => {
    const disk = new SimulatedDisk()
    const log = openOn(disk)
    log.append(makeBatch(1, { timestampMs: 100 }))
    log.roll()
    log.append(makeBatch(1, { timestampMs: 200 }))
    log.flush()
    disk.powerLoss()
    const again = openOn(disk)
    expect(again.recoveryReport.segmentsScanned).toBe(1)
    expect(again.offsetForTimestamp(50)).toBe(0)
  })

  it('makes what recovery kept durable before it moves the recovery point', () => {
    const disk = new SimulatedDisk()
    const log = openOn(disk, { flush: 'never' })
    log.append(makeBatch(1, { timestampMs: 100 }))
    log.roll()
    log.append(makeBatch(1, { timestampMs: 200 }))
    disk.crash()
    const recovered = openOn(disk, { flush: 'never' })
    expect(recovered.recoveryPoint).toBe(2)
    disk.powerLoss()
    const again = openOn(disk, { flush: 'never' })
    expect(again.logEndOffset).toBe(2)
    expect(again.offsetForTimestamp(50)).toBe(0)
  })

  it('does not bring truncated records back', () => {
    const disk = new SimulatedDisk()
    const log = openOn(disk, { segmentBytes: 300 })
    for (let i = 0; i < 8; i++) log.append(makeBatch(2, { tag: i, valueBytes: 30 }))
    log.flush()
    log.truncateTo(5)
    log.append(makeBatch(1, { tag: 99 }))
    disk.powerLoss()
    const again = openOn(disk)
    expect(again.logEndOffset).toBe(4)
    expect(again.segmentCount).toBe(log.segmentCount)
  })
})
