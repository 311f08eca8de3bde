// A partition actor on a simulated disk that turns full, fails with I/O errors, or goes read-only
// (issue 11): the partition stays open and readable, produces fail with KAFKA_STORAGE_ERROR naming
// the cause, nothing refused is acknowledged, and once the disk heals writes resume by themselves
// after a backoff (driven by a manual clock), with an idempotent producer's retry taken as what it is.
import '@faecie/protocol/node'
import { describe, expect, it } from 'vitest'
import { decodeBatches, ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionLog } from '../storage/log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { diskError } from '../storage/disk.js'
import { SimulatedDisk, type DiskFault } from '../storage/simulated-disk.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { FetchResult, PartitionConfig, PartitionReply, ProduceResult } from './messages.js'
import { PartitionActor } from './partition-actor.js'
import { produce, testBatch, tick } from './test-batches.js'

const DIR = '/data/t-0'
const config: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 4096, timestampType: 'CreateTime', segmentBytes: 2048 }

function setup() {
  const disk = new SimulatedDisk()
  let now = 1_700_000_000_000
  const clock = () => now
  const open = (c: PartitionConfig) => PartitionLog.open({ dir: DIR, config: c, disk, clock, logger: silentLogger() })
  const actor = new PartitionActor({
    log: open(config), snapshots: diskSnapshotStore(disk, DIR), config, clock, logger: silentLogger(),
    reopenLog: open, storageRetryMinMs: 100, storageRetryMaxMs: 400,
  })
  const advance = (ms: number) => {
    now += ms
    actor.onTimer(now)
  }
  return { disk, actor, advance }
}


function values(actor: PartitionActor): string[] {
  const reply = tick(actor, [{ op: 'fetch', offset: 0, maxBytes: 1 << 20 }])[0]!
  if (!reply.ok) throw new Error(JSON.stringify(reply))
  return [...decodeBatches((reply.value as FetchResult).bytes)].flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)))
}

describe.each<[DiskFault, RegExp]>([
  ['ENOSPC', /disk full \(ENOSPC\)/],
  ['EIO', /I\/O error \(EIO\)/],
  ['EROFS', /read-only \(EROFS\)/],
])('a disk failing with %s', (fault, cause) => {
  it('keeps the partition readable, refuses produces with KAFKA_STORAGE_ERROR naming the cause, and resumes writes when it heals', () => {
    const { disk, actor, advance } = setup()
    for (let i = 0; i < 5; i++) expect(tick(actor, [produce(testBatch(`a${i}`, 2))])[0]!.ok).toBe(true)
    disk.fault = fault
    const refused = tick(actor, [produce(testBatch('lost', 2)), produce(testBatch('lost2', 2))])
    for (const r of refused) {
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR)
        expect(r.error.message).toMatch(cause)
      }
    }
    expect(actor.storageError?.cause).toMatch(cause)
    expect(actor.storageErrorCount).toBe(1)
    // Still open and readable: everything acknowledged is served, nothing refused is.
    expect(values(actor)).toEqual(Array.from({ length: 5 }, (_, i) => [`a${i}-0`, `a${i}-1`]).flat())
    const again = tick(actor, [produce(testBatch('still', 1)), { op: 'retention' }])
    expect(again.every((r) => !r.ok && r.error.code === ErrorCode.KAFKA_STORAGE_ERROR)).toBe(true)
    // Retries while the fault lasts fail and back off; none makes the partition writable.
    advance(100)
    advance(200)
    expect(actor.storageError).toBeDefined()
    disk.fault = null
    advance(399)
    expect(actor.storageError).toBeDefined() // the backoff is 400 ms by now
    advance(1)
    expect(actor.storageError).toBeUndefined()
    const resumed = tick(actor, [produce(testBatch('after', 1))])[0]!
    expect(resumed.ok && (resumed.value as ProduceResult).baseOffset).toBe(10)
    expect(values(actor).slice(-1)).toEqual(['after-0'])
  })
})

