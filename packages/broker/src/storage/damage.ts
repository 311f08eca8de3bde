// Damage: offsets a partition once held and can no longer serve (a corrupt batch with valid batches
// after it, a segment file deleted or cut short, a log end below what a checkpoint promised). It is
// never served as a gap: a read that would cross it is answered LOG_DAMAGED, naming the segment and
// the offsets lost, and what is intact on either side stays readable. Only an explicit repair
// (`faecie partitions repair --accept-data-loss`) moves the log start past it.
//
// The ranges are kept beside the segments, so that a clean start (which skips the scan that found
// them) still knows them:
//
//   damage   "1\n" then one line per range, in offset order:
//            "<segmentBase> <firstOffset> <resumeOffset> <position> <endPosition> <problem>\n"
//            segmentBase   the segment holding the damage (for a missing segment: the one before the
//                          hole, or the first kept one when the hole is at the front)
//            firstOffset   the first offset lost
//            resumeOffset  the first offset intact again after it
//            position      where the damaged bytes start in the segment's .log; -1 when the bytes
//            endPosition   are gone (a missing file), where the next intact batch starts
//            problem       what was wrong, free text to the end of the line
//
// Reads step over damaged bytes (intactBatches): a segment's .log is walked one intact region at a
// time, each bounded by the damage after it.
//
// Written atomically (disk.ts); read as untrusted input: a file not in this format is logged and
// ignored (the next unclean start finds the damage again by scanning).
import { join } from 'node:path'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Logger } from '../log.js'
import { BatchCursor } from './batch-cursor.js'
import { isNotFound, type Disk } from './disk.js'
import { segmentStem, type Segment } from './segment.js'

export const DAMAGE_FILE = 'damage'
const LINE = /^(\d{1,16}) (\d{1,16}) (\d{1,16}) (-1|\d{1,10}) (-1|\d{1,10}) (.*)$/

export interface DamageRange {
  segmentBaseOffset: number
  firstOffset: number
  resumeOffset: number
  /** Byte range of the damaged bytes in the segment's .log; -1 when the bytes are gone. */
  position: number
  endPosition: number
  problem: string
}

/** LOG_DAMAGED (1010, not retriable): the read would cross offsets the log lost. */
export function logDamaged(range: DamageRange, dir: string): FaecieError {
  const where = range.position < 0 ? `missing from ${dir} before segment ${segmentStem(range.segmentBaseOffset)}` :
    `in segment ${join(dir, segmentStem(range.segmentBaseOffset))}.log at bytes ${range.position}..${range.endPosition}`
  return new FaecieError(ErrorCode.LOG_DAMAGED,
    `Log damaged: offsets ${range.firstOffset}..${range.resumeOffset - 1} are lost (${range.problem}), ${where}. ` +
    `Offsets from ${range.resumeOffset} are readable; 'faecie partitions repair --accept-data-loss' moves the log start past the damage.`)
}

/** The ranges the file lists, in offset order; [] when there is none or it is not in the format. */
export function readDamage(disk: Disk, dir: string, logger: Logger): DamageRange[] {
  let text: string
  try {
    text = new TextDecoder().decode(disk.readFile(join(dir, DAMAGE_FILE)))
  } catch (err) {
    if (isNotFound(err)) return []
    throw err
  }
  const lines = text.split('\n')
  const ranges: DamageRange[] = []
  const bad = lines[0] !== '1' || lines[lines.length - 1] !== '' ||
    lines.slice(1, -1).some((line) => {
      const m = LINE.exec(line)
      if (m === null) return true
      const [firstOffset, resumeOffset] = [Number(m[2]), Number(m[3])]
      if (resumeOffset <= firstOffset || (ranges.length > 0 && firstOffset < ranges[ranges.length - 1]!.resumeOffset)) return true
      ranges.push({ segmentBaseOffset: Number(m[1]), firstOffset, resumeOffset, position: Number(m[4]), endPosition: Number(m[5]), problem: m[6]! })
      return false
    })
  if (bad) {
    logger.warn({ file: DAMAGE_FILE }, 'ignoring a damage file that is not in the expected format')
    return []
  }
  return ranges
}

