// PartitionLog.deleteRecordsBefore (Kafka's DeleteRecords) on the real disk: the log start moves to
// the offset asked for, inside a segment if need be, whole segments below it are deleted, the move
// survives a clean restart and a crash, and reads below it answer OFFSET_OUT_OF_RANGE (not
// LOG_DAMAGED: the missing segments were deleted on purpose); and restartAt, which empties the log
// and starts it past its end.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionLog } from './log.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { RealDisk } from './real-disk.js'
import { makeBatch, manualClock, parseBatches, tempDir } from './test-support.js'

const RECORDS = 3
const BATCHES = 30
/** Small segments: some five batches each. */
const CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, flush: 'always', segmentBytes: 5 * makeBatch(RECORDS).length + 10 }

let dir: string
let cleanup: () => void
const clock = manualClock()
const opened: PartitionLog[] = []

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  dir = join(dir, 'orders-0')
})

afterEach(() => {
  for (const log of opened.splice(0)) log.abandon()
  cleanup()
})

function open(config: Partial<LogConfig> = {}): PartitionLog {
  const log = PartitionLog.open({ dir, disk: new RealDisk(), clock: clock.now, config: { ...CONFIG, ...config }, logger: silentLogger() })
  opened.push(log)
  return log
}

function filled(): PartitionLog {
  const log = open()
  for (let i = 0; i < BATCHES; i++) log.append(makeBatch(RECORDS))
  log.flush()
  return log
}

function segmentBases(): number[] {
  return readdirSync(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b)
}

function readError(log: PartitionLog, offset: number): FaecieError | undefined {
  try {
    log.read(offset, 1)
    return undefined
  } catch (err) {
    if (err instanceof FaecieError) return err
    throw err
  }
}

describe('deleteRecordsBefore', () => {
  it('moves the log start inside a segment, deletes the segments below it, and refuses reads below it', () => {
    const log = filled()
    const bases = segmentBases()
    expect(bases.length).toBeGreaterThan(4)
    // An offset inside the third segment, not on a batch boundary.
    const target = bases[2]! + RECORDS + 1
    expect(log.deleteRecordsBefore(target)).toEqual({ logStartOffset: target, segmentsDeleted: 2 })
    expect(log.logStartOffset).toBe(target)
    expect(segmentBases()).toEqual(bases.slice(2))
    for (const below of [0, bases[1]!, bases[2]!, target - 1]) expect(readError(log, below)?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    // The batch holding the new start is served whole, as Kafka does.
    const first = parseBatches(log.read(target, 1).bytes)[0]!
    expect([first.baseOffset, first.lastOffset]).toEqual([bases[2]! + RECORDS, bases[2]! + 2 * RECORDS - 1])
    // A lower offset changes nothing: the log start never goes back.
    expect(log.deleteRecordsBefore(1)).toEqual({ logStartOffset: target, segmentsDeleted: 0 })
  })

  it('keeps the new log start across a clean restart and across a crash', () => {
    const log = filled()
    const target = segmentBases()[3]! + 2
    log.deleteRecordsBefore(target)
    log.close()
    opened.splice(opened.indexOf(log), 1)
    const again = open()
    expect(again.recoveryReport.clean).toBe(true)
    expect([again.logStartOffset, again.damage.length]).toEqual([target, 0])
    expect(readError(again, target - 1)?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)

    // A crash (no close, no clean-shutdown marker) right after a second deletion.
    const further = segmentBases()[1]! + 1
    again.deleteRecordsBefore(further)
    again.abandon()
    const recovered = open()
    expect(recovered.recoveryReport.clean).toBe(false)
    expect([recovered.logStartOffset, recovered.damage.length]).toEqual([further, 0])
    expect(readError(recovered, further - 1)?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(readError(recovered, further)).toBeUndefined()
  })

  it('goes up to the high watermark, never past it', () => {
    const log = filled()
    // Appended but not yet flushed under `always`: past the high watermark, not readable, not deletable.
    log.append(makeBatch(RECORDS))
    const hw = log.highWatermark
    expect(log.logEndOffset).toBe(hw + RECORDS)
    const refusal = (offset: number): number | undefined => {
      try {
        log.deleteRecordsBefore(offset)
        return undefined
      } catch (err) {
        return (err as FaecieError).code
      }
    }
    expect([refusal(hw + 1), refusal(log.logEndOffset), refusal(-1)]).toEqual(Array(3).fill(ErrorCode.OFFSET_OUT_OF_RANGE))
    expect(log.logStartOffset).toBe(0)
    expect(log.deleteRecordsBefore(hw)).toMatchObject({ logStartOffset: hw })
    expect(log.read(hw, 1).bytes.length).toBe(0)
    log.flush()
    expect(parseBatches(log.read(hw, 1).bytes).map((b) => b.baseOffset)).toEqual([hw])
  })

  it('is refused with POLICY_VIOLATION on a compacted log, as Kafka refuses it', () => {
    const log = open({ cleanupPolicy: 'compact' })
    log.append(makeBatch(RECORDS))
    log.flush()
    expect(() => log.deleteRecordsBefore(1)).toThrow(expect.objectContaining({ code: ErrorCode.POLICY_VIOLATION }))
    expect(log.logStartOffset).toBe(0)
  })
})

describe('restartAt (a follower behind its leader\'s log start)', () => {
  it('empties the log and starts it at an offset past its end, across a clean restart and a crash', () => {
    const log = filled()
    const end = log.logEndOffset
    const restart = end + 50
    log.restartAt(restart)
    expect([log.logStartOffset, log.highWatermark, log.logEndOffset, log.recoveryPoint]).toEqual([restart, restart, restart, restart])
    expect(segmentBases()).toEqual([restart])
    expect(readError(log, end)?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(log.append(makeBatch(RECORDS))).toEqual({ baseOffset: restart, lastOffset: restart + RECORDS - 1 })
    log.flush()
    log.close()
    opened.splice(opened.indexOf(log), 1)
    const again = open()
    expect([again.logStartOffset, again.logEndOffset, again.damage.length]).toEqual([restart, restart + RECORDS, 0])

    const further = again.logEndOffset + 7
    again.restartAt(further)
    again.abandon()
    const recovered = open()
    expect(recovered.recoveryReport.clean).toBe(false)
    expect([recovered.logStartOffset, recovered.logEndOffset, recovered.damage.length]).toEqual([further, further, 0])
  })

  it('refuses an offset at or below the log end', () => {
    const log = filled()
    expect(() => log.restartAt(log.logEndOffset)).toThrow(/not past the log end/)
    expect(log.logStartOffset).toBe(0)
  })
})
