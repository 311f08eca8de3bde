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
export const RECORD_OVERHEAD_BYTES = 24

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
  const record = toRecordInput(message, nowMs)
  return { record, sizeBytes: recordSizeBytes(record) }
}

/** The record to encode (the send's hot path: one object per message); throws a TypeError naming what is wrong. */
export function toRecordInput(message: Message, nowMs: number): RecordInput {
  if (typeof message !== 'object' || message === null) throw new TypeError('a message must be an object with a value')
  const key = message.key ?? null
  if (!isData(key)) throw new TypeError('message.key must be a string, a Uint8Array or null')
  const value = message.value
  if (!isData(value)) throw new TypeError('message.value must be a string, a Uint8Array or null')
  const timestamp = message.timestamp ?? nowMs
  if (!Number.isSafeInteger(timestamp)) throw new TypeError(`message.timestamp must be an integer (ms), not ${String(message.timestamp)}`)
  if (message.headers === undefined) return { key, value, timestamp }
  const headers = headerList(message.headers)!
  for (const header of headers) {
    if (typeof header.key !== 'string' || !isData(header.value)) throw new TypeError('a header needs a string key and a string, Uint8Array or null value')
  }
  return headers.length === 0 ? { key, value, timestamp } : { key, value, headers, timestamp }
}

/**
 * The send's hot path: checks a message as toRecordInput does and returns its estimated size,
 * making nothing. recordOf(message) then gives what to encode.
 */
export function checkMessage(message: Message, nowMs: number): number {
  if (typeof message !== 'object' || message === null) throw new TypeError('a message must be an object with a value')
  if (message.headers !== undefined) return recordSizeBytes(toRecordInput(message, nowMs))
  const key = message.key ?? null
  if (!isData(key)) throw new TypeError('message.key must be a string, a Uint8Array or null')
  const value = message.value
  if (!isData(value)) throw new TypeError('message.value must be a string, a Uint8Array or null')
  const timestamp = message.timestamp
  if (timestamp !== undefined && !Number.isSafeInteger(timestamp)) throw new TypeError(`message.timestamp must be an integer (ms), not ${String(timestamp)}`)
  return RECORD_OVERHEAD_BYTES + dataBytes(key) + dataBytes(value)
}

/**
 * What to encode for a message checked by checkMessage: the message itself (its key, value and
 * timestamp are read once, now, into the batch), or with headers given as an object, a record with
 * them as a list. A record without a timestamp gets the send's time from the batch.
 */
export function recordOf(message: Message): RecordInput {
  if (message.headers === undefined || Array.isArray(message.headers)) return message as RecordInput
  return { key: message.key ?? null, value: message.value, headers: headerList(message.headers), timestamp: message.timestamp }
}

/** The estimated size of a record made by toRecordInput (what batching and the buffer limit count). */
export function recordSizeBytes(record: RecordInput): number {
  let sizeBytes = RECORD_OVERHEAD_BYTES + dataBytes(record.key ?? null) + dataBytes(record.value)
  const headers = record.headers
  if (headers !== undefined) for (const header of headers) sizeBytes += 10 + header.key.length + dataBytes(header.value)
  return sizeBytes
}
