// Compaction through the partition manager: real worker threads host the actor, the manager's
// piscina pool runs the cleaner, the actor swaps the result in. On demand, and by the periodic check
// of min.cleanable.dirty.ratio.
import '@faecie/protocol/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeBatches, decodeText } from '@faecie/protocol'
import { waitFor } from '../../../../test/support/wait-for.js'
import { silentLogger } from '../log.js'
import { keyedBatch } from '../storage/compaction-test-support.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import type { PartitionConfig } from './messages.js'
import { PartitionManager } from './partition-manager.js'

const config: PartitionConfig = {
  ...DEFAULT_LOG_CONFIG, segmentBytes: 300, maxMessageBytes: 1024 * 1024, timestampType: 'CreateTime', cleanupPolicy: 'compact',
  minCleanableDirtyRatio: 0.1,
}

let dataDir: string
let manager: PartitionManager | undefined

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'faecie-manager-compact-'))
})
afterEach(async () => {
  await manager?.shutdown()
  manager = undefined
  rmSync(dataDir, { recursive: true, force: true })
})

async function readAll(m: PartitionManager): Promise<string[]> {
  const out: string[] = []
  let offset = 0
  for (;;) {
    const fetched = await m.fetch('c', 0, offset, 64 * 1024)
    if (fetched.bytes.length === 0) return out
    for (const batch of decodeBatches(fetched.bytes)) {
      for (const r of batch.records) if (r.offset >= offset) out.push(`${decodeText(r.key)}=${decodeText(r.value)}`)
      offset = Math.max(offset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1)
    }
  }
}

async function overwrite(m: PartitionManager, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await m.produce('c', 0, keyedBatch([{ key: `k${i % 3}`, value: `v${i}` }]))
}

describe('PartitionManager compaction', () => {
  it('compacts on request and keeps the offsets', async () => {
    const m = (manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1, compactionCheckMs: 3_600_000 }))
    await m.open('c', 0, config)
    await overwrite(m, 30)
    const before = await m.request('c', 0, { op: 'status' })
    const outcome = await m.compact('c', 0)
    expect(outcome?.segmentsSwapped).toBeGreaterThan(0)
    expect(outcome).toMatchObject({ logStartOffset: before.logStartOffset, highWatermark: before.highWatermark, logEndOffset: before.logEndOffset })
    const values = await readAll(m)
    expect(values.length).toBeLessThan(30)
    expect(values.filter((v) => v === 'k0=v0')).toEqual([])
    expect(values.slice(-3)).toEqual(['k0=v27', 'k1=v28', 'k2=v29'])
  })

  it('compacts by itself once the dirty ratio is reached', async () => {
    const m = (manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1, compactionCheckMs: 100 }))
    await m.open('c', 0, config)
    await overwrite(m, 30)
    const before = await m.request('c', 0, { op: 'status' })
    const sizeBytes = await waitFor('the periodic check to compact', async () => {
      const now = (await m.request('c', 0, { op: 'status' })).sizeBytes
      return now < before.sizeBytes ? now : undefined
    }, { intervalMs: 100 })
    expect(sizeBytes).toBeLessThan(before.sizeBytes)
  })
})
