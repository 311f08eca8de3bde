// The partition actor of a compacted topic: keyless records refused at produce time, and the
// compaction ops (plan, then swap of the cleaner's output) leaving the offsets where they were.
import '@faecie/protocol/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { cleanSegments } from '../storage/cleaner.js'
import { keyedBatch } from '../storage/compaction-test-support.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import type { CompactionPlan } from '../storage/log.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { PartitionConfig, PartitionOffsets, PartitionReply, PartitionRequest } from './messages.js'
import { PartitionActor } from './partition-actor.js'

const config: PartitionConfig = {
  ...DEFAULT_LOG_CONFIG, segmentBytes: 300, maxMessageBytes: 4096, timestampType: 'CreateTime', cleanupPolicy: 'compact',
}
const disk = new RealDisk()
let dir: string

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'faecie-actor-compact-')), 't-0')
})
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }))

function openActor(c: PartitionConfig = config): PartitionActor {
  const log = PartitionLog.open({ dir, config: c, disk, clock: Date.now, logger: silentLogger() })
  return new PartitionActor({ log, snapshots: diskSnapshotStore(disk, dir), config: c, clock: Date.now, logger: silentLogger() })
}

function one(actor: PartitionActor, request: PartitionRequest): PartitionReply {
  let reply: PartitionReply | undefined
  actor.tick([{ request, reply: (r) => { reply = r } }])
  return reply!
}

describe('partition actor, compacted topic', () => {
  it('refuses a batch holding a keyless record with INVALID_RECORD, and takes keyed ones', () => {
    const actor = openActor()
    const refused = one(actor, { op: 'produce', bytes: keyedBatch([{ key: 'a', value: '1' }, { key: null, value: '2' }]), acks: -1 })
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_RECORD } })
    expect(one(actor, { op: 'produce', bytes: keyedBatch([{ key: 'a', value: '1' }]), acks: -1 }).ok).toBe(true)
    actor.close()
    const plain = openActor({ ...config, cleanupPolicy: 'delete' })
    expect(one(plain, { op: 'produce', bytes: keyedBatch([{ key: null, value: '2' }]), acks: -1 }).ok).toBe(true)
    plain.close()
  })

  it('plans, swaps and keeps the offsets; producer state survives a restart over compacted segments', () => {
    let actor = openActor()
    for (let i = 0; i < 30; i++) {
      const bytes = keyedBatch([{ key: `k${i % 2}`, value: `v${i}` }])
      expect(one(actor, { op: 'produce', bytes, acks: -1 }).ok).toBe(true)
    }
    const before = one(actor, { op: 'status' }) as { ok: true; value: PartitionOffsets }
    const planned = one(actor, { op: 'compactPlan', force: false }) as { ok: true; value: CompactionPlan }
    expect(planned.value.segments.length).toBeGreaterThan(1)
    const result = cleanSegments(disk, { ...planned.value, nowMs: Date.now() })
    const swapped = one(actor, { op: 'compactSwap', result }) as { ok: true; value: PartitionOffsets & { segmentsSwapped: number } }
    expect(swapped.value.segmentsSwapped).toBe(planned.value.segments.length)
    expect(swapped.value).toMatchObject({ logStartOffset: before.value.logStartOffset, highWatermark: before.value.highWatermark,
      logEndOffset: before.value.logEndOffset })
    expect(swapped.value.sizeBytes).toBeLessThan(before.value.sizeBytes)
    actor.close()
    actor = openActor()
    expect(one(actor, { op: 'status' })).toMatchObject({ ok: true, value: { logEndOffset: before.value.logEndOffset } })
    actor.close()
  })
})
