// Walks the batch headers of a segment's .log, from a position the offset index gave, without
// reading records: the short scans behind reads by offset and by timestamp, truncation, and the
// cheap tail check of a clean start (recovery reads whole batches to check CRCs: recovery.ts); and
// the same walk over bytes already read, to end a read on a whole batch.
//
// It reads the file in chunks into one scratch buffer shared by every cursor of the thread: the
// storage engine is synchronous, so a chunk is never read while another cursor is half way through
// one; a cursor that finds the scratch refilled by another simply reads its chunk again.
//
// The headers come from disk, so they are checked, never asserted: a header that does not hold
// together (length, magic, offsets) is a KAFKA_STORAGE_ERROR for the caller.
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, MAGIC_V2, readInt64 } from '@faecie/protocol'
import type { Disk, Fd } from './disk.js'
import { storageCorrupt } from './errors.js'
import type { FilePosition } from './log-api.js'

const SCRATCH_BYTES = 64 * 1024
const scratch = new Uint8Array(SCRATCH_BYTES)
const scratchView = new DataView(scratch.buffer)
/** Bumped whenever a cursor refills the scratch, so that other cursors know their chunk is gone. */
let scratchGeneration = 0

export class BatchCursor {
  /** The current batch: where it starts, how long it is, its offsets and largest timestamp. */
  position = 0 as FilePosition
  sizeBytes = 0
  baseOffset = 0
  lastOffset = 0
  maxTimestampMs = 0

  readonly #disk: Disk
  readonly #fd: Fd
  readonly #end: number
  readonly #what: string
  #next: number
  #chunkStart = 0
  #chunkEnd = 0
  #generation = -1

  /** Walks [start, end) of the file; `what` names the file in errors. */
  constructor(disk: Disk, fd: Fd, start: number, end: number, what: string) {
    this.#disk = disk
    this.#fd = fd
    this.#next = start
    this.#end = end
    this.#what = what
  }

  /** The position after the current batch: where the next one starts. */
  get nextPosition(): number {
    return this.#next
  }

  /** Moves to the next batch; false at the end. Throws KAFKA_STORAGE_ERROR on a bad header. */
  next(): boolean {
    const pos = this.#next
    if (pos >= this.#end) return false
    if (this.#generation !== scratchGeneration || pos < this.#chunkStart || pos + BATCH_HEADER_BYTES > this.#chunkEnd) {
      this.#refill(pos)
    }
    const at = pos - this.#chunkStart
    const size = scratchView.getInt32(at + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    const magic = scratchView.getInt8(at + BatchField.magic)
    const lastOffsetDelta = scratchView.getInt32(at + BatchField.lastOffsetDelta)
    const baseOffset = readInt64(scratchView, at + BatchField.baseOffset)
    if (size < BATCH_HEADER_BYTES || pos + size > this.#end || magic !== MAGIC_V2 || lastOffsetDelta < 0 || baseOffset < 0) {
      throw storageCorrupt(`${this.#what}: no valid batch header at position ${pos} (size ${size}, magic ${magic})`)
    }
    this.position = pos as FilePosition
    this.sizeBytes = size
    this.baseOffset = baseOffset
    this.lastOffset = baseOffset + lastOffsetDelta
    this.maxTimestampMs = readInt64(scratchView, at + BatchField.maxTimestamp)
    this.#next = pos + size
    return true
  }

  #refill(pos: number): void {
    const length = Math.min(SCRATCH_BYTES, this.#end - pos)
    const read = length < BATCH_HEADER_BYTES ? 0 : this.#disk.pread(this.#fd, scratch, 0, length, pos)
    if (read < BATCH_HEADER_BYTES) {
      throw storageCorrupt(`${this.#what}: a batch header at position ${pos} is cut short by the end of the file`)
    }
    this.#chunkStart = pos
    this.#chunkEnd = pos + read
    this.#generation = ++scratchGeneration
  }
}

/** How many bytes of `bytes` are whole batches starting below `endOffset`. The first must be whole. */
export function wholeBatchesBefore(bytes: Uint8Array, endOffset: number, what: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  while (bytes.length - pos >= BATCH_HEADER_BYTES) {
    const size = dv.getInt32(pos + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
    if (size < BATCH_HEADER_BYTES) throw storageCorrupt(`${what}: bad batch length at a read`)
    if (size > bytes.length - pos || readInt64(dv, pos + BatchField.baseOffset) >= endOffset) break
    pos += size
  }
  if (pos === 0) throw storageCorrupt(`${what}: the first batch of a read is cut short`)
  return pos
}
