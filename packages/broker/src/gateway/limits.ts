// Every bound the broker puts on what clients may make it hold, in one place: each is configurable
// (the `limits` object of `--config FILE`), checked against the others at start-up (a set that
// contradicts itself stops the broker with a message, before it listens), and announced to clients
// in `hello`. What they bound, roughly: on the way in, bytes of request frames in flight per
// session (sessionRequestBytesMax) and in total (requestBytesInFlightMax); on the way out, bytes queued for sending
// per session (sessionQueuedBytesMax, then sessionQueuedBytesHardMax) and in total (queuedBytesMax),
// with every read from disk taken out of the read budget (readBytesInFlightMax) before it is made.
// Time bounds: hello within helloTimeoutMs, no session idle past sessionIdleMsMax, no queue over its
// bound past sessionQueuedMsMax.
import { SEGMENT_BYTES_MAX } from '../storage/log-config.js'

export interface Limits {
  /** Largest WebSocket message a client may send; a larger one closes the session with 4001. */
  frameBytesMax: number
  /** Largest record data of one partition in a produce (and the ceiling of `max.message.bytes`). */
  batchBytesMax: number
  /** Requests in flight per session; one more is answered TOO_MANY_IN_FLIGHT. */
  inFlightMax: number
  /** Open sessions (WebSockets) per broker; one more is closed with 4002. */
  sessionsMax: number
  /** Live subscriptions per session; one more is answered TOO_MANY_SUBSCRIPTIONS. */
  subscriptionsMax: number
  /** Longest a fetch may wait for data; a larger maxWaitMs is lowered to it. */
  maxWaitMsMax: number
  /** Partitions a topic may have (createTopics, createPartitions: INVALID_PARTITIONS above it). */
  partitionsPerTopicMax: number
  /** Partitions on this broker, all topics together (each holds files open and a thread's attention). */
  partitionsMax: number
  /** Record bytes in one fetch answer (beyond the first whole batch, which always comes). */
  fetchBytesMax: number
  /** Pushes wait while a socket has more than this many bytes queued for sending. */
  pushBufferedBytesMax: number
  /** Requests in flight to one partition (the partition manager's mailbox): MAILBOX_FULL above it. */
  mailboxDepthMax: number
  /** Topics or partitions named in one request. */
  requestItemsMax: number
  /** Largest size a frame's MessagePack array or map may declare: refused (close 4000) before decoding. */
  frameItemsMax: number
  /** Bytes queued for sending on one session (answers and pushes) past which it stops reading requests. */
  sessionQueuedBytesMax: number
  /** Bytes queued on one session past which it is closed at once (4005). */
  sessionQueuedBytesHardMax: number
  /** Longest a session may stay over sessionQueuedBytesMax before it is closed (4005). */
  sessionQueuedMsMax: number
  /** Bytes queued for sending on all sessions together past which sessions with a queue stop reading. */
  queuedBytesMax: number
  /** Bytes read from disk for answers not yet flushed to their sockets, all sessions together (the read budget). */
  readBytesInFlightMax: number
  /** Time from the WebSocket upgrade to `hello`; a session still silent is closed (4006). */
  helloTimeoutMs: number
  /** A session with no request in flight and no subscription for this long is closed (4007). */
  sessionIdleMsMax: number
  /** Open sessions from one remote address; one more is closed with 4002. */
  sessionsPerAddressMax: number
  /** Bytes of request frames in flight on one session past which it stops reading requests. */
  sessionRequestBytesMax: number
  /** Bytes of request frames in flight on all sessions past which sessions with requests in flight stop reading. */
  requestBytesInFlightMax: number
  /**
   * Bytes a partition's live tail (live-tail.ts) pushes at once: the most the partition thread sends
   * with an offsets notification, and the most one read of the tail asks for (lowered to
   * fetchBytesMax and pushBufferedBytesMax when they are lower).
   */
  liveTailBytesMax: number
  /** Sessions are pinged this often; one that has not answered the previous ping is ended (half-open). */
  pingIntervalMs: number
}

const MiB = 1024 * 1024

