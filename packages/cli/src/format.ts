// How `faecie consume` prints a record, in one of three formats:
// - `text`, kafka-console-consumer's layout: optional `CreateTime:`, `Partition:`, `Offset:` and
//   headers fields, the key, then the value, separated by tabs; a null key or value prints as
//   `null`, headers as `k:v,k2:v2` (or `NO_HEADERS`). Text for people: bytes that are not UTF-8
//   are shown as U+FFFD here, and only here.
// - `json`, one object per line, no byte ever replaced: keys and values in the encoding asked for
//   (string, json, base64 or hex; field-encoding.ts in @faecie/protocol), with fields that say
//   which; a key or value that is not UTF-8 (or not JSON) comes as base64 and says so:
//     {"topic":"t","partition":0,"offset":0,"timestamp":1700000000000,
//      "key":"k","keyEncoding":"string","value":"AP8=","valueEncoding":"base64",
//      "headers":[{"key":"h","value":"v"},{"key":"b","value":"/w==","valueEncoding":"base64"}]}
//   Headers are [{key, value}] in the order they were sent, as in the HTTP API; a header value that
//   does not fit the header encoding says which it is in.
// - `raw`, the value's bytes exactly as stored, then a newline (a null value: just the newline).
import type { ConsumedMessage } from '@faecie/client'
import { fieldToText, type FieldEncoding } from '@faecie/protocol'

export interface TextOptions {
  printKey: boolean
  printOffset: boolean
  printPartition: boolean
  printTimestamp: boolean
  printHeaders: boolean
  /** Between the key and the value. */
  keySeparator: string
  /** Between two headers (Kafka's headers.separator, default `,`). */
  headersSeparator: string
  /** Between a header's key and value (Kafka's headers.key.separator, default `:`). */
  headersKeySeparator: string
}

export const TEXT_DEFAULTS: TextOptions = {
  printKey: false, printOffset: false, printPartition: false, printTimestamp: false, printHeaders: false,
  keySeparator: '\t', headersSeparator: ',', headersKeySeparator: ':',
}

export interface JsonEncodings {
  key: FieldEncoding
  value: FieldEncoding
  header: FieldEncoding
}

export const JSON_DEFAULTS: JsonEncodings = { key: 'string', value: 'string', header: 'string' }

export interface JsonHeader {
  key: string
  value: unknown
  /** Only when the value could not be given in the header encoding asked for. */
  valueEncoding?: FieldEncoding
}

export interface JsonRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: unknown
  keyEncoding: FieldEncoding
  value: unknown
  valueEncoding: FieldEncoding
  headers: JsonHeader[]
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** UTF-8 text for people (invalid sequences become U+FFFD); null stays null. */
export function utf8(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : decoder.decode(bytes)
}

/** A record's headers as [{key, value}] pairs, in the order they were sent. */
export function headerPairs(message: ConsumedMessage): Array<{ key: string; value: Uint8Array | null }> {
  const pairs: Array<{ key: string; value: Uint8Array | null }> = []
  for (const [key, value] of Object.entries(message.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) pairs.push({ key, value: one })
  }
  return pairs
}

export function formatText(message: ConsumedMessage, options: TextOptions): string {
  let line = ''
  if (options.printTimestamp) line += `CreateTime:${message.timestamp}\t`
  if (options.printPartition) line += `Partition:${message.partition}\t`
  if (options.printOffset) line += `Offset:${message.offset}\t`
  if (options.printHeaders) {
    const pairs = headerPairs(message)
    line += pairs.length === 0
      ? 'NO_HEADERS\t'
      : `${pairs.map((h) => `${h.key}${options.headersKeySeparator}${utf8(h.value) ?? 'null'}`).join(options.headersSeparator)}\t`
  }
  if (options.printKey) line += `${utf8(message.key) ?? 'null'}${options.keySeparator}`
  return line + (utf8(message.value) ?? 'null')
}

export function toJsonRecord(message: ConsumedMessage, encodings: JsonEncodings = JSON_DEFAULTS): JsonRecord {
  const key = fieldToText(message.key, encodings.key)
  const value = fieldToText(message.value, encodings.value)
  const headers = headerPairs(message).map((h): JsonHeader => {
    const field = fieldToText(h.value, encodings.header)
    return field.encoding === encodings.header ? { key: h.key, value: field.value } : { key: h.key, value: field.value, valueEncoding: field.encoding }
  })
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: key.value,
    keyEncoding: key.encoding,
    value: value.value,
    valueEncoding: value.encoding,
    headers,
  }
}

export function formatJson(message: ConsumedMessage, encodings: JsonEncodings = JSON_DEFAULTS): string {
  return JSON.stringify(toJsonRecord(message, encodings))
}

const EMPTY = new Uint8Array(0)

/** `raw`: the value's bytes as stored (the writer adds the newline). */
export function formatRaw(message: ConsumedMessage): Uint8Array {
  return message.value ?? EMPTY
}
