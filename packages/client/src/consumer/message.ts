// The consumer's message, and the eager decoding of a fetch answer or push into messages (the
// consumer reads lazily now, records.ts; this stays as the reference its tests compare with, and
// nextOffsetOf serves fetch.ts's read-ahead): whole batches come back, so records below the offset
// asked for are skipped; control batches carry no data. Keys,
// values and header values are Uint8Array views into the received frame (no copy); `text()` helpers
// in the README show how to read them as strings.
import { type BatchInfo, checkBatch, lastOffsetOf, scanBatches } from '@faecie/protocol'

export type ConsumedHeaders = Record<string, Uint8Array | null | Array<Uint8Array | null>>

export interface ConsumedMessage {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Uint8Array | null
  value: Uint8Array | null
  /** kafkajs's shape: a repeated key holds an array of its values, in order. */
  headers: ConsumedHeaders
}

export interface DecodedChunk {
  messages: ConsumedMessage[]
  /** The offset after the last batch: where to read next. */
  nextOffset: number
}

/**
 * Decodes whole batches into messages at or after `fromOffset`. Throws CORRUPT_MESSAGE and the like.
 * One pass over the bytes, one object per message (no intermediate record objects).
 */
export function decodeMessages(topic: string, partition: number, records: Uint8Array, fromOffset: number): DecodedChunk {
  const messages: ConsumedMessage[] = []
  let nextOffset = fromOffset
  const onBatch = (batch: BatchInfo): boolean => {
    const end = batch.header.baseOffset + batch.header.lastOffsetDelta + 1
    if (end > nextOffset) nextOffset = end
    // Control batches carry no data; a batch wholly below the offset asked for is skipped unread.
    return !batch.control && end > fromOffset
  }
  scanBatches(records, 0, records.length, {}, onBatch, (offset, timestamp, key, value, recordHeaders) => {
    if (offset < fromOffset) return
    const headers: ConsumedHeaders = {}
    for (let h = 0; h < recordHeaders.length; h++) {
      const header = recordHeaders[h]!
      const existing = headers[header.key]
      if (existing === undefined) headers[header.key] = header.value
      else if (Array.isArray(existing)) existing.push(header.value)
      else headers[header.key] = [existing, header.value]
    }
    messages.push({ topic, partition, offset, timestamp, key, value, headers })
  })
  return { messages, nextOffset }
}

/**
 * The offset after the last batch of `records` (what decodeMessages will report as nextOffset),
 * read from the batch headers alone; undefined when the bytes are not whole batches (decoding will
 * say what is wrong).
 */
export function nextOffsetOf(records: Uint8Array, fromOffset: number): number | undefined {
  let next = fromOffset
  let pos = 0
  while (pos < records.length) {
    const check = checkBatch(records, pos, records.length, false)
    if (!check.ok) return undefined
    next = Math.max(next, lastOffsetOf(records, pos) + 1)
    pos += check.size
  }
  return next
}
