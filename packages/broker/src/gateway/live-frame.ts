// The bytes of a push made once and written to many sessions (live-tail.ts): the frame is still the
// one MessagePack map `{sub, highWatermark, records}` every client decodes (docs/protocol.md, push),
// cut in a session-local prefix of fixed width and a body shared by every session:
//
//   prefix (10 bytes, per session)        body (shared)
//   83 a3 's' 'u' 'b' ce <sub u32 BE>     ad "highWatermark" <uint: cc/cd/ce, or cb float64 past 2^32>
//                                         a7 "records" c6 <length u32 BE> <whole batches>
//
// `sub` is always a uint32 (0xce) so every prefix has the same width; records are always bin32. The
// head (the body up to the records) is a few dozen bytes made once per push; the records are the
// bytes the partition thread transferred (or one read returned), copied once per session into the
// frame handed to ws: one memcpy per session, no encode per session.
// FAECIE_LIVE_FRAME_DIRECT=1 writes without that copy, as ws 8 writes an unmasked server frame
// ([header, data] with cork/write/write/uncork, its Sender's sendFrame): when ws's Sender has nothing
// queued (no deflate, no blob, no fragmented message under way), [ws header + prefix + head,
// records] go on its net.Socket, whose writable state ws's bufferedAmount counts
// (socket._writableState.length + sender._bufferedBytes), so SendQueue's accounting holds. Measured
// here (issue 18, 100 sessions, 100 B records at 100/s, 5 interleaved pairs) the copy had the better
// p99 every time (91-377 ms against 269-740 ms on a machine at load 10) at the same broker CPU, so
// it is the default; the direct write stays behind the variable, to measure again with large pushes
// (where the copy per session costs the most).
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

export const PREFIX_BYTES = 10
const SUB_AT = 6
const TWO_POW_32 = 2 ** 32
const HIGH_WATERMARK_KEY = Buffer.from([0xad, ...Buffer.from('highWatermark')])
const RECORDS_KEY = Buffer.from([0xa7, ...Buffer.from('records')])
const DIRECT = process.env.FAECIE_LIVE_FRAME_DIRECT === '1'

/** One push's shared part: made once, written to every session at the tail. */
export class SharedPushFrame {
  /** The MessagePack bytes after the prefix, up to the records: highWatermark, then the records' bin32 header. */
  readonly head: Buffer
  readonly records: Uint8Array
  /** The WebSocket payload's length: prefix + head + records. */
  readonly payloadBytes: number
  /** Bytes of the ws frame header in front of the payload (2, 4 or 10). */
  readonly wsHeaderBytes: number
  /** ws frame header + prefix (its sub left blank) + head: each session copies it and sets its sub. */
  readonly #template: Buffer

  constructor(records: Uint8Array, highWatermark: number) {
    this.records = records
    this.head = encodeHead(records.length, highWatermark)
    this.payloadBytes = PREFIX_BYTES + this.head.length + records.length
    const wsHeader = webSocketHeader(this.payloadBytes)
    this.#template = Buffer.concat([wsHeader, prefixTemplate(), this.head])
    this.wsHeaderBytes = wsHeader.length
  }

  /** Writes the push for `sub` to `socket`; `done` runs once the bytes have been handed to the kernel. */
  write(socket: WebSocket, sub: number, done: (err?: Error | null) => void, direct = DIRECT): void {
    const net = direct ? directSocket(socket) : undefined
    if (net === undefined) {
      socket.send(this.wholeFrame(sub), { binary: true }, done)
      return
    }
    const head = Buffer.allocUnsafe(this.#template.length)
    this.#template.copy(head)
    head.writeUInt32BE(sub, this.wsHeaderBytes + SUB_AT)
    net.cork()
    net.write(head)
    net.write(this.records, done)
    net.uncork()
  }

  /** The whole payload for `sub` in one buffer of its own (the path through ws, and tests). */
  wholeFrame(sub: number): Buffer {
    const frame = Buffer.allocUnsafe(this.payloadBytes)
    this.#template.copy(frame, 0, this.wsHeaderBytes)
    frame.writeUInt32BE(sub, SUB_AT)
    frame.set(this.records, PREFIX_BYTES + this.head.length)
    return frame
  }
}

/** The prefix with sub 0: `83 a3 's' 'u' 'b' ce 00 00 00 00`. */
function prefixTemplate(): Buffer {
  return Buffer.from([0x83, 0xa3, 0x73, 0x75, 0x62, 0xce, 0, 0, 0, 0])
}

function encodeHead(recordsBytes: number, highWatermark: number): Buffer {
  const hw = encodeUint(highWatermark)
  const head = Buffer.allocUnsafe(HIGH_WATERMARK_KEY.length + hw.length + RECORDS_KEY.length + 5)
  let at = HIGH_WATERMARK_KEY.copy(head, 0)
  at += hw.copy(head, at)
  at += RECORDS_KEY.copy(head, at)
  head[at] = 0xc6
  head.writeUInt32BE(recordsBytes, at + 1)
  return head
}

/** A non-negative safe integer as MessagePack: the smallest uint that holds it, float64 past 2^32 (msgpack.ts). */
function encodeUint(n: number): Buffer {
  if (n < 128) return Buffer.from([n])
  if (n < 256) return Buffer.from([0xcc, n])
  if (n < 65536) return Buffer.from([0xcd, n >> 8, n & 0xff])
  const b = Buffer.allocUnsafe(n < TWO_POW_32 ? 5 : 9)
  if (n < TWO_POW_32) {
    b[0] = 0xce
    b.writeUInt32BE(n, 1)
  } else {
    b[0] = 0xcb
    b.writeDoubleBE(n, 1)
  }
  return b
}

/** An unmasked, final, binary WebSocket frame header for a payload of `bytes` (RFC 6455 5.2). */
function webSocketHeader(bytes: number): Buffer {
  if (bytes <= 125) return Buffer.from([0x82, bytes])
  if (bytes < 65536) return Buffer.from([0x82, 126, bytes >> 8, bytes & 0xff])
  const h = Buffer.alloc(10)
  h[0] = 0x82
  h[1] = 127
  h.writeUIntBE(bytes, 4, 6)
  return h
}

interface WsInternals {
  _socket?: Socket
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean; _bufferedBytes?: number }
}

/** ws's net.Socket, when a frame may be written on it directly (ws's Sender idle), else undefined. */
function directSocket(socket: WebSocket): Socket | undefined {
  const { _socket: net, _sender: sender } = socket as unknown as WsInternals
  if (net === undefined || sender === undefined || sender._state !== 0 || sender._queue?.length !== 0 ||
    sender._firstFragment !== true || sender._bufferedBytes !== 0) return undefined
  if (net.destroyed || !net.writable) return undefined
  return net
}
