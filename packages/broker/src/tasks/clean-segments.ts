// Compaction's cleaner on real files: the storage engine's cleaner (storage/cleaner.ts) with the
// segments' modification times read from the file system, and kept. A tombstone may go
// `delete.retention.ms` after its segment was last modified; the cleaned file is given the original's
// mtime before it is swapped in, so that cleaning a segment again does not restart that clock (a
// tombstone would otherwise live for ever in a partition compacted more often than that).
import { statSync, utimesSync } from 'node:fs'
import { cleanSegments, type CleanerResult } from '../storage/cleaner.js'
import { CLEANED_SUFFIX, segmentPaths } from '../storage/compaction-swap.js'
import type { Disk } from '../storage/disk.js'
import type { CompactionPlan } from '../storage/log.js'

export interface CleanRequest {
  plan: CompactionPlan
  /** The clock of the caller (tests move it forward to expire tombstones). */
  nowMs: number
}

export function cleanPartition(disk: Disk, { plan, nowMs }: CleanRequest): CleanerResult {
  const mtimes = new Map<number, Date>()
  const segments = plan.segments.map((s) => {
    const stat = statSync(segmentPaths(plan.dir, s.baseOffset).log)
    mtimes.set(s.baseOffset, stat.mtime)
    return { ...s, lastModifiedMs: stat.mtimeMs }
  })
  const result = cleanSegments(disk, { ...plan, segments, nowMs })
  for (const cleaned of result.segments) {
    const mtime = mtimes.get(cleaned.baseOffset)!
    utimesSync(segmentPaths(plan.dir, cleaned.baseOffset, CLEANED_SUFFIX).log, mtime, mtime)
  }
  return result
}
