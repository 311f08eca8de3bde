// The partition manager with real worker threads running the built actors (`pnpm test` builds first).
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../../../../test/support/wait-for.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeBatches, ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import type { PartitionConfig } from './messages.js'
import { PartitionManager } from './partition-manager.js'
import { SegmentVerifier } from '../tasks/segment-verifier.js'
import { TaskPool } from '../tasks/task-pool.js'
import type { SegmentVerification } from '../tasks/verify-segments.js'
import { testBatch } from './test-batches.js'

const config: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 1024 * 1024, timestampType: 'CreateTime' }

let dataDir: string
let manager: PartitionManager

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'faecie-manager-'))
})

afterEach(async () => {
  await manager?.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

function start(options: { partitionThreadsMax?: number; mailboxDepthMax?: number } = {}): PartitionManager {
  manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 2, ...options })
  return manager
}

async function readAll(m: PartitionManager, topic: string, partition: number): Promise<string[]> {
  const values: string[] = []
  let offset = 0
  for (;;) {
    const fetched = await m.fetch(topic, partition, offset, 64 * 1024)
    if (fetched.bytes.length === 0) return values
    for (const batch of decodeBatches(fetched.bytes)) {
      for (const record of batch.records) {
        values.push(new TextDecoder().decode(record.value!))
        offset = record.offset + 1
      }
    }
  }
}

