// What a PartitionManager (partition-manager.ts) knows of the health of its partitions (main
// thread), for /health and /metrics: the offsets each damaged partition lost (storage/damage.ts), as
// it last reported them; the partitions whose disk refuses writes (storage-fault.ts) and how many
// writes were refused; the operators' repairs that skipped offsets. And the background check that
// finds damage: the closed segments of every partition opened are verified off-thread at a capped
// rate (closed-segment-checks.ts), and a segment that fails is scanned by its actor (`checkSegment`).
import type { Logger } from '../log.js'
import type { DamageRange } from '../storage/damage.js'
import { SegmentVerifier } from '../tasks/segment-verifier.js'
import type { TaskPool } from '../tasks/task-pool.js'
import { ClosedSegmentChecks } from './closed-segment-checks.js'
import type { FromWorker, PartitionKey, PartitionOffsets } from './messages.js'

export interface PartitionHealthOptions {
  logger: Logger
  /** Checks closed segments; by default one on `taskPool()`; `false` turns verification off. */
  verifier: SegmentVerifier | false | undefined
  /** The background check's pace: closed-segment bytes verified per second at most. */
  segmentVerifyBytesPerSecondMax: number
  taskPool(): TaskPool
  /** Asks a partition's actor to scan a closed segment the check found bad; undefined when it is gone. */
  checkSegment(key: PartitionKey, baseOffset: number): Promise<unknown> | undefined
}

export class PartitionHealth {
  readonly #options: PartitionHealthOptions
  /** Partitions whose disk refuses writes, as they last reported. */
  readonly #storageFaults = new Map<PartitionKey, { cause: string; sinceMs: number }>()
  #storageErrorsTotal = 0
  /** Repairs that skipped offsets, and how many they skipped (metrics). */
  readonly repairs = { total: 0, offsetsSkipped: 0 }
  /** Partitions whose logs lost offsets, as they last reported. */
  readonly #damaged = new Map<PartitionKey, DamageRange[]>()
  #checks: ClosedSegmentChecks | undefined

  constructor(options: PartitionHealthOptions) {
    this.#options = options
  }

  /** The damaged partitions, with the offsets each lost. */
  damagedPartitions(): { key: PartitionKey; damage: DamageRange[] }[] {
    return [...this.#damaged].map(([key, damage]) => ({ key, damage }))
  }

  /** Partitions whose disk refuses writes, with the cause. */
  storageFaults(): { key: PartitionKey; cause: string; sinceMs: number }[] {
    return [...this.#storageFaults].map(([key, fault]) => ({ key, ...fault }))
  }

  get storageErrorsTotal(): number {
    return this.#storageErrorsTotal
  }

  /** Records what a partition's offsets say about damage. */
  noteDamage(key: PartitionKey, offsets: Pick<PartitionOffsets, 'damage'>): void {
    if (offsets.damage !== undefined && offsets.damage.length > 0) {
      if (!this.#damaged.has(key)) this.#options.logger.error({ partition: key, damage: offsets.damage }, 'partition is damaged')
      this.#damaged.set(key, offsets.damage)
    } else this.#damaged.delete(key)
  }

  /** A partition's disk started or stopped refusing writes. */
  noteStorage(message: Extract<FromWorker, { type: 'storage' }>): void {
    this.#storageErrorsTotal += message.errors
    if (message.error === null) {
      if (this.#storageFaults.delete(message.key)) this.#options.logger.info({ partition: message.key }, 'partition writable again')
    } else this.#storageFaults.set(message.key, message.error)
  }

  /** A repair skipped `offsetsSkipped` offsets (counted when any). */
  noteRepair(key: PartitionKey, result: { logStartOffset: number; offsetsSkipped: number }): void {
    if (result.offsetsSkipped <= 0) return
    this.repairs.total++
    this.repairs.offsetsSkipped += result.offsetsSkipped
    this.#options.logger.warn({ partition: key, logStartOffset: result.logStartOffset,
      offsetsSkipped: result.offsetsSkipped }, 'partition repaired with data loss accepted')
  }

  /** A partition closed or was deleted: what it reported goes. */
  forget(key: PartitionKey): void {
    this.#damaged.delete(key)
    this.#storageFaults.delete(key)
  }

  /** Queues the closed segments of a partition just opened in `dir` for the background check. */
  verify(key: PartitionKey, dir: string): void {
    if (this.#options.verifier === false) return
    if (this.#checks === undefined) {
      const logger = this.#options.logger
      const verifier = this.#options.verifier ?? new SegmentVerifier({ logger, pool: this.#options.taskPool() })
      this.#checks = new ClosedSegmentChecks({
        verify: (segment) => verifier.verifySegment(segment),
        bytesPerSecondMax: this.#options.segmentVerifyBytesPerSecondMax,
        logger,
        onDamaged: (damagedKey, baseOffset) => {
          // The actor scans the segment and records what it lost (it may have gone meanwhile).
          const placed = this.#options.checkSegment(damagedKey, baseOffset)
          placed?.catch((err: unknown) => logger.warn({ err, partition: damagedKey, baseOffset }, 'damaged segment not checked'))
        },
      })
    }
    this.#checks.enqueue(key, dir)
  }

  /** Stops the background check. */
  close(): void {
    this.#checks?.close()
  }
}
