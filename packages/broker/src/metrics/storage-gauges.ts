// The storage health series of /metrics: writes the disk refused (full, I/O errors, read-only:
// partition/storage-fault.ts) and the partitions degraded by them now; partitions whose logs lost
// offsets (storage/damage.ts), how many offsets they lost, and the repairs that moved past them. Read from what the partition manager
// last heard from each partition at scrape time; one series per broker (its one log directory), so
// cardinality stays fixed.
import { Counter, Gauge, type Registry } from 'prom-client'
import type { PartitionManager } from '../partition/partition-manager.js'

/**
 * A counter that follows a running total kept elsewhere (the partition manager's): at each scrape it
 * catches up with the total, so the series only ever rises.
 */
export function totalCounter(registers: Registry[], name: string, help: string, total: () => number): void {
  let reported = 0
  new Counter({
    name, help, registers,
    collect() {
      const now = total()
      if (now > reported) this.inc(now - reported)
      reported = now
    },
  })
}

export function registerStorageGauges(registers: Registry[], partitions: PartitionManager): void {
  totalCounter(registers, 'faecie_storage_errors_total', 'Writes the disk refused (ENOSPC, EIO, EROFS, ...), all partitions together.',
    () => partitions.storageErrorsTotal)
  new Gauge({
    name: 'faecie_partitions_storage_degraded', help: 'Partitions whose disk refuses writes now: they serve reads, refuse produces with KAFKA_STORAGE_ERROR and retry.',
    registers, collect() { this.set(partitions.storageFaults().length) },
  })
  totalCounter(registers, 'faecie_partition_repairs_total', 'Repairs that moved a damaged partition past its damage (faecie partitions repair).',
    () => partitions.repairs.total)
  totalCounter(registers, 'faecie_partition_repair_offsets_skipped_total', 'Offsets the repairs moved log starts past, all partitions together.',
    () => partitions.repairs.offsetsSkipped)
  new Gauge({
    name: 'faecie_partitions_damaged', help: 'Partitions whose log lost offsets to damaged or missing files (reads crossing them get LOG_DAMAGED).',
    registers, collect() { this.set(partitions.damagedPartitions().length) },
  })
  new Gauge({
    name: 'faecie_log_damaged_offsets', help: 'Offsets lost to damage, all partitions together.',
    registers,
    collect() {
      let lost = 0
      for (const { damage } of partitions.damagedPartitions()) for (const r of damage) lost += r.resumeOffset - r.firstOffset
      this.set(lost)
    },
  })
}
