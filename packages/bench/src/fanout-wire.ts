// What `faecie perf fanout`'s processes share: the stamp at the start of every record, the clock it
// is read on, and the lines a subscriber process and its parent exchange. Record layout:
//
//   bytes 0-7   float64 LE  intended send time, ms since the epoch on the shared wall clock
//                           (performance.timeOrigin + performance.now(): comparable across processes
//                           of one machine, unlike performance.now() alone)
//   bytes 8-11  uint32 LE   the record's index in the run (0 .. records-1)
//   bytes 12-   filler up to --record-size
//
// A subscriber process (fanout-subscribers.ts) gets a ChildConfig as JSON in argv[2]; it writes JSON
// lines on stdout: `{"ready":true}` once every subscriber is subscribed, `{"delivered":N}` now and
// then (progress), `{"warm":true}` once every subscriber got the warm-up record (index WARMUP_INDEX,
// sent before the run: the live path to every subscriber is up, and it is not measured), and one
// `{"report":ChildReport}` at its end. It reads lines on stdin:
// `{"startMs":T}` (the producer's wall-clock start, for lag) and `{"end":true}` (report now).
// Histograms cross as HdrHistogram's compressed base64 encoding, merged by the parent.
import hdr from 'hdr-histogram-js'
import { type Histogram, latencyHistogram } from './result.js'

export const FANOUT_STAMP_BYTES = 12
/** The index of the warm-up record, sent before the measured ones. */
export const WARMUP_INDEX = 0xffffffff

/** Now on the wall clock every process of the machine shares, in ms since the epoch (sub-ms precision). */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now()
}

/** Writes the stamp (intended send time, index) at the start of `value`. */
export function stampFanout(value: Uint8Array, sentMs: number, index: number): void {
  const view = new DataView(value.buffer, value.byteOffset, FANOUT_STAMP_BYTES)
  view.setFloat64(0, sentMs, true)
  view.setUint32(8, index, true)
}

/** The stamp of a value, or undefined when it is too short to carry one. */
export function fanoutStampOf(value: Uint8Array): { sentMs: number; index: number } | undefined {
  if (value.byteLength < FANOUT_STAMP_BYTES) return undefined
  const view = new DataView(value.buffer, value.byteOffset, FANOUT_STAMP_BYTES)
  return { sentMs: view.getFloat64(0, true), index: view.getUint32(8, true) }
}

/** How subscribers reach the system under test (one of them per subscriber, each its own connection). */
export type FanoutTarget =
  | { kind: 'faecie'; brokers: string[]; topic: string; offsets: { partition: number; offset: number }[] }
  /** The bare fan-out: each frame holds the records of one send, `recordBytes` each. */
  | { kind: 'ws'; url: string; recordBytes: number }
  | { kind: 'nats'; url: string; subject: string }
  | { kind: 'redis'; port: number; channel: string }

export interface ChildConfig {
  target: FanoutTarget
  subscribers: number
  records: number
  /** Records per second (for lag: how many records are due by now). */
  rate: number
  /** Subscriber connections opened at once while starting. */
  connectingMax: number
}

export interface ChildReport {
  subscribers: number
  /** Record copies delivered, all subscribers together. */
  delivered: number
  /** The most records one subscriber was behind (due by the clock, not yet delivered), at any sample or at the end. */
  lagMaxRecords: number
  /** The most records one subscriber still missed at the end. */
  lagAtEndRecords: number
  /** Wall-clock ms of the last delivery (0: none). */
  lastDeliveryMs: number
  /** Latencies in us, HdrHistogram compressed base64. */
  histogram: string
}

export type ChildLine = { ready: true } | { warm: true } | { delivered: number } | { report: ChildReport } | { error: string }

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram)
}

/** One histogram holding every value of the encoded ones. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = latencyHistogram()
  for (const text of encoded) merged.add(hdr.decodeFromCompressedBase64(text, 32, false))
  return merged
}
