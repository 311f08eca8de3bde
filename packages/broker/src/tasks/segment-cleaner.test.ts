// Compaction's cleaner on a real piscina thread (running the built task), over segments a real
// PartitionLog wrote, and the swap after it.
import '@faecie/protocol/node'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { keyedBatch, readAll } from '../storage/compaction-test-support.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { SegmentCleaner } from './segment-cleaner.js'
import { TaskPool } from './task-pool.js'
import { verifyClosedSegments } from './verify-segments.js'

let root: string
let pool: TaskPool
let cleaner: SegmentCleaner

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'faecie-clean-'))
  pool = new TaskPool({ threadsMax: 1 })
  cleaner = new SegmentCleaner({ logger: silentLogger(), pool })
})
afterAll(async () => {
  await pool.close()
  rmSync(root, { recursive: true, force: true })
})

describe('segment cleaner pool', () => {
  it('cleans on a pool thread; the swap leaves the latest per key, and verifiable segments', async () => {
    const dir = join(root, 'p-0')
    const disk = new RealDisk()
    const log = PartitionLog.open({ dir, config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 400, cleanupPolicy: 'compact' }, disk, clock: Date.now, logger: silentLogger() })
    for (let i = 0; i < 40; i++) log.append(keyedBatch([{ key: `k${i % 4}`, value: `v${i}` }, { key: 'gone', value: i === 20 ? null : 'x' }]))
    log.flush()
    log.roll()
    const plan = log.compactionPlan()!
    const result = await cleaner.clean(plan)
    const outcome = log.swapCleaned(result)
    expect(outcome.segmentsSwapped).toBe(plan.segments.length)
    const values = readAll(log).map((r) => `${r.key}=${r.value}`)
    expect(values).toEqual(['k0=v36', 'k1=v37', 'k2=v38', 'k3=v39', 'gone=x'])
    expect(verifyClosedSegments(disk, dir).every((r) => r.problem === undefined)).toBe(true)
    log.close()
  })

  it('compacts a log owned by the calling thread in one call, appends going on meanwhile', async () => {
    const dir = join(root, 'p-1')
    const disk = new RealDisk()
    const log = PartitionLog.open({ dir, config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 300, cleanupPolicy: 'compact' }, disk, clock: Date.now,
      logger: silentLogger() })
    for (let i = 0; i < 20; i++) log.append(keyedBatch([{ key: `k${i % 2}`, value: `v${i}` }]))
    log.flush()
    const compacting = cleaner.compactLog(log, { force: true })
    log.append(keyedBatch([{ key: 'k0', value: 'during' }]))
    log.flush()
    const outcome = await compacting
    expect(outcome?.segmentsSwapped).toBeGreaterThan(0)
    const values = readAll(log).map((r) => r.value)
    expect(values).toContain('during')
    expect(values).not.toContain('v0')
    expect(await cleaner.compactLog(log)).toBeNull()
    log.close()
  })
})
