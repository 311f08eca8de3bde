// UTF-8 in and out of a caller's buffer without allocating, for the record encoder's hot path, and
// the one shared decoder for reading keys, values and header keys back as text.
//
// Short strings (most keys and header keys) are written by a plain loop: TextEncoder.encodeInto
// needs a destination view and returns a {read, written} object, two allocations that cost more
// than the copy for a few dozen characters. Longer strings go to encodeInto, which is native and
// much faster per byte. Both write exactly what TextEncoder writes, a lone surrogate included (as
// U+FFFD, EF BF BD); a test checks that on random strings.

const encoder = new TextEncoder()
// ignoreBOM keeps a leading U+FEFF in the text: a value must read back as it was written.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/** Up to this many UTF-16 units the JS loop beats encodeInto (measured in V8; not critical). */
const SHORT_STRING_UNITS = 48

/** UTF-8 bytes a string takes at most: 3 per UTF-16 unit (a surrogate pair takes 4 for 2 units). */
export function utf8BytesMax(text: string): number {
  return text.length * 3
}

/**
 * Writes `text` as UTF-8 at buf[pos]; the caller has made room for utf8BytesMax(text) bytes.
 * Returns the number of bytes written.
 */
export function writeUtf8(buf: Uint8Array, pos: number, text: string): number {
  const length = text.length
  if (length > SHORT_STRING_UNITS) {
    return encoder.encodeInto(text, buf.subarray(pos, pos + length * 3)).written
  }
  const start = pos
  for (let i = 0; i < length; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      buf[pos++] = c
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6)
      buf[pos++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < length ? text.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          buf[pos++] = 0xf0 | (c >> 18)
          buf[pos++] = 0x80 | ((c >> 12) & 0x3f)
          buf[pos++] = 0x80 | ((c >> 6) & 0x3f)
          buf[pos++] = 0x80 | (c & 0x3f)
          continue
        }
        c = 0xfffd // a lone surrogate, as TextEncoder writes it
      }
      buf[pos++] = 0xe0 | (c >> 12)
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f)
      buf[pos++] = 0x80 | (c & 0x3f)
    }
  }
  return pos - start
}

/** Decodes UTF-8 (invalid sequences become U+FFFD, as Java's String constructor does). */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** Encodes a string to a new Uint8Array (not for hot paths). */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text)
}