describe('PartitionManager', () => {
  it('gives each partition its own thread up to the limit, then shares the least loaded', async () => {
    const m = start({ partitionThreadsMax: 2 })
    await m.open('t', 0, config)
    await m.open('t', 1, config)
    await m.open('t', 2, config)
    expect(m.threadCount).toBe(2)
    expect(m.threadOf('t', 0)).toBe(0)
    expect(m.threadOf('t', 1)).toBe(1)
    expect([0, 1]).toContain(m.threadOf('t', 2))
  })

  it('appends and reads back batches in order, with offsets assigned by the actor', async () => {
    const m = start()
    await m.open('orders', 0, config)
    const results = await Promise.all([0, 1, 2, 3].map((i) => m.produce('orders', 0, testBatch(`b${i}`, 3))))
    expect(results.map((r) => r.baseOffset)).toEqual([0, 3, 6, 9])
    expect(await readAll(m, 'orders', 0)).toEqual(
      [0, 1, 2, 3].flatMap((i) => [`b${i}-0`, `b${i}-1`, `b${i}-2`]))
    const status = await m.request('orders', 0, { op: 'status' })
    expect(status.highWatermark).toBe(12)
  })

  it('copies a produced view out of memory the caller reuses', async () => {
    const m = start()
    await m.open('t', 0, config)
    const batch = testBatch('view', 2)
    const frame = new Uint8Array(batch.length + 10)
    frame.set(batch, 5)
    const produced = m.produce('t', 0, frame.subarray(5, 5 + batch.length))
    frame.fill(0) // the frame's memory is reused at once; the copy must already be ours
    expect((await produced).baseOffset).toBe(0)
    expect(frame.byteLength).toBe(batch.length + 10) // not detached
    expect(await readAll(m, 't', 0)).toEqual(['view-0', 'view-1'])
  })

  it('refuses a corrupt batch with CORRUPT_MESSAGE and keeps serving', async () => {
    const m = start()
    await m.open('t', 0, config)
    const bad = testBatch('bad')
    bad[bad.length - 1]! ^= 0xff
    await expect(m.produce('t', 0, bad)).rejects.toMatchObject({ code: ErrorCode.CORRUPT_MESSAGE })
    expect((await m.produce('t', 0, testBatch('good'))).baseOffset).toBe(0)
  })

  it('refuses requests past mailboxDepthMax with a retriable error instead of queueing without bound', async () => {
    const m = start({ mailboxDepthMax: 4 })
    await m.open('t', 0, config)
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => m.produce('t', 0, testBatch(`${i}`))))
    const refused = outcomes.filter((o) => o.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    for (const o of refused) {
      const err = (o as PromiseRejectedResult).reason as FaecieError
      expect(err.code).toBe(ErrorCode.MAILBOX_FULL)
      expect(err.retriable).toBe(true)
    }
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length
    expect((await m.request('t', 0, { op: 'status' })).highWatermark).toBe(accepted * 3)
  })

  it('restarts a crashed thread: in-flight requests fail retriably, every acknowledged batch survives', async () => {
    const m = start({ partitionThreadsMax: 1 })
    await m.open('t', 0, config)
    const acknowledged: string[] = []
    const failures: FaecieError[] = []
    const produce = (tag: string): Promise<void> => m.produce('t', 0, testBatch(tag, 2)).then(
      () => { acknowledged.push(`${tag}-0`, `${tag}-1`) },
      (err: FaecieError) => { failures.push(err) },
    )
    await Promise.all(Array.from({ length: 100 }, (_, i) => produce(`first${i}`)))
    expect(acknowledged.length).toBe(200)
    const wave: Promise<void>[] = []
    for (let i = 0; i < 200; i++) {
      wave.push(produce(`second${i}`))
      if (i === 100) m.crashThreadOf('t', 0, 'test: invariant broken mid-append')
    }
    await Promise.all(wave)
    expect(failures.length).toBeGreaterThan(0)
    for (const err of failures) {
      expect(err.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR)
      expect(err.retriable).toBe(true)
    }
    // The partition was reopened through recovery on a fresh thread and takes writes again.
    await expect.poll(async () => (await m.produce('t', 0, testBatch('after', 1)).catch(() => null)) !== null).toBe(true)
    const stored = await readAll(m, 't', 0)
    for (const value of acknowledged) expect(stored).toContain(value)
    expect(new Set(stored).size).toBe(stored.length)
  })

  it('tells who listens which partitions a restarted thread reopened without their roles, once the opens are posted', async () => {
    const m = start({ partitionThreadsMax: 1 })
    await m.open('t', 0, config)
    await m.open('u-v', 3, config)
    await m.request('t', 0, { op: 'becomeFollower', leader: 2, leaderEpoch: 1 })
    const heard: string[][] = []
    m.onReopened((keys) => heard.push([...keys].sort()))
    m.crashThreadOf('t', 0, 'test: a broken invariant')
    await waitFor('the reopen to be reported', () => heard.length === 1)
    expect(heard).toEqual([['t-0', 'u-v-3']])
    // The role went with the thread: the reopened actor is a single broker's partition again until
    // it is given its role anew (what the reconciler does on hearing this).
    await expect.poll(async () => (await m.produce('t', 0, testBatch('after', 1)).catch(() => null)) !== null).toBe(true)
  })

  it('a partition deleted while answers are owed fails them all, and one made again under its name starts afresh', async () => {
    const m = start({ partitionThreadsMax: 1 })
    await m.open('t', 0, config)
    const role = { brokerId: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2], replicas: [1, 2], minInsyncReplicas: 1,
      replicaLagTimeMaxMs: 60_000, ackTimeoutMs: 60_000 }
    await m.request('t', 0, { op: 'becomeLeader', role })
    const codeOf = (work: Promise<unknown>): Promise<unknown> => work.then(() => 'answered', (err: FaecieError) => err.code)
    // Held: follower 2 never fetches, so the high watermark never passes these.
    const held = Array.from({ length: 5 }, (_, i) => codeOf(m.produce('t', 0, testBatch(`held${i}`, 1), -1)))
    const deleting = m.delete('t', 0)
    // Sent after the delete: the thread answers them after the delete's own answer.
    const late = Array.from({ length: 5 }, () => codeOf(m.request('t', 0, { op: 'status' })))
    await deleting
    const gone = [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER]
    for (const code of [...await Promise.all(held), ...await Promise.all(late)]) expect(gone).toContain(code)
    await m.open('t', 0, config)
    await m.produce('t', 0, testBatch('again', 1))
    expect((await m.request('t', 0, { op: 'status' })).logEndOffset).toBe(1)
  })

  it('survives a thread killed mid-append under load with every acknowledged batch intact and in order', async () => {
    const m = start({ partitionThreadsMax: 1 })
    await m.open('t', 0, config)
    const acknowledged: { tag: string; baseOffset: number }[] = []
    let running = true
    const producer = async (id: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const tag = `p${id}-${i}`
        try {
          const result = await m.produce('t', 0, testBatch(tag, 10))
          acknowledged.push({ tag, baseOffset: result.baseOffset })
        } catch (err) {
          expect((err as FaecieError).retriable).toBe(true)
        }
      }
    }
    const producers = [0, 1, 2, 3].map(producer)
    await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThan(50)
    await m.terminateThreadOf('t', 0)
    const ackedBeforeKill = acknowledged.length
    await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThan(ackedBeforeKill + 20)
    running = false
    await Promise.all(producers)
    const stored = await readAll(m, 't', 0)
    for (const { tag, baseOffset } of acknowledged) {
      for (let r = 0; r < 10; r++) expect(stored[baseOffset + r]).toBe(`${tag}-${r}`)
    }
  })

  it('verifies the closed segments of every partition it opens in the background, on the task pool', async () => {
    class RecordingVerifier extends SegmentVerifier {
      readonly runs: Promise<SegmentVerification>[] = []
      override verifySegment(segment: Parameters<SegmentVerifier['verifySegment']>[0]): Promise<SegmentVerification> {
        const run = super.verifySegment(segment)
        this.runs.push(run)
        return run
      }
    }
    const pool = new TaskPool({ threadsMax: 1 })
    const verifier = new RecordingVerifier({ logger: silentLogger(), pool })
    manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1, verifier })
    await manager.open('t', 0, { ...config, segmentBytes: 2048 })
    for (let i = 0; i < 100; i++) await manager.produce('t', 0, testBatch(`v${i}`, 5))
    expect(verifier.runs.length).toBe(0) // a fresh partition has no closed segment to verify
    await manager.terminateThreadOf('t', 0)
    const closed = readdirSync(join(dataDir, 't-0')).filter((n) => n.endsWith('.log')).length - 1
    expect(closed).toBeGreaterThan(2)
    await expect.poll(() => verifier.runs.length, { timeout: 20_000 }).toBe(closed)
    const results = await Promise.all(verifier.runs)
    expect(results.every((r) => r.problem === undefined && r.batches > 0)).toBe(true)
    await pool.close()
  })

  it('closes cleanly on shutdown and reopens the same data', async () => {
    const m = start()
    await m.open('t', 0, config)
    await m.produce('t', 0, testBatch('kept', 5))
    await m.shutdown()
    expect(existsSync(join(dataDir, 't-0', '.clean-shutdown'))).toBe(true)
    const again = start()
    const offsets = await again.open('t', 0, config)
    expect(offsets.logEndOffset).toBe(5)
    expect(await readAll(again, 't', 0)).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3', 'kept-4'])
  })

  it('deletes a partition with its directory', async () => {
    const m = start()
    await m.open('gone', 0, config)
    await m.produce('gone', 0, testBatch('x'))
    await m.delete('gone', 0)
    expect(existsSync(join(dataDir, 'gone-0'))).toBe(false)
    await expect(m.produce('gone', 0, testBatch('y'))).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })
  })
})
