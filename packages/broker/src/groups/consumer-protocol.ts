// Kafka's ConsumerProtocol: the bytes Kafka's consumers put in a classic group's JoinGroup metadata
// (ConsumerProtocolSubscription, v0-3) and SyncGroup assignments (ConsumerProtocolAssignment, v0-3),
// as kafka-clients' common/message/ConsumerProtocol{Subscription,Assignment}.json define them. The
// broker reads them only to show a classic group (subscribed topics, assignments, lag) and keep the
// offsets of subscribed topics; a client's garbage decodes to undefined, never throws.
//
// Classic (non-flexible) encoding, big-endian, the version first:
//
//   Subscription := version:int16 topics:[string] userData:bytes?
//                   (v1+) ownedPartitions:[topic:string partitions:[int32]]
//                   (v2+) generationId:int32   (v3+) rackId:string?
//   Assignment   := version:int16 assignedPartitions:[topic:string partitions:[int32]] userData:bytes?
//
//   [x]     int32 count, then the items (-1 is null: refused here, none of these arrays is nullable)
//   string  int16 length, then UTF-8 (-1: null, for the nullable rackId only)
//   bytes   int32 length, then the bytes (-1: null)
//
// A version above 3 is read as v3, as Kafka does (later versions only append fields), and bytes after
// the last known field are ignored. Every count is checked against the bytes left before anything is
// allocated for it, so a forged count cannot make the broker allocate more than the input's size.
//
// The encoders write v0 (Kafka's DescribeGroups shows members this way for groups whose bytes the
// broker does not keep, faecie's own groups among them).

export interface ConsumerSubscription {
  topics: string[]
  userData: Uint8Array | null
  /** v1+. */
  ownedPartitions: Array<{ topic: string; partitions: number[] }>
  /** v2+; -1 before. */
  generationId: number
  /** v3+. */
  rackId: string | null
}

export interface ConsumerAssignment {
  assignedPartitions: Array<{ topic: string; partitions: number[] }>
  userData: Uint8Array | null
}

/** The newest version of either message this codec knows; newer ones are read as this one. */
export const CONSUMER_PROTOCOL_VERSION_MAX = 3

/** Thrown inside the reader only; the decoders turn it into undefined. */
class Malformed extends Error {}

class Reader {
  private position = 0
  private readonly view: DataView
  private static readonly utf8 = new TextDecoder('utf-8', { fatal: true })

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(count: number): void {
    if (count < 0 || this.position + count > this.bytes.byteLength) throw new Malformed()
  }

  int16(): number { this.need(2); const v = this.view.getInt16(this.position); this.position += 2; return v }
  int32(): number { this.need(4); const v = this.view.getInt32(this.position); this.position += 4; return v }

  nullableString(): string | null {
    const length = this.int16()
    if (length === -1) return null
    this.need(length)
    let text: string
    try {
      text = Reader.utf8.decode(this.bytes.subarray(this.position, this.position + length))
    } catch {
      throw new Malformed()
    }
    this.position += length
    return text
  }

  string(): string {
    const text = this.nullableString()
    if (text === null) throw new Malformed()
    return text
  }

  nullableBytes(): Uint8Array | null {
    const length = this.int32()
    if (length === -1) return null
    this.need(length)
    const copy = this.bytes.slice(this.position, this.position + length)
    this.position += length
    return copy
  }

  /** An array whose items take at least itemBytesMin each: a count the bytes left cannot hold is refused before any allocation. */
  array<T>(itemBytesMin: number, item: () => T): T[] {
    const count = this.int32()
    if (count < 0) throw new Malformed()
    this.need(count * itemBytesMin)
    const items: T[] = []
    for (let i = 0; i < count; i++) items.push(item())
    return items
  }

  topicPartitions(): Array<{ topic: string; partitions: number[] }> {
    return this.array(2 + 4, () => ({ topic: this.string(), partitions: this.array(4, () => this.int32()) }))
  }
}

function decodeWith<T>(bytes: Uint8Array, read: (reader: Reader, version: number) => T): T | undefined {
  try {
    const reader = new Reader(bytes)
    const version = reader.int16()
    if (version < 0) return undefined
    return read(reader, Math.min(version, CONSUMER_PROTOCOL_VERSION_MAX))
  } catch (err) {
    if (err instanceof Malformed) return undefined
    throw err
  }
}

export function decodeConsumerSubscription(bytes: Uint8Array): ConsumerSubscription | undefined {
  return decodeWith(bytes, (r, version) => {
    const topics = r.array(2, () => r.string())
    const userData = r.nullableBytes()
    const ownedPartitions = version >= 1 ? r.topicPartitions() : []
    const generationId = version >= 2 ? r.int32() : -1
    const rackId = version >= 3 ? r.nullableString() : null
    return { topics, userData, ownedPartitions, generationId, rackId }
  })
}

export function decodeConsumerAssignment(bytes: Uint8Array): ConsumerAssignment | undefined {
  return decodeWith(bytes, (r) => {
    const assignedPartitions = r.topicPartitions()
    const userData = r.nullableBytes()
    return { assignedPartitions, userData }
  })
}

class Writer {
  private readonly chunks: Uint8Array[] = []
  private length = 0

  private push(chunk: Uint8Array): void { this.chunks.push(chunk); this.length += chunk.byteLength }
  int16(v: number): void { const b = new Uint8Array(2); new DataView(b.buffer).setInt16(0, v); this.push(b) }
  int32(v: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v); this.push(b) }

  string(text: string): void {
    const utf8 = new TextEncoder().encode(text)
    if (utf8.byteLength > 0x7fff) throw new RangeError(`a string of ${utf8.byteLength} bytes does not fit an int16 length`)
    this.int16(utf8.byteLength)
    this.push(utf8)
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length)
    let at = 0
    for (const chunk of this.chunks) { out.set(chunk, at); at += chunk.byteLength }
    return out
  }
}

/** A v0 ConsumerProtocolSubscription of these topics, with null user data. */
export function encodeConsumerSubscription(topics: readonly string[]): Uint8Array {
  const w = new Writer()
  w.int16(0)
  w.int32(topics.length)
  for (const topic of topics) w.string(topic)
  w.int32(-1)
  return w.bytes()
}

/** A v0 ConsumerProtocolAssignment of these partitions, with null user data. */
export function encodeConsumerAssignment(assigned: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): Uint8Array {
  const w = new Writer()
  w.int16(0)
  w.int32(assigned.length)
  for (const { topic, partitions } of assigned) {
    w.string(topic)
    w.int32(partitions.length)
    for (const p of partitions) w.int32(p)
  }
  w.int32(-1)
  return w.bytes()
}