/** Replaces the file by `ranges` (removes it when there are none). */
export function writeDamage(disk: Disk, dir: string, ranges: readonly DamageRange[]): void {
  const path = join(dir, DAMAGE_FILE)
  if (ranges.length === 0) {
    try {
      disk.unlink(path)
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
    disk.fsyncDir(dir)
    return
  }
  const lines = ranges.map((r) =>
    `${r.segmentBaseOffset} ${r.firstOffset} ${r.resumeOffset} ${r.position} ${r.endPosition} ${r.problem.replace(/\n/g, ' ')}\n`)
  disk.writeFileAtomic(path, new TextEncoder().encode(`1\n${lines.join('')}`))
}

/** The range holding `offset`, or undefined. */
export function damageAt(ranges: readonly DamageRange[], offset: number): DamageRange | undefined {
  return ranges.find((r) => offset >= r.firstOffset && offset < r.resumeOffset)
}

/** Merges `found` into `known`: a range found again replaces the one with the same first offset. */
export function mergeDamage(known: readonly DamageRange[], found: readonly DamageRange[]): DamageRange[] {
  const byFirst = new Map<number, DamageRange>()
  for (const r of known) byFirst.set(r.firstOffset, r)
  for (const r of found) byFirst.set(r.firstOffset, r)
  const merged = [...byFirst.values()].sort((a, b) => a.firstOffset - b.firstOffset)
  // Overlaps (a range found again with a different extent) keep the later-found one.
  const out: DamageRange[] = []
  for (const r of merged) {
    const last = out[out.length - 1]
    if (last !== undefined && r.firstOffset < last.resumeOffset) {
      if (found.includes(r)) out[out.length - 1] = r
      continue
    }
    out.push(r)
  }
  return out
}

/** Offsets lost in all `ranges`. */
export function offsetsLost(ranges: readonly DamageRange[]): number {
  return ranges.reduce((n, r) => n + r.resumeOffset - r.firstOffset, 0)
}

/**
 * The batches of `segment` from the indexed one at or before `offset` on, skipping the damaged bytes
 * `damage` records in it: one cursor per intact region of the file, each bounded by the damage after
 * it. Each cursor carries `regionEnd`, where its intact bytes end (a read stops there).
 */
export function* intactBatches(disk: Disk, segment: Segment, damage: readonly DamageRange[], offset: number):
  Generator<BatchCursor & { regionEnd: number }> {
  let from: number = segment.offsetIndex.floorPosition(Math.max(0, offset - segment.baseOffset))
  const regions: [number, number][] = []
  let start = 0
  for (const r of damage) {
    if (r.segmentBaseOffset !== segment.baseOffset || r.position < 0) continue
    regions.push([start, r.position])
    start = r.endPosition
    // An index entry before damage the offset lies after is no place to start.
    if (offset >= r.resumeOffset) from = Math.max(from, r.endPosition)
  }
  regions.push([start, segment.sizeBytes])
  for (const [regionStart, regionEnd] of regions) {
    if (regionEnd <= from) continue
    const cursor = Object.assign(new BatchCursor(disk, segment.fd(disk), Math.max(from, regionStart), regionEnd, segment.logPath), { regionEnd })
    while (cursor.next()) yield cursor
  }
}

/** The batch of `segment` holding `offset` or the first after it, and where the intact bytes around it end. */
export function findIntactBatch(disk: Disk, segment: Segment, damage: readonly DamageRange[], offset: number):
  { position: number; sizeBytes: number; baseOffset: number; intactEnd: number } | null {
  if (damage.length === 0) {
    const found = segment.findBatch(disk, offset)
    return found === null ? null : { position: found.position, sizeBytes: found.sizeBytes, baseOffset: found.baseOffset, intactEnd: segment.sizeBytes }
  }
  for (const cursor of intactBatches(disk, segment, damage, offset)) {
    if (cursor.lastOffset >= offset) {
      return { position: cursor.position, sizeBytes: cursor.sizeBytes, baseOffset: cursor.baseOffset, intactEnd: cursor.regionEnd }
    }
  }
  return null
}

/**
 * The damage one log knows, in offset order, mirrored in its damage file (written only when the
 * ranges change) and in its open report's count of offsets lost. Ranges below the log start (a
 * repair moved it past them) stay, since reads still step over their bytes, but no longer count.
 */
export class LogDamage {
  readonly #disk: Disk
  readonly #dir: string
  readonly #logger: Logger
  readonly #report: { damagedOffsets: number }
  #ranges: DamageRange[]

  constructor(disk: Disk, dir: string, logger: Logger, report: { damagedOffsets: number }, ranges: DamageRange[]) {
    this.#disk = disk
    this.#dir = dir
    this.#logger = logger
    this.#report = report
    this.#ranges = ranges
  }

  /** Every range, repaired ones included. */
  get ranges(): readonly DamageRange[] {
    return this.#ranges
  }

  /** The ranges not yet repaired: those reaching past `logStartOffset`. */
  above(logStartOffset: number): readonly DamageRange[] {
    const ranges = this.#ranges
    return ranges.some((r) => r.resumeOffset <= logStartOffset) ? ranges.filter((r) => r.resumeOffset > logStartOffset) : ranges
  }

  /** Ranges found after open: merged in, and each logged at error level. */
  record(found: readonly DamageRange[]): void {
    if (found.length === 0) return
    this.#set(mergeDamage(this.#ranges, found))
    for (const range of found) {
      this.#logger.error({ ...range, offsetsLost: range.resumeOffset - range.firstOffset },
        'partition log is damaged: reads crossing these offsets get LOG_DAMAGED until it is repaired')
    }
  }

  /** Keeps only the ranges `keep` passes (retention and truncation drop the ranges they pass). */
  retain(keep: (range: DamageRange) => boolean): void {
    this.#set(this.#ranges.filter(keep))
  }

  #set(ranges: DamageRange[]): void {
    if (JSON.stringify(ranges) === JSON.stringify(this.#ranges)) return
    writeDamage(this.#disk, this.#dir, ranges)
    this.#ranges = ranges
    this.#report.damagedOffsets = offsetsLost(ranges)
  }
}
