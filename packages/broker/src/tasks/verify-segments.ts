// Verifies the closed segments of a partition directory: every batch's length, structure and
// CRC-32C, and that offsets run on from one segment to the next. Recovery scans only from the
// recovery point (everything below it was fsynced and is trusted); this checks the rest, off the
// partition's thread, so that bit rot in old data is found and logged rather than served silently.
//
// It reads only closed segments (every `.log` but the newest), which no actor writes again; one may
// be deleted by retention while it is read, which is reported as `gone`, not as a problem.
import { join } from 'node:path'
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, checkBatch, readBatchHeader } from '@faecie/protocol'
import { isNotFound, type Disk } from '../storage/disk.js'
import { LOG_SUFFIX, parseSegmentFileName } from '../storage/segment.js'

export interface SegmentVerification {
  file: string
  batches: number
  bytesVerified: number
  /** The first problem found: where, and what. Absent when the segment is sound. */
  problem?: { position: number; what: string }
  gone?: true
}

export function verifyClosedSegments(disk: Disk, dir: string): SegmentVerification[] {
  const logs = disk.readdir(dir)
    .map((name) => ({ name, parsed: parseSegmentFileName(name) }))
    .filter((f) => f.parsed !== null && f.parsed.suffix === LOG_SUFFIX)
    .sort((a, b) => a.parsed!.baseOffset - b.parsed!.baseOffset)
  const results: SegmentVerification[] = []
  for (let i = 0; i < logs.length - 1; i++) {
    const next = logs[i + 1]!.parsed!.baseOffset
    results.push(verifySegment(disk, join(dir, logs[i]!.name), logs[i]!.parsed!.baseOffset, next))
  }
  return results
}

/** Checks one segment; its batches must start at `baseOffset` and end just before `nextBaseOffset`. */
export function verifySegment(disk: Disk, path: string, baseOffset: number, nextBaseOffset: number): SegmentVerification {
  const result: SegmentVerification = { file: path, batches: 0, bytesVerified: 0 }
  let fd
  try {
    fd = disk.open(path, 'read')
  } catch (err) {
    if (isNotFound(err)) return { ...result, gone: true }
    throw err
  }
  try {
    const size = disk.fileSize(fd)
    const lengthField = new Uint8Array(BATCH_LENGTH_OVERHEAD)
    let batch = new Uint8Array(64 * 1024)
    let expectedOffset = baseOffset
    for (let position = 0; position < size;) {
      const problem = (what: string): SegmentVerification => ({ ...result, problem: { position, what } })
      if (disk.pread(fd, lengthField, 0, BATCH_LENGTH_OVERHEAD, position) < BATCH_LENGTH_OVERHEAD) return problem('truncated')
      const total = new DataView(lengthField.buffer).getInt32(BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
      if (total < BATCH_HEADER_BYTES || total > size - position) return problem(`bad batch length ${total}`)
      if (batch.length < total) batch = new Uint8Array(total)
      if (disk.pread(fd, batch, 0, total, position) < total) return problem('truncated')
      const check = checkBatch(batch, 0, total)
      if (!check.ok) return problem(check.problem)
      const header = readBatchHeader(batch, 0)
      if (header.baseOffset < expectedOffset) return problem(`offset ${header.baseOffset} after ${expectedOffset - 1}`)
      expectedOffset = header.baseOffset + header.lastOffsetDelta + 1
      result.batches++
      result.bytesVerified += total
      position += total
    }
    if (expectedOffset > nextBaseOffset) {
      return { ...result, problem: { position: size, what: `ends at offset ${expectedOffset}, past the next segment's ${nextBaseOffset}` } }
    }
    return result
  } finally {
    disk.close(fd)
  }
}
