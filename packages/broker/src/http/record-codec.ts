// Keys, values and headers between JSON and record bytes, by the encoding a request chooses:
//   string  the text as UTF-8 (a read decodes UTF-8; invalid sequences become U+FFFD)
//   json    any JSON value, stored as its JSON text in UTF-8 (a read parses it back)
//   base64  the bytes a base64 string stands for (a read answers base64)
// `null` is Kafka's null in every encoding (a null value is a tombstone). Header values are strings
// or base64 (headerEncoding), header keys always strings. A stored value that is not JSON, read with
// `json`, comes back as base64 and the record says so (`valueEncoding: "base64"`), so one odd record
// never fails a whole read.
import { decodeUtf8, encodeUtf8, type DecodedRecord } from '@faecie/protocol'
import { invalidInput } from './errors.js'

export const ENCODINGS = ['string', 'json', 'base64'] as const
export type Encoding = (typeof ENCODINGS)[number]
export const HEADER_ENCODINGS = ['string', 'base64'] as const
export type HeaderEncoding = (typeof HEADER_ENCODINGS)[number]

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function parseEncoding<E extends string>(what: string, value: unknown, allowed: readonly E[], fallback: E): E {
  if (value === undefined || value === null || value === '') return fallback
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(what, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`)
  }
  return value as E
}

/** The bytes of a key or value given in JSON with an encoding; `what` names it in errors. */
export function encodeField(what: string, value: unknown, encoding: Encoding): Uint8Array | null {
  if (value === null) return null
  switch (encoding) {
    case 'json':
      return encodeUtf8(JSON.stringify(value))
    case 'string':
      if (typeof value !== 'string') throw invalidInput(what, `expected a string (or null) for encoding string, got ${typeName(value)}; send it with encoding json`)
      return encodeUtf8(value)
    case 'base64':
      if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
        throw invalidInput(what, 'expected a base64 string (or null) for encoding base64')
      }
      return new Uint8Array(Buffer.from(value, 'base64'))
  }
}

/** A key or value as JSON by the encoding asked for; `json` falls back to base64 when it is not JSON. */
export function decodeField(bytes: Uint8Array | null, encoding: Encoding): { value: unknown; encoding: Encoding } {
  if (bytes === null) return { value: null, encoding }
  switch (encoding) {
    case 'string':
      return { value: decodeUtf8(bytes), encoding }
    case 'base64':
      return { value: base64(bytes), encoding }
    case 'json':
      try {
        return { value: JSON.parse(decodeUtf8(bytes)) as unknown, encoding }
      } catch {
        return { value: base64(bytes), encoding: 'base64' }
      }
  }
}

export interface HeaderInput {
  key: string
  value: Uint8Array | null
}

/** Headers given as an array of {key, value} or as an object {key: value}. */
export function encodeHeaders(what: string, headers: unknown, encoding: HeaderEncoding): HeaderInput[] {
  if (headers === undefined || headers === null) return []
  const pairs: Array<[unknown, unknown]> = Array.isArray(headers)
    ? headers.map((h: unknown, i) => {
      if (typeof h !== 'object' || h === null) throw invalidInput(`${what}[${i}]`, 'expected {key, value}')
      return [(h as Record<string, unknown>).key, (h as Record<string, unknown>).value]
    })
    : typeof headers === 'object' ? Object.entries(headers as Record<string, unknown>) : []
  if (!Array.isArray(headers) && typeof headers !== 'object') throw invalidInput(what, 'expected an array of {key, value} or an object')
  return pairs.map(([key, value], i) => {
    if (typeof key !== 'string') throw invalidInput(`${what}[${i}].key`, 'expected a string')
    if (value !== null && typeof value !== 'string') throw invalidInput(`${what}[${i}].value`, 'expected a string or null')
    return { key, value: encodeField(`${what}[${i}].value`, value, encoding) }
  })
}

export interface JsonRecord {
  partition: number
  offset: number
  timestamp: number
  key: unknown
  value: unknown
  headers: Array<{ key: string; value: string | null }>
  /** Set only when the key could not be given in the encoding asked for. */
  keyEncoding?: Encoding
  valueEncoding?: Encoding
}

export interface RecordEncodings {
  key: Encoding
  value: Encoding
  header: HeaderEncoding
}

/** A decoded record as the API answers it. */
export function recordToJson(partition: number, record: DecodedRecord, encodings: RecordEncodings): JsonRecord {
  const key = decodeField(record.key, encodings.key)
  const value = decodeField(record.value, encodings.value)
  const out: JsonRecord = {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: key.value,
    value: value.value,
    headers: record.headers.map((h) => ({ key: h.key, value: decodeField(h.value, encodings.header).value as string | null })),
  }
  if (key.encoding !== encodings.key) out.keyEncoding = key.encoding
  if (value.encoding !== encodings.value) out.valueEncoding = value.encoding
  return out
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
