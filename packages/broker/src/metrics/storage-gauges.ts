// The storage health series of /metrics: partitions whose logs lost offsets (storage/damage.ts), and
// how many offsets they lost. Read from what the partition manager last heard from each partition at
// scrape time; one series per broker (its one log directory), so cardinality stays fixed.
import { Gauge, type Registry } from 'prom-client'
import type { PartitionManager } from '../partition/partition-manager.js'

export function registerStorageGauges(registers: Registry[], partitions: PartitionManager): void {
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
