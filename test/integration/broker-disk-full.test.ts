// A real broker whose data dir is a small tmpfs that fills up (issue 11): produces fail with the
// retriable KAFKA_STORAGE_ERROR naming ENOSPC while what was written stays readable, /health reports
// the log dir degraded and /metrics counts the refusals, a createTopics refused by the full disk
// leaves nothing behind (not even after a restart), and once space returns writes resume by
// themselves, without a restart. Needs root (mount); skipped without it.
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll } from '../support/broker-raw-client.js'
import { makeTempDir, onTestProcessExit, removeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const TMPFS_BYTES = 24 * 1024 * 1024
const canMount = process.getuid?.() === 0 && process.platform === 'linux'

let mountPoint = ''
let mounted = false
let broker: BrokerProcess | undefined
let ballast = ''

/** Unmounts the tmpfs (lazily if something still holds it), once. */
function unmount(): void {
  if (!mounted) return
  mounted = false
  try {
    execFileSync('umount', [mountPoint])
  } catch {
    execFileSync('umount', ['-l', mountPoint])
  }
}

beforeAll(async () => {
  if (!canMount) return
  // A temp dir of the run's own (the leak check covers it); unmounted before the temp dirs are
  // removed, even when the test process dies (onTestProcessExit hooks run first).
  mountPoint = makeTempDir('tmpfs')
  onTestProcessExit(unmount)
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mountPoint])
  mounted = true
  const dataDir = join(mountPoint, 'data')
  mkdirSync(dataDir)
  ballast = join(mountPoint, 'ballast')
  broker = await startBrokerProcess({ dataDir })
})

afterAll(async () => {
  try {
    await broker?.stop()
  } finally {
    unmount()
    if (mountPoint !== '') removeTempDir(mountPoint)
  }
})

/** Fills the file system with a ballast file until it is full. */
function fillDisk(): void {
  const fd = openSync(ballast, 'w')
  const chunk = new Uint8Array(64 * 1024).fill(1)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
}

async function health(): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await fetch(`http://127.0.0.1:${broker!.port}/health`)).json()
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${broker!.port}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? NaN : Number(line.split(' ')[1])
}

describe.skipIf(!canMount)('a full disk', () => {
  it('refuses produces with KAFKA_STORAGE_ERROR, keeps serving reads, and heals by itself when space returns', async () => {
    const client = await RawClient.connect(broker!.url)
    try {
      expect((await client.request('createTopics', { topics: [{ topic: 'orders', numPartitions: 1 }] })).topics[0].error).toBeUndefined()
      const acked: string[] = []
      for (let i = 0; i < 20; i++) {
        const p = firstPartition(await client.request('produce', produceFrame('orders', 0, batchOf(`before-${i}`, 4))))
        expect(p.error).toBeUndefined()
        for (let r = 0; r < 4; r++) acked.push(`before-${i}-${r}`)
      }
      fillDisk()

      // Produces fail, retriably, naming the cause; what was written stays readable.
      const refused = await waitFor('a produce refused by the full disk', async () => {
        const p = firstPartition(await client.request('produce', produceFrame('orders', 0, batchOf('x'.repeat(2000), 50))))
        return p.error
      })
      expect(refused).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true })
      expect(refused.message).toContain('ENOSPC')
      const read = await readAll(client, 'orders', 0)
      expect(read.values.slice(0, acked.length)).toEqual(acked)
      // The log dir's state may reach /health after the produce's answer: wait for it, then look.
      const h = await waitFor('/health to report the log dir degraded', async () => {
        const seen = await health()
        return seen.logDirs[0].status === 'degraded' ? seen : undefined
      })
      expect(h.status).toBe('degraded')
      expect(h.logDirs[0].status).toBe('degraded')
      expect(h.logDirs[0].storageErrors).toMatchObject([{ partition: 'orders-0' }])
      expect(h.logDirs[0].storageErrors[0].cause).toContain('ENOSPC')
      expect(await metric('faecie_storage_errors_total')).toBeGreaterThanOrEqual(1)
      expect(await metric('faecie_partitions_storage_degraded')).toBe(1)

      // A topic the full disk refuses leaves nothing behind.
      const created = await client.request('createTopics', { topics: [{ topic: 'refused', numPartitions: 2 }] })
      expect(created.topics[0].error).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR })
      expect(readdirSync(broker!.dataDir).filter((n) => n.startsWith('refused-'))).toEqual([])
      expect((await client.request('metadata', {})).topics.map((t: { topic: string }) => t.topic)).not.toContain('refused')

      // Space returns: writes resume without a restart.
      rmSync(ballast)
      const resumed = await waitFor('produces to resume once space returns', async () => {
        const p = firstPartition(await client.request('produce', produceFrame('orders', 0, batchOf('after', 2))))
        return p.error === undefined ? p : undefined
      })
      expect(resumed.baseOffset).toBeGreaterThanOrEqual(acked.length)
      await waitFor('/health to report the log dir ok again', async () => (await health()).logDirs[0].status === 'ok')
      const fetched = firstPartition(await client.request('fetch', fetchFrame('orders', 0, resumed.baseOffset)))
      expect(fetched.error).toBeUndefined()
    } finally {
      await client.close()
    }
    await broker!.restart()
    const after = await RawClient.connect(broker!.url)
    try {
      expect((await after.request('metadata', {})).topics.map((t: { topic: string }) => t.topic)).not.toContain('refused')
      expect(existsSync(join(broker!.dataDir, 'refused-0'))).toBe(false)
      const read = await readAll(after, 'orders', 0)
      expect(read.values.slice(0, 80)).toEqual(Array.from({ length: 20 }, (_, i) => Array.from({ length: 4 }, (_, r) => `before-${i}-${r}`)).flat())
    } finally {
      await after.close()
    }
  })
})
