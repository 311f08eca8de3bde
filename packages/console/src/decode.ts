// How the message browser shows a key, a value or a header: as text, pretty JSON, MessagePack
// (shown as JSON) or a hex dump. detectFormat guesses the format from the bytes (valid UTF-8 that
// parses as a JSON object or array is JSON; other valid, printable UTF-8 is text; bytes that decode
// as exactly one MessagePack map or array are MessagePack; anything else is hex); renderValue
// shows bytes in a chosen format, and says so when they are not in it instead of throwing.
import { Unpackr } from 'msgpackr'

export type ValueFormat = 'text' | 'json' | 'msgpack' | 'hex'
export const VALUE_FORMATS: readonly ValueFormat[] = ['text', 'json', 'msgpack', 'hex']

export interface RenderedValue {
  format: ValueFormat
  text: string
  /** False when the bytes are not in that format (text then says why). */
  ok: boolean
}

/** Bytes shown at most in a hex dump; the rest is summarised. */
export const HEX_BYTES_MAX = 16 * 1024

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const lenientUtf8 = new TextDecoder('utf-8')
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' })

/** Control characters other than tab, newline and carriage return mark bytes as binary. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    const text = strictUtf8.decode(bytes)
    return CONTROL.test(text) ? undefined : text
  } catch {
    return undefined
  }
}

function parseJson(text: string): unknown {
  const trimmed = text.trim()
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return undefined
  }
}

/** Exactly one MessagePack value that is a map or an array, or undefined. */
function unpackOne(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    const values = unpackr.unpackMultiple(bytes) as unknown[] | undefined
    if (values === undefined || values.length !== 1) return undefined
    const value = values[0]
    // msgpackr turns the reserved byte 0xc1 into an object of its own: not a value.
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Map) &&
      Object.getPrototypeOf(value) !== Object.prototype) return undefined
    return { value }
  } catch {
    return undefined
  }
}

export function detectFormat(bytes: Uint8Array | null): ValueFormat {
  if (bytes === null || bytes.length === 0) return 'text'
  const text = utf8Text(bytes)
  if (text !== undefined) return parseJson(text) === undefined ? 'text' : 'json'
  const unpacked = unpackOne(bytes)
  if (unpacked !== undefined && typeof unpacked.value === 'object' && unpacked.value !== null && !(unpacked.value instanceof Uint8Array)) return 'msgpack'
  return 'hex'
}

/** JSON.stringify that shows what JSON has no form for: bigints, byte arrays, Maps, undefined. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, json: unknown) {
    // The holder's own value: Node's Buffer has a toJSON that would run before this.
    const v = key === '' ? json : this[key]
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return `<${v.length} bytes: ${hexBytes(v.subarray(0, 32))}${v.length > 32 ? ' …' : ''}>`
    if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), x as unknown]))
    if (v === undefined) return null
    return json
  }, 2) ?? 'undefined'
}

export function hexBytes(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += (i === 0 ? '' : ' ') + bytes[i]!.toString(16).padStart(2, '0')
  return out
}

/** xxd's layout: offset, 16 bytes in hex, the printable ASCII. */
export function hexDump(bytes: Uint8Array, bytesMax = HEX_BYTES_MAX): string {
  const lines: string[] = []
  const shown = Math.min(bytes.length, bytesMax)
  for (let at = 0; at < shown; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, shown))
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hexBytes(row).padEnd(47)}  ${ascii}`)
  }
  if (shown < bytes.length) lines.push(`… ${bytes.length - shown} more bytes`)
  return lines.join('\n')
}

export function renderValue(bytes: Uint8Array | null, format: ValueFormat): RenderedValue {
  if (bytes === null) return { format, text: 'null', ok: true }
  switch (format) {
    case 'text':
      return { format, text: lenientUtf8.decode(bytes), ok: true }
    case 'json': {
      const text = utf8Text(bytes)
      if (text === undefined) return { format, text: 'Not JSON: the bytes are not printable UTF-8.', ok: false }
      try {
        return { format, text: prettyJson(JSON.parse(text) as unknown), ok: true }
      } catch (err) {
        return { format, text: `Not JSON: ${(err as Error).message}`, ok: false }
      }
    }
    case 'msgpack': {
      const unpacked = unpackOne(bytes)
      if (unpacked === undefined) return { format, text: 'Not MessagePack: the bytes are not exactly one MessagePack value.', ok: false }
      return { format, text: prettyJson(unpacked.value), ok: true }
    }
    case 'hex':
      return { format, text: hexDump(bytes), ok: true }
  }
}

/** One line for a list row: the value in its format, whitespace folded, cut at `charsMax`. */
export function previewValue(bytes: Uint8Array | null, format: ValueFormat, charsMax = 300): string {
  if (bytes === null) return '∅ null'
  const rendered = format === 'hex' ? hexBytes(bytes.subarray(0, Math.ceil(charsMax / 3))) : renderValue(bytes, format).text
  const folded = format === 'json' || format === 'msgpack' ? rendered.replace(/\n\s*/g, ' ') : rendered.replace(/\s+/g, ' ')
  return folded.length > charsMax ? `${folded.slice(0, charsMax)}…` : folded
}
