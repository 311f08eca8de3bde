// A chunk's records (one fetch answer or push: whole RecordBatch v2 batches back to back), read
// lazily. On arrival only the batch headers are read and every batch's CRC checked (scan()): that
// gives where to read next, how many records there are at or after the offset asked for, and the
// first and last of their offsets, without reading a record. Records are read when the application
// asks: `messages()` makes one object per record, once, and keeps them; `records()` and `forEach()`
// walk them with one RecordView (a flyweight moved from record to record) whose key, value and
// headers are made only when read. A compressed batch is decompressed when its records are first
// read, once.
//
// Counting from headers: a batch whose recordsCount is lastOffsetDelta + 1 (every batch a producer
// writes) holds the offsets baseOffset..baseOffset + lastOffsetDelta; one with gaps (compacted) is
// read at scan() to count and find its offsets. Control batches (transaction markers) hold no data.
//
// A record that does not parse (the CRC matched, so its producer wrote it so) is met when read: the
// walk throws CORRUPT_MESSAGE there, `messages()` returns the messages before it, and `error` keeps
// it, so the consumer neither hands out nor commits anything past it (consumer.ts, run.ts).
import {
  BatchField,
  Attribute,
  FaecieError,
  type OpenBatch,
  type RecordFields,
  bytesAt,
  checkBatch,
  corruptMessage,
  openBatch,
  readInt64,
  readRecordAt,
  readRecordHeaders,
  recordFields,
} from '@faecie/protocol'
import type { ConsumedHeaders, ConsumedMessage } from './message.js'

/** One record of a batch, read on demand. Moves on with the walk: read it, or keep toMessage(). */
export class RecordView {
  readonly topic: string
  readonly partition: number
  /** @internal The bytes the fields point into (a batch's payload, decompressed if it was). */
  data: Uint8Array = new Uint8Array(0)
  /** @internal */
  readonly fields: RecordFields = recordFields()

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }

  get offset(): number {
    return this.fields.offset
  }

  get timestamp(): number {
    return this.fields.timestamp
  }

  /** A view into the received bytes (no copy); null for a null key. */
  get key(): Uint8Array | null {
    return bytesAt(this.data, this.fields.keyStart, this.fields.keyLength)
  }

  get value(): Uint8Array | null {
    return bytesAt(this.data, this.fields.valueStart, this.fields.valueLength)
  }

  /** Bytes of the key (0 when null), without making a view. */
  get keySizeBytes(): number {
    return Math.max(0, this.fields.keyLength)
  }

  get valueSizeBytes(): number {
    return Math.max(0, this.fields.valueLength)
  }

  /** kafkajs's shape, as ConsumedMessage's. */
  get headers(): ConsumedHeaders {
    const headers: ConsumedHeaders = {}
    if (this.fields.headerCount === 0) return headers
    for (const header of readRecordHeaders(this.data, this.fields)) {
      const existing = headers[header.key]
      if (existing === undefined) headers[header.key] = header.value
      else if (Array.isArray(existing)) existing.push(header.value)
      else headers[header.key] = [existing, header.value]
    }
    return headers
  }

  /** The record as a message of its own (what `batch.messages` holds), to keep past the walk. */
  toMessage(): ConsumedMessage {
    return { topic: this.topic, partition: this.partition, offset: this.offset, timestamp: this.timestamp, key: this.key, value: this.value, headers: this.headers }
  }
}

export class RecordSet {
  readonly topic: string
  readonly partition: number
  readonly bytes: Uint8Array
  /** Records below it are passed over (a batch may start before the offset asked for). */
  fromOffset: number
  /** The offset after the last batch: where to read next. */
  readonly nextOffset: number
  /** Records at or after fromOffset; after a corrupt record is met, those before it. */
  count = 0
  /** The first and last offsets of those records (-1 when there are none). */
  firstOffset = -1
  lastOffset = -1
  /** The record that did not parse, once met. */
  error: FaecieError | undefined
  /** Byte positions of the batches holding records at or after fromOffset, and each one opened. */
  private readonly starts: number[] = []
  private readonly opened: Array<OpenBatch | undefined> = []
  private messageList: ConsumedMessage[] | undefined

  /** Reads the headers and checks the CRC of every batch of `bytes`; throws CORRUPT_MESSAGE. */
  constructor(topic: string, partition: number, bytes: Uint8Array, fromOffset: number) {
    this.topic = topic
    this.partition = partition
    this.bytes = bytes
    this.fromOffset = fromOffset
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    let next = fromOffset
    for (let pos = 0; pos < bytes.length;) {
      const check = checkBatch(bytes, pos, bytes.length, true)
      if (!check.ok) throw corruptMessage(`${check.problem} (batch at byte ${pos})`)
      const base = readInt64(dv, pos)
      const lastDelta = dv.getInt32(pos + BatchField.lastOffsetDelta)
      const recordsCount = dv.getInt32(pos + BatchField.recordsCount)
      const control = (dv.getInt16(pos + BatchField.attributes) & Attribute.control) !== 0
      const end = base + lastDelta + 1
      if (end > next) next = end
      if (!control && recordsCount > 0 && end > fromOffset) this.addBatch(pos, base, lastDelta, recordsCount)
      pos += check.size
    }
    this.nextOffset = next
  }

