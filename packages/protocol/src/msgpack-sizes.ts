// A cheap walk over a MessagePack value's headers, before it is decoded: msgpackr sizes an array or
// map by the count its header declares, so a few bytes declaring 2^32 - 1 entries would make the
// decoder allocate before it found the bytes missing. The walk reads each header once, skips the
// payload of strings, bins, extensions and numbers, and refuses (INVALID_FRAME) a frame where
//   - an array or map declares more than `itemsMax` entries,
//   - an array or map declares more values than bytes are left (each value takes at least one),
//   - a header or payload runs past the end, or a byte is 0xc1 (never used),
//   - arrays and maps nest FRAME_DEPTH_MAX deep or more.
//
//   header byte       what follows                        header byte     what follows
//   00-7f, e0-ff      nothing (fixint)                    c4 c5 c6        bin: length 1/2/4, bytes
//   80-8f             fixmap: (b & 0x0f) key-value pairs   c7 c8 c9        ext: length 1/2/4, type, bytes
//   90-9f             fixarray: (b & 0x0f) values          ca cb           float 4 / 8 bytes
//   a0-bf             fixstr: (b & 0x1f) bytes             cc-cf, d0-d3    uint / int of 1, 2, 4, 8 bytes
//   c0 c2 c3          nil, false, true                     d4-d8           fixext: type + 1/2/4/8/16 bytes
//   d9 da db          str: length 1/2/4, bytes             dc dd / de df   array / map: count 2/4, values
import { ErrorCode, FaecieError } from './errors.js'

/** Deepest nesting of arrays and maps a frame may have. */
export const FRAME_DEPTH_MAX = 32

/** Bytes after the header byte, for the fixed-size types c0..df (-1: not fixed, handled apart). */
const FIXED_PAYLOAD: Readonly<Record<number, number>> = {
  0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8,
  0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
}

/** Throws INVALID_FRAME if `bytes` declares containers larger than `itemsMax` or than it can hold. */
export function checkDeclaredSizes(bytes: Uint8Array, itemsMax = Number.MAX_SAFE_INTEGER): void {
  const end = bytes.length
  let pos = 0
  /** Values still to read at each open level; the bottom is the frame's one value. */
  const left: number[] = [1]
  const uint = (size: 1 | 2 | 4): number => {
    if (pos + size > end) throw refused('a header runs past the end of the frame')
    let n = 0
    for (let i = 0; i < size; i++) n = n * 256 + bytes[pos + i]!
    pos += size
    return n
  }
  const skip = (n: number): void => {
    if (pos + n > end) throw refused('a value runs past the end of the frame')
    pos += n
  }
  while (left.length > 0) {
    if (left[left.length - 1] === 0) {
      left.pop()
      continue
    }
    left[left.length - 1]!--
    if (pos >= end) throw refused('the frame ends inside a value')
    const b = bytes[pos++]!
    let entries = -1
    let values = 0
    if (b <= 0x7f || b >= 0xe0) continue
    if (b <= 0x8f) [entries, values] = [b & 0x0f, (b & 0x0f) * 2]
    else if (b <= 0x9f) [entries, values] = [b & 0x0f, b & 0x0f]
    else if (b <= 0xbf) { skip(b & 0x1f); continue }
    else if (b === 0xc4 || b === 0xd9) { skip(uint(1)); continue }
    else if (b === 0xc5 || b === 0xda) { skip(uint(2)); continue }
    else if (b === 0xc6 || b === 0xdb) { skip(uint(4)); continue }
    else if (b === 0xc7) { skip(uint(1) + 1); continue }
    else if (b === 0xc8) { skip(uint(2) + 1); continue }
    else if (b === 0xc9) { skip(uint(4) + 1); continue }
    else if (b === 0xdc) { entries = values = uint(2) }
    else if (b === 0xdd) { entries = values = uint(4) }
    else if (b === 0xde) { entries = uint(2); values = entries * 2 }
    else if (b === 0xdf) { entries = uint(4); values = entries * 2 }
    else {
      const payload = FIXED_PAYLOAD[b]
      if (payload === undefined) throw refused(`byte 0x${b.toString(16)} is not MessagePack`)
      skip(payload)
      continue
    }
    if (left.length - 1 >= FRAME_DEPTH_MAX) throw refused(`nesting deeper than ${FRAME_DEPTH_MAX}`)
    if (entries > itemsMax) throw refused(`an array or map declares ${entries} entries; at most ${itemsMax}`)
    if (values > end - pos) throw refused(`an array or map declares ${entries} entries in ${end - pos} bytes`)
    if (values > 0) left.push(values)
  }
}

function refused(detail: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_FRAME, `Invalid frame: ${detail}.`)
}
