// Op `stats`: what a broker is doing, for dashboards (the web console's overview): its identity,
// process figures, sessions, the size of the user topics, and the records and bytes produced and
// consumed over the last five minutes in points of `intervalMs` (10 s). No request fields.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export type StatsRequest = Record<string, never>

/** One point of the rate series: what moved during [atMs, atMs + intervalMs). */
export interface StatsPoint {
  atMs: number
  recordsIn: number
  bytesIn: number
  recordsOut: number
  bytesOut: number
}

export interface StatsResponse {
  brokerId: number
  serverVersion: string
  /** ws://host:port of this broker. */
  url: string
  uptimeMs: number
  rssBytes: number
  heapUsedBytes: number
  sessions: number
  /** User topics (not internal ones starting with __). */
  topics: number
  /** Partitions of user topics. */
  partitions: number
  /** Total log bytes of user topics. */
  sizeBytes: number
  /** Width of one series point (10_000). */
  intervalMs: number
  /** Oldest first, covering the last 5 minutes at most (30 points); the current, partial point last. */
  series: StatsPoint[]
}

export function parseStatsRequest(frame: RequestFrame): Parsed<StatsRequest> {
  return parseOp(frame, () => ({}))
}
