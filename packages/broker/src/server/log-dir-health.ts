// What GET /health says about the broker's log directory (its data dir): `ok`; `degraded` while its
// disk refuses writes (full, I/O errors, read-only: partition/storage-fault.ts), with the partitions
// refusing produces and the cause; `damaged` with the partitions whose logs lost offsets
// (storage/damage.ts) and the ranges each lost. Either turns the broker's `status` to `degraded`
// (unless it is draining, which says more): the broker serves, but some requests fail until the disk
// heals (by itself) or an operator repairs the partitions.
import type { DamageRange } from '../storage/damage.js'
import type { PartitionManager } from '../partition/partition-manager.js'

export interface LogDirHealth {
  dir: string
  status: 'ok' | 'degraded' | 'damaged'
  /** Partitions whose disk refuses writes now, and why. */
  storageErrors: { partition: string; cause: string; sinceMs: number }[]
  damagedPartitions: { partition: string; offsetsLost: number; damage: DamageRange[] }[]
}

/** Partitions listed in /health at most, of each kind; the damaged count is always whole. */
const DAMAGED_PARTITIONS_LISTED_MAX = 100

export function logDirHealth(dataDir: string, partitions: PartitionManager, draining: boolean):
  { status?: 'degraded'; logDirs: LogDirHealth[]; damagedPartitionCount: number } {
  const damaged = partitions.damagedPartitions()
  const listed = damaged.slice(0, DAMAGED_PARTITIONS_LISTED_MAX).map(({ key, damage }) => ({
    partition: key, offsetsLost: damage.reduce((n, r) => n + r.resumeOffset - r.firstOffset, 0), damage,
  }))
  const faults = partitions.storageFaults()
  const storageErrors = faults.slice(0, DAMAGED_PARTITIONS_LISTED_MAX).map(({ key, cause, sinceMs }) => ({ partition: key, cause, sinceMs }))
  const status = faults.length > 0 ? 'degraded' : damaged.length > 0 ? 'damaged' : 'ok'
  const dir: LogDirHealth = { dir: dataDir, status, storageErrors, damagedPartitions: listed }
  return { ...(status !== 'ok' && !draining ? { status: 'degraded' as const } : {}), logDirs: [dir], damagedPartitionCount: damaged.length }
}
