// A partition actor's (partition-actor.ts) ops on its own log, besides produce and replication
// (replica-ops.ts): fetch, listOffsets, status, truncate, retention, updateConfig, the compaction
// plan and swap, checkSegment, repair and deleteRecords; which ops write (refused while the disk is
// at fault) and which are ordered (they see every earlier produce committed and wait for a running
// pipelined sync); and how an answer goes back (a fetch's bytes in a buffer of their own, transferred).
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OVERHEAD, BatchField, lastOffsetOf } from '@faecie/protocol'
import type { PartitionLog } from '../storage/log.js'
import type { Envelope } from './actor-options.js'
import type { FetchResult, PartitionConfig, PartitionOffsets, PartitionRequest } from './messages.js'
import type { ProducerState } from './producer-state.js'
import type { LeaderStatus, ReplicaOp } from './replica-ops.js'

/** Ops that write to the log: refused while the disk is at fault. */
export const WRITING_OPS = new Set<PartitionRequest['op']>(['produce', 'truncate', 'retention', 'updateConfig', 'compactPlan', 'compactSwap', 'checkSegment', 'repair', 'deleteRecords',
  'becomeLeader', 'appendReplica', 'truncateReplica', 'resetReplica'])
/** Ops that see every produce before them committed and wait for a running pipelined sync. */
export const ORDERED_OPS = new Set<PartitionRequest['op']>(['truncate', 'retention', 'updateConfig', 'compactSwap', 'repair', 'deleteRecords',
  'becomeLeader', 'becomeFollower', 'appendReplica', 'truncateReplica', 'resetReplica'])

/** An op handleLogOp answers. */
export type LogOp = Exclude<PartitionRequest, { op: 'produce' } | ReplicaOp>

/** What the log ops borrow from their actor (read at each call: the log changes when the disk heals). */
export interface LogOpHost {
  log(): PartitionLog
  producers(): ProducerState
  offsets(): PartitionOffsets
  /** A leader's extra status fields (replica-ops.ts), else undefined. */
  statusExtras(): LeaderStatus | undefined
  /** Producer state changed under the log (a truncation): snapshot it. */
  writeSnapshot(): void
  /** The actor's settings change (updateConfig): `partial` merged over them. */
  mergeConfig(partial: Partial<PartitionConfig>): void
  clock(): number
}

/** Runs one log op; its answer (or a thrown error) goes back to the client. */
export function handleLogOp(request: LogOp, host: LogOpHost): unknown {
  const log = host.log()
  switch (request.op) {
    case 'fetch': {
      const read = log.read(request.offset, request.maxBytes, request.isolation === undefined ? {} : { isolation: request.isolation })
      const result: FetchResult = {
        bytes: read.bytes,
        logStartOffset: read.logStartOffset,
        highWatermark: read.highWatermark,
        logEndOffset: log.logEndOffset,
      }
      return result
    }
    case 'listOffsets': {
      const spec = request.spec
      if (spec === 'earliest') return { offset: log.logStartOffset }
      if (spec === 'latest') return { offset: log.highWatermark }
      const found = log.offsetForTimestamp(spec.timestamp)
      return { offset: found === null || found >= log.highWatermark ? -1 : Math.max(found, log.logStartOffset) }
    }
    case 'status':
      return { ...host.offsets(), ...host.statusExtras() }
    case 'truncate':
      log.truncateTo(request.offset)
      host.producers().truncateFrom(request.offset)
      host.writeSnapshot()
      return host.offsets()
    case 'retention': {
      const before = log.segmentCount
      log.applyRetention(host.clock())
      return { ...host.offsets(), segmentsDeleted: before - log.segmentCount }
    }
    case 'updateConfig':
      host.mergeConfig(request.config)
      log.updateConfig(request.config)
      return host.offsets()
    case 'compactPlan':
      return log.compactionPlan(request.force)
    case 'compactSwap': {
      const outcome = log.swapCleaned(request.result)
      return { ...host.offsets(), ...outcome }
    }
    case 'checkSegment':
      log.checkClosedSegment(request.baseOffset)
      return host.offsets()
    case 'repair': {
      const outcome = log.repairDamage()
      return { ...host.offsets(), offsetsSkipped: outcome.offsetsSkipped, segmentsDeleted: outcome.segmentsDeleted }
    }
    case 'deleteRecords': {
      const outcome = log.deleteRecordsBefore(request.offset === -1 ? log.highWatermark : request.offset)
      return { ...host.offsets(), segmentsDeleted: outcome.segmentsDeleted }
    }
  }
}

/** Answers `envelope` with `value`; a fetch's bytes go in a buffer of their own, transferred with it. */
export function replyWith(envelope: Envelope, value: unknown): void {
  if (isFetchResult(value)) {
    const owned = ownedCopy(value.bytes)
    envelope.reply({ ok: true, value: { ...value, bytes: owned } }, owned.buffer as ArrayBuffer)
  } else {
    envelope.reply({ ok: true, value })
  }
}

/**
 * The bytes of exactly the whole batches [from, to) below the high watermark, in a buffer of their
 * own, when they are at most `bytesMax` bytes (a live tail's notification, actor-host.ts); undefined
 * when they are more, or do not start and end exactly there (the gateway then reads them itself).
 */
export function readableBytes(log: PartitionLog, from: number, to: number, bytesMax: number): Uint8Array | undefined {
  if (from < log.logStartOffset || to > log.highWatermark || from >= to) return undefined
  const bytes = log.read(from, bytesMax).bytes
  if (bytes.length < BATCH_HEADER_BYTES || bytes.length > bytesMax) return undefined
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (Number(dv.getBigInt64(BatchField.baseOffset)) !== from) return undefined
  let pos = 0
  let last = -1
  while (bytes.length - pos >= BATCH_HEADER_BYTES) {
    last = lastOffsetOf(bytes, pos)
    pos += dv.getInt32(pos + BatchField.batchLength) + BATCH_LENGTH_OVERHEAD
  }
  return pos === bytes.length && last + 1 === to ? ownedCopy(bytes) : undefined
}

function isFetchResult(value: unknown): value is FetchResult {
  return typeof value === 'object' && value !== null && (value as FetchResult).bytes instanceof Uint8Array
}

/** A Uint8Array that owns its whole ArrayBuffer, so it can be transferred without detaching others. */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  // An empty read may be a constant shared by every caller: transferring it twice in one message
  // would fail, and transferring it at all would detach it for everyone.
  if (bytes.length === 0) return new Uint8Array(0)
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes
  }
  return bytes.slice()
}
