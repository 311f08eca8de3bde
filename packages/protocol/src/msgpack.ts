// The one msgpackr configuration of faecie: every frame on the WebSocket is one MessagePack value
// made and read here, so the client, the broker and any other MessagePack library agree on it.
//
// What goes out is plain MessagePack that any decoder reads: objects as maps (no msgpackr records,
// no structured clone, no msgpackr extensions), Uint8Array as bin, undefined properties left out
// (as JSON.stringify does) and undefined elsewhere as nil. Integers up to 2^53 go out as the
// smallest int format that holds them (integers past 2^32 as float64, which every decoder reads
// exactly); 64-bit ints that arrive are read as numbers, never bigints (offsets and timestamps are
// numbers in every API and exact to 2^53).
//
// What comes in is not trusted. decodeFrame accepts exactly one value and only what plain
// MessagePack can say: nil, booleans, numbers, strings, bin (a plain Uint8Array view into the
// input, never a Node Buffer: copy it before keeping or transferring it), arrays and maps (keys
// become strings), nested at most FRAME_DEPTH_MAX deep. msgpackr's decoder knows extensions beyond
// that (Date, Set, RegExp, Error, bigint, typed arrays, 0xc1) for every decoder in the process at
// once, so the decoded value is walked once and anything else refused. (msgpackr records defined
// inline in the frame decode to plain objects and pass; no state carries over between frames.)
// Any failure is a FaecieError INVALID_FRAME; the decoder reads each byte a bounded number of
// times, so garbage can't make it spin.
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr'
import { ErrorCode, FaecieError } from './errors.js'
import { checkDeclaredSizes, FRAME_DEPTH_MAX } from './msgpack-sizes.js'

export { checkDeclaredSizes, FRAME_DEPTH_MAX }

export interface DecodeFrameOptions {
  /** Largest size an array or map may declare; larger is refused before decoding (msgpack-sizes.ts). */
  itemsMax?: number
}

// skipValues is in msgpackr's README and code (pack.js) but not in its type definitions.
const packrOptions: ConstructorParameters<typeof Packr>[0] & { skipValues: unknown[] } = {
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
  // fixmap for small objects, like every other MessagePack encoder: compact and canonical.
  variableMapSize: true,
}
const packr = new Packr(packrOptions)

const unpackr = new Unpackr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  mapsAsObjects: true,
  int64AsType: 'number',
})

/**
 * Encodes one frame. The result is a view into memory msgpackr shares between frames: send it
 * now, and copy it into a buffer you own before transferring it to another thread. It is a plain
 * Uint8Array in Node too (msgpackr's Buffer is rewrapped; see asUint8Array).
 */
export function encodeFrame(value: unknown): Uint8Array {
  return asUint8Array(packr.pack(value))
}

/**
 * encodeFrame for a sender that copies the bytes before it returns (the client's transports do:
 * ws masks them into a buffer of its own, a browser's WebSocket.send copies them). The frame is
 * written where the previous transient one was, so msgpackr does not allocate (and the kernel
 * does not fault in) fresh memory for every large frame: measured, a 1 MiB produce frame cost
 * ~1 ms this way against ~0.1-0.2 ms reused. Valid until the next encode of any kind.
 */
export function encodeTransientFrame(value: unknown): Uint8Array {
  return asUint8Array(packr.pack(value, RESET_BUFFER_MODE))
}

/**
 * Decodes one frame, refusing anything that is not exactly one plain MessagePack value. The declared
 * sizes of its arrays and maps are checked first, before msgpackr allocates for them.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeFrameOptions = {}): unknown {
  if (bytes.length === 0) throw invalidFrame('the frame is empty')
  checkDeclaredSizes(bytes, options.itemsMax)
  let value: unknown
  try {
    value = unpackr.unpack(bytes)
  } catch (err) {
    // msgpackr throws plain Errors (and a RangeError on absurd nesting): one type for callers.
    throw invalidFrame(err instanceof Error ? err.message : 'not MessagePack', err)
  }
  return plain(value, 0)
}

function invalidFrame(detail: string, cause?: unknown): FaecieError {
  return new FaecieError(ErrorCode.INVALID_FRAME, `Invalid frame: ${detail}.`, { cause })
}

/**
 * Checks that a decoded value is plain, and returns it with every bin as a plain Uint8Array: in Node
 * msgpackr hands out Buffers, whose slice() makes a view where Uint8Array's makes a copy, and code
 * that copies a bin "to own it" must not silently keep a view.
 */
function plain(value: unknown, depth: number): unknown {
  if (value === null) return value
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
      return value
    case 'object':
      break
    default:
      throw invalidFrame(`a ${typeof value} is not plain MessagePack`)
  }
  if (value instanceof Uint8Array) return asUint8Array(value)
  if (depth >= FRAME_DEPTH_MAX) throw invalidFrame(`nesting deeper than ${FRAME_DEPTH_MAX}`)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const checked = plain(item, depth + 1)
      if (checked !== item) value[i] = checked
    }
    return value
  }
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) throw invalidFrame('an extension type is not plain MessagePack')
  const map = value as Record<string, unknown>
  for (const key in map) {
    const item = map[key]
    const checked = plain(item, depth + 1)
    if (checked !== item) map[key] = checked
  }
  return value
}

function asUint8Array(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
