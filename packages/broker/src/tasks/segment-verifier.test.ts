// Closed-segment verification on a real piscina thread (running the built task), over segments a
// real PartitionLog wrote.
import '@faecie/protocol/node'
import { mkdtempSync, openSync, readdirSync, rmSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { testBatch } from '../partition/test-batches.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { SegmentVerifier } from './segment-verifier.js'
import { TaskPool } from './task-pool.js'
import { verifyClosedSegments } from './verify-segments.js'

let root: string
let pool: TaskPool
let verifier: SegmentVerifier

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'faecie-verify-'))
  pool = new TaskPool({ threadsMax: 1 })
  verifier = new SegmentVerifier({ logger: silentLogger(), pool })
})
afterAll(async () => {
  await pool.close()
  rmSync(root, { recursive: true, force: true })
})

/** A partition with several closed segments of 3-record batches. */
function writePartition(name: string): string {
  const dir = join(root, name)
  const disk = new RealDisk()
  const log = PartitionLog.open({ dir, config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 1024, flush: 'never' }, disk, clock: Date.now })
  for (let i = 0; i < 40; i++) log.append(testBatch(`v${i}`, 3))
  log.close()
  return dir
}

const logFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.log')).sort()

describe('closed-segment verification', () => {
  it('finds every closed segment sound, and leaves the active one alone', async () => {
    const dir = writePartition('sound')
    const results = await verifier.verify(dir)
    expect(results.length).toBe(logFiles(dir).length - 1)
    expect(results.length).toBeGreaterThan(2)
    for (const r of results) {
      expect(r.problem).toBeUndefined()
      expect(r.batches).toBeGreaterThan(0)
    }
    expect(results.reduce((n, r) => n + r.batches, 0)).toBeLessThan(40)
  })

  it('reports a flipped byte in an old segment as a bad CRC at that batch', async () => {
    const dir = writePartition('rotten')
    const victim = join(dir, logFiles(dir)[1]!)
    const fd = openSync(victim, 'r+')
    writeSync(fd, Buffer.from([0xee]), 0, 1, 70) // inside the first batch's records
    closeSync(fd)
    const results = await verifier.verify(dir)
    const bad = results.filter((r) => r.problem !== undefined)
    expect(bad).toEqual([expect.objectContaining({ file: victim, problem: { position: 0, what: 'bad-crc' } })])
  })

  it('reports a segment cut short', () => {
    const dir = writePartition('short')
    const victim = join(dir, logFiles(dir)[0]!)
    const disk = new RealDisk()
    const fd = disk.open(victim, 'readWrite')
    disk.ftruncate(fd, disk.fileSize(fd) - 5)
    disk.close(fd)
    const results = verifyClosedSegments(disk, dir)
    expect(results[0]!.problem?.what).toMatch(/bad batch length|truncated/)
    expect(results.slice(1).every((r) => r.problem === undefined)).toBe(true)
  })
})
