// The consumer's message, and the decoding of a fetch answer or push into messages: whole batches
// come back, so records below the offset asked for are skipped; control batches carry no data. Keys,
// values and header values are Uint8Array views into the received frame (no copy); `text()` helpers
// in the README show how to read them as strings.
import { decodeBatches } from '@faecie/protocol'

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

/** Decodes whole batches into messages at or after `fromOffset`. Throws CORRUPT_MESSAGE and the like. */
export function decodeMessages(topic: string, partition: number, records: Uint8Array, fromOffset: number): DecodedChunk {
  const messages: ConsumedMessage[] = []
  let nextOffset = fromOffset
  for (const batch of decodeBatches(records)) {
    const end = batch.header.baseOffset + batch.header.lastOffsetDelta + 1
    if (end > nextOffset) nextOffset = end
    if (batch.control) continue
    for (const record of batch.records) {
      if (record.offset < fromOffset) continue
      const headers: ConsumedHeaders = {}
      for (const header of record.headers) {
        const existing = headers[header.key]
        if (existing === undefined) headers[header.key] = header.value
        else if (Array.isArray(existing)) existing.push(header.value)
        else headers[header.key] = [existing, header.value]
      }
      messages.push({ topic, partition, offset: record.offset, timestamp: record.timestamp, key: record.key, value: record.value, headers })
    }
  }
  return { messages, nextOffset }
}
