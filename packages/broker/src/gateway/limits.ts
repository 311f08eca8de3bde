// Every bound the broker puts on what clients may make it hold, in one place: each is configurable
// (the `limits` object of `--config FILE`), checked against the others at start-up (a set that
// contradicts itself stops the broker with a message, before it listens), and announced to clients
// in `hello`. What they bound, roughly: memory per frame (frameBytesMax) times frames in flight
// (inFlightMax) times sessions (sessionsMax), plus pushes held per socket (pushBufferedBytesMax).
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
}

/** Room in a frame for the envelope and the fields around one partition's records. */
export const FRAME_OVERHEAD_BYTES = 4096

/** The limits with `overrides` on top; throws an Error naming every problem. */
export function resolveLimits(overrides: Record<string, unknown> = {}): Limits {
  const problems: string[] = []
  const limits: Limits = { ...DEFAULT_LIMITS }
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
  return problems
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
  }
}