  private addBatch(pos: number, base: number, lastDelta: number, recordsCount: number): void {
    const index = this.starts.length
    this.starts.push(pos)
    this.opened.push(undefined)
    if (recordsCount === lastDelta + 1) {
      const first = Math.max(base, this.fromOffset)
      this.count += base + lastDelta - first + 1
      if (this.firstOffset < 0) this.firstOffset = first
      this.lastOffset = base + lastDelta
      return
    }
    // Gaps in the offsets (compaction): count them by reading the offsets.
    const open = this.open(index)
    const fields = recordFields()
    let at = open.dataStart
    for (let i = 0; i < recordsCount; i++) {
      readRecordAt(open, at, fields)
      at = fields.end
      if (fields.offset < this.fromOffset) continue
      this.count++
      if (this.firstOffset < 0) this.firstOffset = fields.offset
      this.lastOffset = fields.offset
    }
  }

  private open(index: number): OpenBatch {
    let open = this.opened[index]
    if (open === undefined) {
      const pos = this.starts[index]!
      open = openBatch(this.bytes, pos, this.bytes.length, { verifyCrc: false })
      this.opened[index] = open
    }
    return open
  }

  /** @internal The batch of records at `index` (opened once: decompressed, if it was, once). */
  openAt(index: number): OpenBatch | undefined {
    return index < this.starts.length ? this.open(index) : undefined
  }

  /** @internal A corrupt record was met after `lastGood` (-1: none): keep the error, say where to read again. */
  noteCorrupt(err: FaecieError, lastGood: number): void {
    this.error ??= err
    if (this.resumeOffset < 0) this.resumeOffset = lastGood < 0 ? this.fromOffset : lastGood + 1
  }

  /** Where reading should start again after a corrupt record: the offset after the last good one. */
  resumeOffset = -1

  /** Calls `each` with every record at or after fromOffset (one RecordView, moved on); throws at a corrupt one. */
  walk(each: (record: RecordView) => void): void {
    const cursor = new RecordCursor(this)
    while (cursor.step()) each(cursor.view)
  }

  /** One message per record, made on the first call and kept; with `error`, those before it. */
  messages(): ConsumedMessage[] {
    if (this.messageList !== undefined) return this.messageList
    const list: ConsumedMessage[] = []
    try {
      this.walk((record) => list.push(record.toMessage()))
    } catch (err) {
      if (err !== this.error) throw err // not a record that did not parse
      this.count = list.length
    }
    this.messageList = list
    return list
  }

  /** Drops the first `n` messages (already handed out one by one: messages() was called). */
  dropFirst(n: number): void {
    if (n <= 0) return
    const rest = this.messages().slice(n)
    this.messageList = rest
    this.count = rest.length
    if (rest.length > 0) this.fromOffset = this.firstOffset = rest[0]!.offset
  }
}

/**
 * Steps a RecordView through a RecordSet's records at or after its fromOffset; also an iterator
 * (for...of), whose result object is reused as the view is: no object per record.
 */
export class RecordCursor implements IterableIterator<RecordView> {
  readonly view: RecordView
  private readonly set: RecordSet
  private batch = -1
  private open: OpenBatch | undefined
  private at = 0
  private left = 0
  private lastGood = -1
  private readonly result: { done: boolean; value: RecordView | undefined } = { done: false, value: undefined }

  constructor(set: RecordSet) {
    this.set = set
    this.view = new RecordView(set.topic, set.partition)
  }

  /** Moves the view to the next record; false at the end. Throws CORRUPT_MESSAGE at a record that does not parse. */
  step(): boolean {
    try {
      const fields = this.view.fields
      for (;;) {
        while (this.left > 0) {
          this.left--
          readRecordAt(this.open!, this.at, fields)
          this.at = fields.end
          if (fields.offset < this.set.fromOffset) continue
          this.lastGood = fields.offset
          return true
        }
        if (this.open !== undefined && this.at !== this.open.dataEnd) throw corruptMessage(`${this.open.dataEnd - this.at} bytes left after the last record`)
        this.open = this.set.openAt(++this.batch)
        if (this.open === undefined) return false
        this.view.data = this.open.data
        this.at = this.open.dataStart
        this.left = this.open.batch.header.recordsCount
      }
    } catch (err) {
      this.left = 0
      this.open = undefined
      this.batch = Infinity
      if (!(err instanceof FaecieError)) throw err
      this.set.noteCorrupt(err, this.lastGood)
      throw this.set.error // the first met: the same error however often the records are walked
    }
  }

  next(): IteratorResult<RecordView> {
    const more = this.step()
    this.result.done = !more
    this.result.value = more ? this.view : undefined
    return this.result as IteratorResult<RecordView>
  }

  [Symbol.iterator](): RecordCursor {
    return this
  }
}
