// What a producer accepts as a message (kafkajs's shape: key, value, headers as an object or a list,
// partition, timestamp) and its conversion to the encoder's RecordInput, with the estimate of its
// size that batching is done by. Strings are estimated at one byte per UTF-16 unit: exact for ASCII,
// low for other text; the encoded batch is checked against the broker's limit anyway (producer.ts
// splits a batch that came out too large).
import type { RecordData, RecordHeaderInput, RecordInput } from '@faecie/protocol'

export type HeaderValue = string | Uint8Array | null

/** Headers as kafkajs takes them (a key may repeat through an array), or as an ordered list. */
export type MessageHeaders = Record<string, HeaderValue | HeaderValue[] | undefined> | ReadonlyArray<{ key: string; value: HeaderValue }>

export interface Message {
  key?: RecordData
  value: RecordData
  headers?: MessageHeaders
  /** Send to this partition instead of the partitioner's choice. */
  partition?: number
  /** Milliseconds since the epoch; default: the time of send(). */
  timestamp?: number
}

/** A record's fixed overhead in a batch, at most: length, attributes, deltas, key and value lengths. */
const RECORD_OVERHEAD_BYTES = 24

function dataBytes(data: RecordData | undefined): number {
  if (data === null || data === undefined) return 0
  return typeof data === 'string' ? data.length : data.byteLength
}

function isData(value: unknown): value is RecordData {
  return value === null || typeof value === 'string' || value instanceof Uint8Array
}

function headerList(headers: MessageHeaders | undefined): RecordHeaderInput[] | undefined {
  if (headers === undefined) return undefined
  if (Array.isArray(headers)) return headers as RecordHeaderInput[]
  const list: RecordHeaderInput[] = []
  for (const [key, value] of Object.entries(headers as Record<string, HeaderValue | HeaderValue[] | undefined>)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) list.push({ key, value: item })
    else list.push({ key, value })
  }
  return list
}

/** The record to encode and its estimated size; throws a TypeError naming what is wrong. */
export function toRecord(message: Message, nowMs: number): { record: RecordInput; sizeBytes: number } {
  if (typeof message !== 'object' || message === null) throw new TypeError('a message must be an object with a value')
  const key = message.key ?? null
  if (!isData(key)) throw new TypeError('message.key must be a string, a Uint8Array or null')
  if (!isData(message.value)) throw new TypeError('message.value must be a string, a Uint8Array or null')
  const timestamp = message.timestamp ?? nowMs
  if (!Number.isSafeInteger(timestamp)) throw new TypeError(`message.timestamp must be an integer (ms), not ${String(message.timestamp)}`)
  const headers = headerList(message.headers)
  let sizeBytes = RECORD_OVERHEAD_BYTES + dataBytes(key) + dataBytes(message.value)
  if (headers !== undefined) {
    for (const header of headers) {
      if (typeof header.key !== 'string' || !isData(header.value)) throw new TypeError('a header needs a string key and a string, Uint8Array or null value')
      sizeBytes += 10 + header.key.length + dataBytes(header.value)
    }
  }
  const record: RecordInput = headers === undefined || headers.length === 0
    ? { key, value: message.value, timestamp }
    : { key, value: message.value, headers, timestamp }
  return { record, sizeBytes }
}
