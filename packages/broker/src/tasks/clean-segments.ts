// Compaction's cleaner on real files: the storage engine's cleaner (storage/cleaner.ts) run with the
// caller's clock, which stamps and expires the delete horizons of batches holding tombstones
// (KIP-534). File modification times play no part: a cleaned segment carries its horizons inside.
import { cleanSegments, type CleanerResult } from '../storage/cleaner.js'
import type { Disk } from '../storage/disk.js'
import type { CompactionPlan } from '../storage/log.js'

export interface CleanRequest {
  plan: CompactionPlan
  /** The clock of the caller (tests move it forward to expire tombstones). */
  nowMs: number
}

export function cleanPartition(disk: Disk, { plan, nowMs }: CleanRequest): CleanerResult {
  return cleanSegments(disk, { ...plan, nowMs })
}
