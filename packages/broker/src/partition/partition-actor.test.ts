// The partition actor in this thread, on a real disk in a temp dir: group commit, validation, the
// idempotent producer's rules, producer state across restarts and crashes and its expiry after
// producer.id.expiration.ms, and one reading of the clock per tick.
import '@faecie/protocol/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Attribute, BatchField, checkBatch, decodeBatch, decodeBatches, ErrorCode, readBatchHeader } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import type { Disk } from '../storage/disk.js'
import { PartitionLog } from '../storage/log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { RealDisk } from '../storage/real-disk.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { PartitionConfig, PartitionReply, ProduceResult } from './messages.js'
import { PartitionActor, type ActorOptions } from './partition-actor.js'
import { produce, testBatch, tick } from './test-batches.js'

const baseConfig: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 4096, timestampType: 'CreateTime' }

/** A real disk that counts fdatasync calls, to see group commit happen. */
class CountingDisk extends RealDisk {
  fdatasyncs = 0
  override fdatasync(fd: Parameters<Disk['fdatasync']>[0]): void {
    this.fdatasyncs++
    super.fdatasync(fd)
  }
}

let dir: string
let disk: CountingDisk
let now = 1_700_000_000_000

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'faecie-actor-')), 't-0')
  disk = new CountingDisk()
})
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }))

function openActor(config: PartitionConfig = baseConfig, clock: () => number = () => now, options: Partial<ActorOptions> = {}): PartitionActor {
  const log = PartitionLog.open({ dir, config, disk, clock: () => now, logger: silentLogger() })
  return new PartitionActor({ log, snapshots: diskSnapshotStore(disk, dir), config, clock, logger: silentLogger(), ...options })
}

/** The producer ids held in the partition's producer-state snapshot. */
function snapshotProducerIds(): number[] {
  const text = diskSnapshotStore(disk, dir).read()
  if (text === undefined) throw new Error('no producer-state snapshot')
  return (JSON.parse(text) as { producers: { id: number }[] }).producers.map((p) => p.id)
}

const ok = (reply: PartitionReply | undefined): ProduceResult => {
  if (!reply?.ok) throw new Error(`expected success, got ${JSON.stringify(reply)}`)
  return reply.value as ProduceResult
}
const idempotent = (tag: string, producerId: number, producerEpoch: number, baseSequence: number, count = 2) =>
  testBatch(tag, count, { producerId, producerEpoch, baseSequence })

