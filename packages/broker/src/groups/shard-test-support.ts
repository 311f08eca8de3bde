// An in-memory `__consumer_offsets` partition for tests of group shards (group-shard.ts): the
// leader's log (every batch sent, with its offsets), and each append's outcome held until the test
// commits or fails it (or committed on the next turn with autoCommit). survivors() gives the log a
// new leader would hold: every committed batch plus whichever uncommitted ones the test keeps.
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
  readonly log: { baseOffset: number; bytes: Uint8Array; append?: SentAppend }[] = []
  readonly appends: SentAppend[] = []
  #logEndOffset = 0
  /** Commit every append on the next turn of the event loop's microtasks. */
  autoCommit = false
  /** Batches one read returns at most. */
  readBatchesMax = 1_000
  /** When set, reads reject with it. */
  readError: Error | undefined
  reads = 0

  /** A partition holding `batches`, all committed. */
  constructor(batches: readonly Uint8Array[] = []) {
    for (const bytes of batches) this.#put(bytes)
  }

  get logEndOffset(): number {
    return this.#logEndOffset
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

  /** The batches a new leader holds: the committed ones (and those read at the start) plus the uncommitted ones `keep` picks. */
  survivors(keep: (a: SentAppend) => boolean = () => false): Uint8Array[] {
    return this.log.filter((b) => b.append === undefined || b.append.state === 'committed' || keep(b.append)).map((b) => b.bytes)
  }

  #put(bytes: Uint8Array, append?: SentAppend): number {
    const copy = new Uint8Array(bytes)
    const baseOffset = this.#logEndOffset
    new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setBigInt64(0, BigInt(baseOffset))
    this.log.push({ baseOffset, bytes: copy, ...(append === undefined ? {} : { append }) })
    this.#logEndOffset += recordCount(copy)
    return baseOffset
  }
}

function recordCount(batch: Uint8Array): number {
  let count = 0
  for (const b of decodeBatches(batch)) count += b.header.lastOffsetDelta + 1
  return count
}
