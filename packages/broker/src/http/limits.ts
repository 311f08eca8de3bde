// The HTTP API's own bounds, each explicit and overridable (registerHttpApi's options); the defaults
// follow the broker's limits (gateway/limits.ts) where one applies, so the HTTP API never lets a
// client make the broker hold more than the WebSocket protocol would.
import type { Limits } from '../gateway/limits.js'

export interface HttpLimits {
  /** Largest JSON body of a produce request (other endpoints take tiny bodies: 64 KiB). */
  produceBodyBytesMax: number
  /** Records in one produce request; one more: 400 INVALID_REQUEST. */
  produceRecordsMax: number
  /** Records one read answers at most (the `maxRecords` ceiling). */
  readRecordsMax: number
  /** `maxRecords` when the request gives none. */
  readRecordsDefault: number
  /** `maxBytes` of a read when the request gives none (capped by the broker's fetchBytesMax). */
  readBytesDefault: number
  /** Longest a read may long-poll (`maxWaitMs` is lowered to it): the broker's maxWaitMsMax. */
  maxWaitMsMax: number
  /** Requests being served at once over HTTP (SSE streams not counted); one more: 429 TOO_MANY_IN_FLIGHT. */
  requestsInFlightMax: number
  /** Open Server-Sent Events streams; one more: 429 TOO_MANY_SUBSCRIPTIONS. */
  tailStreamsMax: number
  /** Partitions one stream may follow (a whole-topic tail of a larger topic: 400). */
  tailPartitionsMax: number
  /** Bytes of records a stream may have read ahead of its socket. */
  tailCreditBytes: number
  /** Heartbeat comment interval when the request gives no `heartbeatMs`. */
  tailHeartbeatMsDefault: number
  /** Bodies of the small endpoints (create topic). */
  smallBodyBytesMax: number
  /** Arrays and objects nested in a JSON body at most; deeper: 400 INVALID_REQUEST. */
  jsonDepthMax: number
  /** Open HTTP connections, WebSocket sessions included (more than sessionsMax); one more: 429 and closed (connections.ts). */
  connectionsMax: number
  /** Open HTTP connections from one remote address (more than sessionsPerAddressMax); one more: 429 and closed. */
  connectionsPerAddressMax: number
  /** Bytes of request bodies being received or handled at once, all requests together; past it: 429 TOO_MANY_IN_FLIGHT. */
  requestBodyBytesInFlightMax: number
  /** Time for a request's headers to arrive; a connection still sending them is answered 408 and closed (slowloris). */
  headersTimeoutMs: number
  /** Time for a whole request (headers and body) to arrive; past it: 408 and closed. */
  requestTimeoutMs: number
}

const KiB = 1024

/** The defaults for a broker with these limits. */
export function defaultHttpLimits(limits: Limits): HttpLimits {
  const requestsInFlightMax = limits.inFlightMax * 4
  const tailStreamsMax = 256
  // A WebSocket session is an HTTP connection too: room for every request and tail besides them.
  const connectionsMax = limits.sessionsMax + requestsInFlightMax + tailStreamsMax
  return {
    // A JSON body carries its records as text or base64 (4/3 of the bytes): the frame limit covers it.
    produceBodyBytesMax: limits.frameBytesMax,
    produceRecordsMax: 10_000,
    readRecordsMax: 10_000,
    readRecordsDefault: 500,
    readBytesDefault: Math.min(1024 * KiB, limits.fetchBytesMax),
    maxWaitMsMax: limits.maxWaitMsMax,
    requestsInFlightMax,
    tailStreamsMax,
    tailPartitionsMax: limits.subscriptionsMax,
    tailCreditBytes: Math.min(1024 * KiB, limits.pushBufferedBytesMax),
    tailHeartbeatMsDefault: 15_000,
    smallBodyBytesMax: 64 * KiB,
    jsonDepthMax: 64,
    connectionsMax,
    connectionsPerAddressMax: Math.min(connectionsMax, limits.sessionsPerAddressMax + tailStreamsMax),
    requestBodyBytesInFlightMax: Math.min(16 * limits.frameBytesMax, limits.requestBytesInFlightMax),
    headersTimeoutMs: 30_000,
    requestTimeoutMs: 120_000,
  }
}

/** What is wrong with the HTTP limits next to the broker's; empty when they fit. */
export function httpLimitProblems(http: HttpLimits, limits: Limits): string[] {
  const problems: string[] = []
  const need = (ok: boolean, what: string): void => { if (!ok) problems.push(what) }
  need(http.readBytesDefault <= limits.fetchBytesMax,
    `http.readBytesDefault (${http.readBytesDefault}) must not exceed fetchBytesMax (${limits.fetchBytesMax})`)
  need(http.readRecordsDefault <= http.readRecordsMax,
    `http.readRecordsDefault (${http.readRecordsDefault}) must not exceed http.readRecordsMax (${http.readRecordsMax})`)
  need(http.maxWaitMsMax <= limits.maxWaitMsMax,
    `http.maxWaitMsMax (${http.maxWaitMsMax}) must not exceed maxWaitMsMax (${limits.maxWaitMsMax})`)
  need(http.produceBodyBytesMax <= 2 * limits.frameBytesMax,
    `http.produceBodyBytesMax (${http.produceBodyBytesMax}) must not exceed twice frameBytesMax (${2 * limits.frameBytesMax})`)
  need(http.tailCreditBytes <= limits.sessionQueuedBytesMax,
    `http.tailCreditBytes (${http.tailCreditBytes}) must not exceed sessionQueuedBytesMax (${limits.sessionQueuedBytesMax})`)
  need(http.tailPartitionsMax <= limits.subscriptionsMax,
    `http.tailPartitionsMax (${http.tailPartitionsMax}) must not exceed subscriptionsMax (${limits.subscriptionsMax})`)
  need(http.connectionsMax > limits.sessionsMax,
    `http.connectionsMax (${http.connectionsMax}) must exceed sessionsMax (${limits.sessionsMax}): WebSocket sessions are HTTP connections too`)
  need(http.connectionsPerAddressMax > limits.sessionsPerAddressMax,
    `http.connectionsPerAddressMax (${http.connectionsPerAddressMax}) must exceed sessionsPerAddressMax (${limits.sessionsPerAddressMax})`)
  need(http.connectionsPerAddressMax <= http.connectionsMax,
    `http.connectionsPerAddressMax (${http.connectionsPerAddressMax}) must not exceed http.connectionsMax (${http.connectionsMax})`)
  need(http.requestBodyBytesInFlightMax >= http.produceBodyBytesMax,
    `http.requestBodyBytesInFlightMax (${http.requestBodyBytesInFlightMax}) must hold one produce body, http.produceBodyBytesMax (${http.produceBodyBytesMax})`)
  need(http.headersTimeoutMs <= http.requestTimeoutMs,
    `http.headersTimeoutMs (${http.headersTimeoutMs}) must not exceed http.requestTimeoutMs (${http.requestTimeoutMs})`)
  need(http.requestTimeoutMs <= 3_600_000, `http.requestTimeoutMs (${http.requestTimeoutMs}) is over an hour`)
  need(http.jsonDepthMax <= 1000, `http.jsonDepthMax (${http.jsonDepthMax}) is over 1000: deeper values overflow the stack`)
  return problems
}

/** Heartbeats may be asked for between these (query `heartbeatMs`). */
export const HEARTBEAT_MS_RANGE = { min: 1_000, max: 300_000 } as const