describe('PartitionActor', () => {
  it('appends a whole tick with one fdatasync (group commit) and answers in offset order', () => {
    const actor = openActor()
    const before = disk.fdatasyncs
    const replies = tick(actor, Array.from({ length: 20 }, (_, i) => produce(testBatch(`b${i}`, 5))))
    expect(replies.map((r) => ok(r).baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 5))
    // The log's one sync per tick; recovery-point bookkeeping may add its own, but never one per request.
    expect(disk.fdatasyncs - before).toBeLessThanOrEqual(3)
    expect(actor.offsets.highWatermark).toBe(100)
  })

  it('refuses a corrupt, oversized or empty batch alone and appends the rest of the tick', () => {
    const actor = openActor()
    const corrupt = testBatch('c')
    corrupt[BatchField.records + 2]! ^= 0x55
    const big = testBatch('big', 1000)
    const truncated = testBatch('t').subarray(0, 40)
    const replies = tick(actor, [produce(testBatch('a')), produce(corrupt), produce(big), produce(truncated), produce(testBatch('z'))])
    expect(ok(replies[0]).baseOffset).toBe(0)
    expect(replies[1]).toMatchObject({ ok: false, error: { code: ErrorCode.CORRUPT_MESSAGE } })
    expect(replies[2]).toMatchObject({ ok: false, error: { code: ErrorCode.MESSAGE_TOO_LARGE } })
    expect(replies[3]).toMatchObject({ ok: false, error: { code: ErrorCode.CORRUPT_MESSAGE } })
    expect(ok(replies[4]).baseOffset).toBe(3)
    expect(actor.offsets.logEndOffset).toBe(6)
  })

  it('refuses transactional batches, which faecie does not support yet', () => {
    const actor = openActor()
    const replies = tick(actor, [produce(testBatch('tx', 1, { transactional: true, producerId: 1, producerEpoch: 0, baseSequence: 0 }))])
    expect(replies[0]).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_REQUEST } })
  })

  it('answers a resent batch with its original offsets and writes it once', () => {
    const actor = openActor()
    const first = tick(actor, [produce(idempotent('a', 9, 0, 0)), produce(idempotent('b', 9, 0, 2))])
    expect(first.map((r) => ok(r).baseOffset)).toEqual([0, 2])
    // The same two batches again, in a later tick and within one: duplicates, not new records.
    const again = tick(actor, [produce(idempotent('b', 9, 0, 2)), produce(idempotent('a', 9, 0, 0)), produce(idempotent('c', 9, 0, 4))])
    expect(again.map((r) => ok(r))).toMatchObject([
      { baseOffset: 2, duplicate: true }, { baseOffset: 0, duplicate: true }, { baseOffset: 4, duplicate: false },
    ])
    expect(actor.offsets.logEndOffset).toBe(6)
  })

  it('refuses a sequence gap and a fenced epoch as Kafka does', () => {
    const actor = openActor()
    ok(tick(actor, [produce(idempotent('a', 9, 3, 0))])[0])
    const replies = tick(actor, [produce(idempotent('gap', 9, 3, 5)), produce(idempotent('old', 9, 2, 2)), produce(idempotent('new', 7, 0, 3))])
    expect(replies[0]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
    expect(replies[1]).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_PRODUCER_EPOCH } })
    expect(replies[2]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
    expect(actor.offsets.logEndOffset).toBe(2)
  })

  it('keeps producer state across a clean restart (snapshot) and a crash (replay from the log)', () => {
    let actor = openActor()
    tick(actor, [produce(idempotent('a', 9, 0, 0)), produce(idempotent('b', 9, 0, 2))])
    actor.close()
    actor = openActor()
    expect(ok(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0])).toMatchObject({ baseOffset: 2, duplicate: true })
    ok(tick(actor, [produce(idempotent('c', 9, 0, 4))])[0])
    // No close: the snapshot is older than the log, so the actor must replay batch headers after it.
    actor = openActor()
    expect(ok(tick(actor, [produce(idempotent('c', 9, 0, 4))])[0])).toMatchObject({ baseOffset: 4, duplicate: true })
    expect(tick(actor, [produce(idempotent('d', 9, 0, 9))])[0]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
  })

  it('forgets a producer producer.id.expiration.ms after its last append, on the periodic check, and in the snapshot', () => {
    const start = now
    const config = { ...baseConfig, producerIdExpirationMs: 10_000 }
    const actor = openActor(config, () => now, { producerIdExpirationCheckMs: 1_000 })
    ok(tick(actor, [produce(idempotent('a', 9, 0, 0)), produce(idempotent('x', 5, 0, 0))])[0])
    now = start + 4_000
    ok(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0]) // producer 9's last append: start + 4 s
    now = start + 10_000
    actor.onTimer(now)
    // Producer 5 is 10 s idle and forgotten; producer 9 is 6 s idle and still known.
    expect(snapshotProducerIds()).toEqual([9])
    expect(ok(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0])).toMatchObject({ baseOffset: 4, duplicate: true })
    expect(tick(actor, [produce(idempotent('y', 5, 0, 2))])[0]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
    now = start + 13_999
    actor.onTimer(now)
    expect(ok(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0])).toMatchObject({ duplicate: true })
    // Idle for 10 s from start + 14 s; the check after that runs one interval after the last one.
    now = start + 14_998
    actor.onTimer(now)
    expect(snapshotProducerIds()).toEqual([9])
    now = start + 14_999
    actor.onTimer(now)
    // A resend is no longer recognised, and a restart does not bring the producer back.
    expect(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
    expect(snapshotProducerIds()).toEqual([])
    actor.close()
    now = start + 4_000
    const reopened = openActor(config)
    expect(tick(reopened, [produce(idempotent('b', 9, 0, 2))])[0]).toMatchObject({ ok: false, error: { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER } })
    expect(ok(tick(reopened, [produce(idempotent('c', 9, 0, 0))])[0])).toMatchObject({ duplicate: false })
  })

  it('looks for expired producers only every producer.id.expiration.check.interval.ms', () => {
    const start = now
    const actor = openActor({ ...baseConfig, producerIdExpirationMs: 1_000 }, () => now, { producerIdExpirationCheckMs: 5_000 })
    ok(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0])
    now = start + 4_999
    actor.onTimer(now)
    expect(ok(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0])).toMatchObject({ duplicate: true })
    now = start + 5_000
    actor.onTimer(now)
    expect(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0]).toMatchObject({ ok: true, value: { duplicate: false } })
  })

  it('forgets on open the producers that expired while the partition was closed (Kafka default: one day)', () => {
    const start = now
    let actor = openActor()
    ok(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0])
    actor.close()
    now = start + 86_400_000 - 1
    actor = openActor()
    expect(ok(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0])).toMatchObject({ duplicate: true })
    actor.close()
    now = start + 86_400_000
    actor = openActor()
    expect(ok(tick(actor, [produce(idempotent('a', 9, 0, 0))])[0])).toMatchObject({ duplicate: false })
  })

  it('stamps LogAppendTime on every batch with a CRC that still checks', () => {
    const actor = openActor({ ...baseConfig, timestampType: 'LogAppendTime' })
    now = 1_800_000_000_000
    const reply = ok(tick(actor, [produce(testBatch('t', 3))])[0])
    expect(reply.logAppendTime).toBe(now)
    const fetched = tick(actor, [{ op: 'fetch', offset: 0, maxBytes: 1 << 20 }])[0]!
    const bytes = (fetched as { value: { bytes: Uint8Array } }).value.bytes
    expect(checkBatch(bytes, 0, bytes.length)).toMatchObject({ ok: true })
    const header = readBatchHeader(bytes, 0)
    expect(header.attributes & Attribute.timestampTypeLogAppend).not.toBe(0)
    expect(header.maxTimestamp).toBe(now)
    expect(decodeBatch(bytes).records.map((r) => r.timestamp)).toEqual([now, now, now])
  })

  it('answers each produce with the LogAppendTime stamped into its batch, even on a clock that moves at every reading', () => {
    let readings = 0
    const actor = openActor({ ...baseConfig, timestampType: 'LogAppendTime' }, () => now + readings++)
    const replies = tick(actor, [produce(testBatch('a', 2)), produce(testBatch('b', 2)), produce(idempotent('c', 9, 0, 0))])
    const fetched = tick(actor, [{ op: 'fetch', offset: 0, maxBytes: 1 << 20 }])[0]!
    const bytes = (fetched as { value: { bytes: Uint8Array } }).value.bytes
    const stored = [...decodeBatches(bytes)].map((batch) => batch.header.maxTimestamp)
    expect(replies.map((r) => ok(r).logAppendTime)).toEqual(stored)
    expect(stored.every((t) => t >= now)).toBe(true)
  })

  it('answers fetch with bytes it owns whole, and offsets out of range with OFFSET_OUT_OF_RANGE', () => {
    const actor = openActor()
    tick(actor, [produce(testBatch('a', 4))])
    const [inRange, atEnd, past] = tick(actor, [
      { op: 'fetch', offset: 2, maxBytes: 1 }, { op: 'fetch', offset: 4, maxBytes: 1024 }, { op: 'fetch', offset: 5, maxBytes: 1024 },
    ])
    const bytes = (inRange as { value: { bytes: Uint8Array } }).value.bytes
    expect(bytes.byteOffset).toBe(0)
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength)
    expect(decodeBatch(bytes).records.map((r) => r.offset)).toEqual([0, 1, 2, 3])
    expect((atEnd as { value: { bytes: Uint8Array } }).value.bytes.length).toBe(0)
    expect(past).toMatchObject({ ok: false, error: { code: ErrorCode.OFFSET_OUT_OF_RANGE } })
  })

  it('lists offsets by earliest, latest and timestamp', () => {
    const actor = openActor()
    tick(actor, [produce(testBatch('a', 2, { timestamp: 1000 })), produce(testBatch('b', 2, { timestamp: 2000 }))])
    const replies = tick(actor, [
      { op: 'listOffsets', spec: 'earliest' }, { op: 'listOffsets', spec: 'latest' },
      { op: 'listOffsets', spec: { timestamp: 1500 } }, { op: 'listOffsets', spec: { timestamp: 5000 } },
    ])
    expect(replies.map((r) => (r as { value: { offset: number } }).value.offset)).toEqual([0, 4, 2, -1])
  })

  it('truncates and forgets the producer batches it removed', () => {
    const actor = openActor()
    tick(actor, [produce(idempotent('a', 9, 0, 0)), produce(idempotent('b', 9, 0, 2))])
    tick(actor, [{ op: 'truncate', offset: 2 }])
    expect(actor.offsets.logEndOffset).toBe(2)
    expect(ok(tick(actor, [produce(idempotent('b', 9, 0, 2))])[0])).toMatchObject({ baseOffset: 2, duplicate: false })
  })
})