export const DEFAULT_LIMITS: Readonly<Limits> = {
  frameBytesMax: 8 * MiB,
  batchBytesMax: 4 * MiB,
  inFlightMax: 256,
  sessionsMax: 1024,
  subscriptionsMax: 64,
  maxWaitMsMax: 30_000,
  partitionsPerTopicMax: 1024,
  partitionsMax: 10_000,
  fetchBytesMax: 16 * MiB,
  pushBufferedBytesMax: 4 * MiB,
  mailboxDepthMax: 1024,
  requestItemsMax: 10_000,
  frameItemsMax: 100_000,
  sessionQueuedBytesMax: 32 * MiB,
  sessionQueuedBytesHardMax: 64 * MiB,
  sessionQueuedMsMax: 30_000,
  queuedBytesMax: 512 * MiB,
  readBytesInFlightMax: 256 * MiB,
  helloTimeoutMs: 10_000,
  sessionIdleMsMax: 600_000,
  sessionsPerAddressMax: 256,
  pingIntervalMs: 30_000,
  liveTailBytesMax: 1 * MiB,
  sessionRequestBytesMax: 64 * MiB,
  requestBytesInFlightMax: 512 * MiB,
}

/** Room in a frame for the envelope and the fields around one partition's records. */
export const FRAME_OVERHEAD_BYTES = 4096

/**
 * What the broker holds for each topic and partition a request names while it is in flight (a
 * message to a partition thread and its copy of the records, promises, the answer's entry), counted
 * with the frame's bytes against sessionRequestBytesMax and requestBytesInFlightMax. Measured: 20
 * pipelined produces of 9,999 one-record partitions each grew the broker by 1.2 GB, ~6 KB an item.
 */
export const REQUEST_ITEM_BYTES = 6 * 1024

/** The topics and partitions a parsed request names (its `topics`, and each one's `partitions`). */
export function requestItems(request: unknown): number {
  const topics = (request as { topics?: unknown }).topics
  if (!Array.isArray(topics)) return 0
  let items = topics.length
  for (const topic of topics) {
    const partitions = (topic as { partitions?: unknown } | null)?.partitions
    if (Array.isArray(partitions)) items += partitions.length
  }
  return items
}

/** The limits with `overrides` on top; throws an Error naming every problem. */
export function resolveLimits(overrides: Record<string, unknown> = {}): Limits {
  const problems: string[] = []
  const limits: Limits = { ...DEFAULT_LIMITS }
  // Unless given, the per-address cap follows a lower sessionsMax (a small broker, a test).
  if (overrides.sessionsPerAddressMax === undefined && typeof overrides.sessionsMax === 'number') {
    limits.sessionsPerAddressMax = Math.min(DEFAULT_LIMITS.sessionsPerAddressMax, overrides.sessionsMax)
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) {
      problems.push(`unknown limit ${key} (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`)
      continue
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      problems.push(`limit ${key} must be an integer of at least 1, got ${JSON.stringify(value)}`)
      continue
    }
    limits[key as keyof Limits] = value
  }
  problems.push(...limitProblems(limits))
  if (problems.length > 0) throw new Error(`bad limits: ${problems.join('; ')}`)
  return limits
}

