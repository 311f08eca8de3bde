// An in-memory `__consumer_offsets` partition for tests of group shards (group-shard.ts): the
// leader's log (every batch sent, with its offsets), and each append's outcome held until the test
// commits or fails it (or committed on the next turn with autoCommit). An append committing moves
// the high watermark past it, and so commits everything before it too (an uncommitted tail the
// partition started with included). successor() gives the partition a new leader would hold: every
// batch below the high watermark, then whichever others the test keeps, as an uncommitted tail.
import { decodeBatches, ErrorCode, FaecieError } from '@faecie/protocol'
import type { OffsetsPartitionHost } from './group-shard.js'

export interface SentAppend {
  /** 1, 2, ... in the order sent. */
  seq: number
  baseOffset: number
  bytes: Uint8Array
  state: 'pending' | 'committed' | 'failed'
  commit(): void
  fail(err?: Error): void
}

export class MemoryOffsetsHost implements OffsetsPartitionHost {
  readonly log: { baseOffset: number; endOffset: number; bytes: Uint8Array; append?: SentAppend }[] = []
  readonly appends: SentAppend[] = []
  #logEndOffset = 0
  #highWatermark = 0
  /** Commit every append on the next turn of the event loop's microtasks. */
  autoCommit = false
  /** Batches one read returns at most. */
  readBatchesMax = 1_000
  /** When set, reads reject with it. */
  readError: Error | undefined
  reads = 0

  /** A partition holding `batches`, all committed, then `uncommittedTail` (a former leader's, not yet committed). */
  constructor(batches: readonly Uint8Array[] = [], uncommittedTail: readonly Uint8Array[] = []) {
    for (const bytes of batches) this.#put(bytes)
    this.#highWatermark = this.#logEndOffset
    for (const bytes of uncommittedTail) this.#put(bytes)
  }

  get logEndOffset(): number {
    return this.#logEndOffset
  }

  get highWatermark(): number {
    return this.#highWatermark
  }

  /** Whether everything the partition started with is committed (a shard read it all at its load). */
  get startCommitted(): boolean {
    const fromBefore = this.log.filter((b) => b.append === undefined)
    return fromBefore.length === 0 || fromBefore[fromBefore.length - 1]!.endOffset <= this.#highWatermark
  }

  async read(fromOffset: number): Promise<{ bytes: Uint8Array; nextOffset: number; logEndOffset: number }> {
    this.reads++
    if (this.readError !== undefined) throw this.readError
    const found = this.log.filter((b) => b.baseOffset + recordCount(b.bytes) > fromOffset).slice(0, this.readBatchesMax)
    const bytes = Buffer.concat(found.map((b) => b.bytes))
    const last = found[found.length - 1]
    const nextOffset = last === undefined ? fromOffset : last.baseOffset + recordCount(last.bytes)
    return { bytes: new Uint8Array(bytes), nextOffset, logEndOffset: this.#logEndOffset }
  }

  append(batch: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const sent: SentAppend = {
        seq: this.appends.length + 1, baseOffset: -1, bytes: batch, state: 'pending',
        commit: () => {
          if (sent.state !== 'pending') return
          sent.state = 'committed'
          this.#highWatermark = Math.max(this.#highWatermark, this.log.find((b) => b.append === sent)!.endOffset)
          resolve()
        },
        fail: (err) => {
          if (sent.state !== 'pending') return
          sent.state = 'failed'
          reject(err ?? new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `append ${sent.seq} failed (test)`))
        },
      }
      sent.baseOffset = this.#put(batch, sent)
      this.appends.push(sent)
      if (this.autoCommit) queueMicrotask(() => sent.commit())
    })
  }

  pending(): SentAppend[] {
    return this.appends.filter((a) => a.state === 'pending')
  }

  commitAll(): void {
    for (const a of this.pending()) a.commit()
  }

  /** The batches below the high watermark (committed). */
  committed(): Uint8Array[] {
    return this.log.filter((b) => b.endOffset <= this.#highWatermark).map((b) => b.bytes)
  }

  /**
   * The partition a new leader holds: the committed batches, then the uncommitted ones `keep` picks
   * (sent by this leader, or an uncommitted tail it started with: append undefined), uncommitted there.
   */
  successor(keep: (a: SentAppend | undefined) => boolean = () => false): MemoryOffsetsHost {
    const tail = this.log.filter((b) => b.endOffset > this.#highWatermark && keep(b.append)).map((b) => b.bytes)
    return new MemoryOffsetsHost(this.committed(), tail)
  }

  #put(bytes: Uint8Array, append?: SentAppend): number {
    const copy = new Uint8Array(bytes)
    const baseOffset = this.#logEndOffset
    new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setBigInt64(0, BigInt(baseOffset))
    this.#logEndOffset += recordCount(copy)
    this.log.push({ baseOffset, endOffset: this.#logEndOffset, bytes: copy, ...(append === undefined ? {} : { append }) })
    return baseOffset
  }
}

function recordCount(batch: Uint8Array): number {
  let count = 0
  for (const b of decodeBatches(batch)) count += b.header.lastOffsetDelta + 1
  return count
}