describe('an idempotent producer across a disk fault', () => {
  it('gets its batch once: a retry after the fault is appended, or answered as a duplicate if the write had landed', () => {
    const { disk, actor, advance } = setup()
    const batch = (seq: number) => testBatch(`p${seq}`, 2, { producerId: 7, producerEpoch: 0, baseSequence: seq })
    expect(tick(actor, [produce(batch(0))])[0]!.ok).toBe(true)
    disk.fault = 'ENOSPC'
    expect(tick(actor, [produce(batch(2))])[0]!.ok).toBe(false)
    disk.fault = null
    advance(100)
    expect(actor.storageError).toBeUndefined()
    const retried = tick(actor, [produce(batch(2))])[0]!
    expect(retried.ok).toBe(true)
    expect((retried as { value: ProduceResult }).value.baseOffset).toBe(2)
    expect(values(actor)).toEqual(['p0-0', 'p0-1', 'p2-0', 'p2-1'])
  })
})

describe('an idempotent producer across a failed fsync', () => {
  it('a batch written but not synced is in the producer state the healed partition reopens with: its retry is a duplicate, never appended twice', () => {
    const { disk, actor, advance } = setup()
    // fdatasync fails, as the --fault-injection disk's fsyncError does: the bytes written stay in the file.
    let syncFails = false
    const sync = disk.fdatasync.bind(disk)
    disk.fdatasync = (fd) => {
      if (syncFails) throw diskError('EIO', 'fdatasync')
      sync(fd)
    }
    const batch = (seq: number) => testBatch(`p${seq}`, 2, { producerId: 7, producerEpoch: 0, baseSequence: seq })
    expect(tick(actor, [produce(batch(0))])[0]!.ok).toBe(true)
    syncFails = true
    const refused = tick(actor, [produce(batch(2)), produce(batch(4))])
    expect(refused.map((r) => !r.ok && r.error.code)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR])
    syncFails = false
    advance(100)
    expect(actor.storageError).toBeUndefined()
    // Recovery kept both batches: the retries get their first offsets, the next sequence goes on after them.
    const retried = tick(actor, [produce(batch(2)), produce(batch(4)), produce(batch(6))])
    expect(retried.map((r) => r.ok && (r.value as ProduceResult).baseOffset)).toEqual([2, 4, 6])
    expect(values(actor)).toEqual(['p0-0', 'p0-1', 'p2-0', 'p2-1', 'p4-0', 'p4-1', 'p6-0', 'p6-1'])
  })
})

describe('a replicated leader on a failing disk', () => {
  it('fails the acks=all answers it holds with the disk\'s error, rather than holding them until the disk heals', () => {
    const { disk, actor } = setup()
    const role = { brokerId: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2], replicas: [1, 2], minInsyncReplicas: 1,
      replicaLagTimeMaxMs: 60_000, ackTimeoutMs: 60_000 }
    expect(tick(actor, [{ op: 'becomeLeader', role }])[0]!.ok).toBe(true)
    // Follower 2 never fetches: the high watermark stays, and this answer is held.
    const held: PartitionReply[] = []
    actor.tick([{ request: produce(testBatch('held', 1)), reply: (r) => held.push(r) }])
    expect(held).toEqual([])
    disk.fault = 'ENOSPC'
    expect(tick(actor, [{ op: 'produce', bytes: testBatch('refused', 1), acks: 1 }])[0]!.ok).toBe(false)
    expect(held).toHaveLength(1)
    expect(held[0]).toMatchObject({ ok: false, error: { code: ErrorCode.KAFKA_STORAGE_ERROR } })
  })
})

describe('housekeeping on a failing disk', () => {
  it('degrades the partition instead of ending its thread when releasing memory writes index entries', () => {
    const disk = new SimulatedDisk()
    const now = 1_700_000_000_000
    const small: PartitionConfig = { ...config, indexIntervalBytes: 1 }
    const log = PartitionLog.open({ dir: DIR, config: small, disk, clock: () => now, logger: silentLogger() })
    const actor = new PartitionActor({ log, snapshots: diskSnapshotStore(disk, DIR), config: small, clock: () => now, logger: silentLogger() })
    for (let i = 0; i < 5; i++) expect(tick(actor, [produce(testBatch(`a${i}`, 2))])[0]!.ok).toBe(true)
    disk.fault = 'EIO'
    expect(() => actor.releaseMemory()).not.toThrow()
    expect(actor.storageError?.cause).toMatch(/EIO/)
    expect(values(actor)).toHaveLength(10)
  })
})