/** What is wrong with a set of limits taken together; empty when they fit. */
export function limitProblems(l: Limits): string[] {
  const problems: string[] = []
  const need = (ok: boolean, what: string): void => { if (!ok) problems.push(what) }
  need(l.batchBytesMax + FRAME_OVERHEAD_BYTES <= l.frameBytesMax,
    `frameBytesMax (${l.frameBytesMax}) must hold batchBytesMax (${l.batchBytesMax}) + ${FRAME_OVERHEAD_BYTES} bytes of envelope`)
  need(l.batchBytesMax >= 61, `batchBytesMax (${l.batchBytesMax}) must hold one batch header (61 bytes)`)
  need(l.batchBytesMax <= SEGMENT_BYTES_MAX, `batchBytesMax (${l.batchBytesMax}) must fit a segment (${SEGMENT_BYTES_MAX})`)
  need(l.frameBytesMax <= 1024 * MiB, `frameBytesMax (${l.frameBytesMax}) is over 1 GiB`)
  need(l.fetchBytesMax >= l.batchBytesMax,
    `fetchBytesMax (${l.fetchBytesMax}) must be at least batchBytesMax (${l.batchBytesMax}): a fetch returns whole batches`)
  need(l.inFlightMax <= l.mailboxDepthMax,
    `inFlightMax (${l.inFlightMax}) must not exceed mailboxDepthMax (${l.mailboxDepthMax}): one session alone must not fill a partition's mailbox`)
  need(l.maxWaitMsMax <= 300_000, `maxWaitMsMax (${l.maxWaitMsMax}) is over 5 minutes`)
  need(l.partitionsPerTopicMax <= 100_000, `partitionsPerTopicMax (${l.partitionsPerTopicMax}) is over 100000`)
  need(l.partitionsPerTopicMax <= l.partitionsMax,
    `partitionsPerTopicMax (${l.partitionsPerTopicMax}) must not exceed partitionsMax (${l.partitionsMax})`)
  need(l.pushBufferedBytesMax >= 64 * 1024, `pushBufferedBytesMax (${l.pushBufferedBytesMax}) is under 64 KiB`)
  // One fetch answer (up to fetchBytesMax, plus the first batch that may pass it) must fit a session's
  // share of the read budget, and that share the broker's budget, or a fetch could never be served.
  const oneAnswer = l.fetchBytesMax + l.batchBytesMax
  need(l.sessionQueuedBytesMax >= oneAnswer,
    `sessionQueuedBytesMax (${l.sessionQueuedBytesMax}) must hold one fetch answer: fetchBytesMax + batchBytesMax (${oneAnswer})`)
  need(l.sessionQueuedBytesMax >= l.pushBufferedBytesMax,
    `sessionQueuedBytesMax (${l.sessionQueuedBytesMax}) must be at least pushBufferedBytesMax (${l.pushBufferedBytesMax})`)
  need(l.sessionQueuedBytesHardMax >= l.sessionQueuedBytesMax + l.frameBytesMax,
    `sessionQueuedBytesHardMax (${l.sessionQueuedBytesHardMax}) must be at least sessionQueuedBytesMax + frameBytesMax (${l.sessionQueuedBytesMax + l.frameBytesMax})`)
  need(l.readBytesInFlightMax >= l.sessionQueuedBytesMax,
    `readBytesInFlightMax (${l.readBytesInFlightMax}) must hold one session's share, sessionQueuedBytesMax (${l.sessionQueuedBytesMax})`)
  need(l.queuedBytesMax >= l.sessionQueuedBytesHardMax,
    `queuedBytesMax (${l.queuedBytesMax}) must be at least sessionQueuedBytesHardMax (${l.sessionQueuedBytesHardMax})`)
  need(l.frameItemsMax >= l.requestItemsMax,
    `frameItemsMax (${l.frameItemsMax}) must be at least requestItemsMax (${l.requestItemsMax})`)
  need(l.sessionsPerAddressMax <= l.sessionsMax,
    `sessionsPerAddressMax (${l.sessionsPerAddressMax}) must not exceed sessionsMax (${l.sessionsMax})`)
  need(l.sessionRequestBytesMax >= l.frameBytesMax,
    `sessionRequestBytesMax (${l.sessionRequestBytesMax}) must be at least frameBytesMax (${l.frameBytesMax})`)
  need(l.requestBytesInFlightMax >= l.sessionRequestBytesMax,
    `requestBytesInFlightMax (${l.requestBytesInFlightMax}) must be at least sessionRequestBytesMax (${l.sessionRequestBytesMax})`)
  need(l.pingIntervalMs >= 100 && l.pingIntervalMs <= 600_000, `pingIntervalMs (${l.pingIntervalMs}) must be from 100 to 600000`)
  need(l.helloTimeoutMs <= l.sessionIdleMsMax,
    `helloTimeoutMs (${l.helloTimeoutMs}) must not exceed sessionIdleMsMax (${l.sessionIdleMsMax})`)
  return problems
}

/** What a live tail pushes at once: liveTailBytesMax, but never past one fetch nor a socket's push buffer. */
export function liveTailBytes(l: Limits): number {
  return Math.min(l.liveTailBytesMax, l.fetchBytesMax, l.pushBufferedBytesMax)
}

/** The limits a client is told in `hello`. */
export function announcedLimits(l: Limits): Record<string, number> {
  return {
    frameBytesMax: l.frameBytesMax,
    batchBytesMax: l.batchBytesMax,
    inFlightMax: l.inFlightMax,
    subscriptionsMax: l.subscriptionsMax,
    maxWaitMsMax: l.maxWaitMsMax,
    sessionsMax: l.sessionsMax,
    partitionsPerTopicMax: l.partitionsPerTopicMax,
    partitionsMax: l.partitionsMax,
    fetchBytesMax: l.fetchBytesMax,
    requestItemsMax: l.requestItemsMax,
    frameItemsMax: l.frameItemsMax,
    sessionQueuedBytesMax: l.sessionQueuedBytesMax,
    helloTimeoutMs: l.helloTimeoutMs,
    sessionIdleMsMax: l.sessionIdleMsMax,
  }
}