describe('PartitionActor deleteRecords', () => {
  const error = (reply: PartitionReply | undefined): number | undefined => (reply?.ok === false ? reply.error.code : undefined)

  it('moves the log start after the produces before it commit (-1: the high watermark), persisted across a restart', () => {
    const actor = openActor()
    const replies = tick(actor, [produce(testBatch('a', 3)), produce(testBatch('b', 3)), { op: 'deleteRecords', offset: 4 }])
    expect(replies[2]).toMatchObject({ ok: true, value: { logStartOffset: 4, highWatermark: 6 } })
    expect(error(tick(actor, [{ op: 'fetch', offset: 3, maxBytes: 1 << 20 }])[0])).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(error(tick(actor, [{ op: 'deleteRecords', offset: 7 }])[0])).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    tick(actor, [produce(testBatch('c', 2))])
    expect(tick(actor, [{ op: 'deleteRecords', offset: -1 }])[0]).toMatchObject({ ok: true, value: { logStartOffset: 8, highWatermark: 8 } })
    actor.close()
    const again = openActor()
    expect(again.offsets).toMatchObject({ logStartOffset: 8, highWatermark: 8, logEndOffset: 8 })
    expect(error(tick(again, [{ op: 'fetch', offset: 7, maxBytes: 1 << 20 }])[0])).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(tick(again, [{ op: 'listOffsets', spec: 'earliest' }])[0]).toMatchObject({ ok: true, value: { offset: 8 } })
    again.close()
  })
})
