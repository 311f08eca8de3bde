// A record's key, value or header value as text, for JSON output that must never lose a byte (the
// CLI's `consume --format json`, the same names as the HTTP API's encodings):
//   string  the bytes as UTF-8 text; bytes that are not valid UTF-8 are given as base64 instead
//   json    the JSON value the bytes hold as UTF-8 JSON text; bytes that are not are given as base64
//   base64  RFC 4648 base64 with padding
//   hex     two lowercase hex digits per byte
// fieldToText says which encoding it used, so a reader can always get the exact bytes back with
// fieldFromText. `null` (Kafka's null key or value) stays null in every encoding. Isomorphic: no
// Buffer, no `node:` module.

export const FIELD_ENCODINGS = ['string', 'json', 'base64', 'hex'] as const
export type FieldEncoding = (typeof FIELD_ENCODINGS)[number]

export interface EncodedField {
  /** A string, or for `json` any JSON value; null for a null key or value. */
  value: unknown
  /** The encoding `value` is in: the one asked for, or base64 when the bytes do not fit it. */
  encoding: FieldEncoding
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const encoder = new TextEncoder()
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const BASE64_INDEX = new Map([...BASE64_ALPHABET].map((c, i) => [c, i]))
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})*$/

/** The bytes in `encoding`, falling back to base64 where the bytes are not UTF-8 (or not JSON). */
export function fieldToText(bytes: Uint8Array | null, encoding: FieldEncoding): EncodedField {
  if (bytes === null) return { value: null, encoding }
  switch (encoding) {
    case 'base64':
      return { value: encodeBase64(bytes), encoding }
    case 'hex':
      return { value: encodeHex(bytes), encoding }
    case 'string':
    case 'json': {
      let text: string
      try {
        text = strictDecoder.decode(bytes)
      } catch {
        return { value: encodeBase64(bytes), encoding: 'base64' }
      }
      if (encoding === 'string') return { value: text, encoding }
      try {
        return { value: JSON.parse(text) as unknown, encoding }
      } catch {
        return { value: encodeBase64(bytes), encoding: 'base64' }
      }
    }
  }
}

/**
 * The bytes a field given in `encoding` stands for: the inverse of fieldToText. Throws a
 * RangeError naming what is wrong when `value` is not valid in that encoding.
 */
export function fieldFromText(value: unknown, encoding: FieldEncoding): Uint8Array | null {
  if (value === null) return null
  if (encoding === 'json') return encoder.encode(JSON.stringify(value))
  if (typeof value !== 'string') throw new RangeError(`expected a string for encoding ${encoding}, got ${typeof value}`)
  switch (encoding) {
    case 'string':
      return encoder.encode(value)
    case 'base64':
      return decodeBase64(value)
    case 'hex':
      return decodeHex(value)
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + BASE64_ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}${BASE64_ALPHABET[(n >> 6) & 63]!}=`
  }
  return out
}

export function decodeBase64(text: string): Uint8Array {
  if (!BASE64_TEXT.test(text)) throw new RangeError('not base64 (RFC 4648, with padding)')
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3)
    out[o++] = n >> 16
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

function sextet(text: string, i: number): number {
  return BASE64_INDEX.get(text[i]!) ?? 0 // '=' (padding) counts as 0
}

export function encodeHex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

export function decodeHex(text: string): Uint8Array {
  if (!HEX_TEXT.test(text)) throw new RangeError('not hex (an even number of hex digits)')
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}
