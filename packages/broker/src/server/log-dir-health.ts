// What GET /health says about the broker's log directory (its data dir): `ok`, or `damaged` with the
// partitions whose logs lost offsets (storage/damage.ts) and the ranges each lost. A damaged log dir
// turns the broker's `status` to `degraded` (unless it is draining, which says more): the broker
// serves, but some reads get LOG_DAMAGED until an operator repairs the partitions.
import type { DamageRange } from '../storage/damage.js'
import type { PartitionManager } from '../partition/partition-manager.js'

export interface LogDirHealth {
  dir: string
  status: 'ok' | 'damaged'
  damagedPartitions: { partition: string; offsetsLost: number; damage: DamageRange[] }[]
}

/** Damaged partitions listed in /health at most; the count is always whole. */
const DAMAGED_PARTITIONS_LISTED_MAX = 100

export function logDirHealth(dataDir: string, partitions: PartitionManager, draining: boolean):
  { status?: 'degraded'; logDirs: LogDirHealth[]; damagedPartitionCount: number } {
  const damaged = partitions.damagedPartitions()
  const listed = damaged.slice(0, DAMAGED_PARTITIONS_LISTED_MAX).map(({ key, damage }) => ({
    partition: key, offsetsLost: damage.reduce((n, r) => n + r.resumeOffset - r.firstOffset, 0), damage,
  }))
  const dir: LogDirHealth = { dir: dataDir, status: damaged.length > 0 ? 'damaged' : 'ok', damagedPartitions: listed }
  return { ...(damaged.length > 0 && !draining ? { status: 'degraded' as const } : {}), logDirs: [dir], damagedPartitionCount: damaged.length }
}
