// The shared push frame (live-frame.ts): a session's prefix and the shared body decode, with the
// protocol's own decoder, to the same value as the push encoded whole by encodeFrame; written
// directly on ws's socket (FAECIE_LIVE_FRAME_DIRECT), the bytes are one WebSocket frame of that
// payload; through ws, as one buffer, by default and whenever ws's sender is busy.
import { decodeFrame, encodeFrame, parseServerFrame } from '@faecie/protocol'
import type { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { PREFIX_BYTES, SharedPushFrame } from './live-frame.js'

function records(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + 7) & 0xff
  return out
}

const HIGH_WATERMARKS = [0, 5, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]
const SIZES = [1, 61, 200, 65_535, 70_000]
const SUBS = [0, 1, 200, 70_000, 0xffff_ffff]

/** A WebSocket frame's payload (unmasked, final, binary), checking its header. */
function payloadOf(frame: Buffer): Buffer {
  expect(frame[0]).toBe(0x82)
  const len7 = frame[1]!
  if (len7 < 126) return frame.subarray(2, 2 + len7)
  if (len7 === 126) return frame.subarray(4, 4 + frame.readUInt16BE(2))
  return frame.subarray(10, 10 + Number(frame.readBigUInt64BE(2)))
}

interface Push { sub: number; records: Uint8Array; highWatermark: number }

/** toEqual on large byte arrays is slow: the bytes are compared as Buffers. */
function expectSamePush(actual: Push, expected: Push): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
  expect(actual.sub).toBe(expected.sub)
  expect(actual.highWatermark).toBe(expected.highWatermark)
  expect(actual.records).toBeInstanceOf(Uint8Array)
  expect(Buffer.from(actual.records).equals(Buffer.from(expected.records))).toBe(true)
}

describe('SharedPushFrame', () => {
  it('decodes to the same push as encodeFrame, for every width of sub, high watermark and records', () => {
    for (const hw of HIGH_WATERMARKS) {
      for (const size of SIZES) {
        const bytes = records(size)
        const frame = new SharedPushFrame(bytes, hw)
        for (const sub of SUBS) {
          const whole = frame.wholeFrame(sub)
          expect(whole.length).toBe(frame.payloadBytes)
          const expected = decodeFrame(encodeFrame({ sub, records: bytes, highWatermark: hw })) as Push
          const decoded = decodeFrame(whole) as Push
          expectSamePush(decoded, expected)
          const parsed = parseServerFrame(decoded)
          expect(parsed.ok && parsed.value.kind).toBe('push')
        }
      }
    }
  })

  it('has a prefix of fixed width: only its sub differs between sessions', () => {
    const frame = new SharedPushFrame(records(100), 1234)
    const a = frame.wholeFrame(0)
    const b = frame.wholeFrame(0xffff_ffff)
    expect(a.subarray(0, 6)).toEqual(Buffer.from([0x83, 0xa3, 0x73, 0x75, 0x62, 0xce]))
    expect(a.subarray(PREFIX_BYTES).equals(b.subarray(PREFIX_BYTES))).toBe(true)
    expect(b.readUInt32BE(6)).toBe(0xffff_ffff)
  })

  it('writes [ws header + prefix + head, records] on an idle socket, the records not copied', () => {
    for (const size of [10, 200, 70_000]) {
      const bytes = records(size)
      const frame = new SharedPushFrame(bytes, 99)
      const writes: Uint8Array[] = []
      let corked = 0
      const net = {
        destroyed: false, writable: true,
        cork: () => { corked++ }, uncork: () => { corked-- },
        write: (chunk: Uint8Array, cb?: () => void) => { writes.push(chunk); cb?.() },
      }
      const ws = { _socket: net, _sender: { _state: 0, _queue: [], _firstFragment: true, _bufferedBytes: 0 } } as unknown as WebSocket
      let done = 0
      frame.write(ws, 42, () => { done++ }, true)
      expect(writes).toHaveLength(2)
      expect(writes[1]).toBe(bytes)
      expect(corked).toBe(0)
      expect(done).toBe(1)
      const payload = payloadOf(Buffer.concat(writes))
      expect(payload.equals(frame.wholeFrame(42))).toBe(true)
    }
  })

  it('goes through ws, as one buffer, by default', () => {
    const bytes = records(50)
    const frame = new SharedPushFrame(bytes, 7)
    const sent: Uint8Array[] = []
    const ws = {
      _socket: { destroyed: false, writable: true, write: () => { throw new Error('written past ws') } },
      _sender: { _state: 0, _queue: [], _firstFragment: true, _bufferedBytes: 0 },
      send: (data: Uint8Array, _opts: unknown, cb: () => void) => { sent.push(data); cb() },
    } as unknown as WebSocket
    frame.write(ws, 3, () => undefined)
    expect(sent).toHaveLength(1)
    expectSamePush(decodeFrame(sent[0]!) as Push, { sub: 3, records: bytes, highWatermark: 7 })
  })

  it('goes through ws, as one buffer, while ws has something queued', () => {
    const bytes = records(50)
    const frame = new SharedPushFrame(bytes, 7)
    const sent: Uint8Array[] = []
    const ws = {
      _socket: { destroyed: false, writable: true, write: () => { throw new Error('written past ws') } },
      _sender: { _state: 1, _queue: [{}], _firstFragment: true, _bufferedBytes: 10 },
      send: (data: Uint8Array, _opts: unknown, cb: () => void) => { sent.push(data); cb() },
    } as unknown as WebSocket
    let done = 0
    frame.write(ws, 3, () => { done++ }, true)
    expect(done).toBe(1)
    expect(sent).toHaveLength(1)
    expectSamePush(decodeFrame(sent[0]!) as Push, { sub: 3, records: bytes, highWatermark: 7 })
  })
})
