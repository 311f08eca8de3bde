// The actor host with an in-memory bus and the simulated disk: what the worker thread does, without
// the thread, so that power loss can be simulated under the actors.
import '@faecie/protocol/node'
import { describe, expect, it } from 'vitest'
import { decodeBatches } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG, type FlushPolicy } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { SimulatedDisk, seededRandom } from '../storage/simulated-disk.js'
import { ActorHost } from './actor-host.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { FromWorker, PartitionConfig, ProduceResult, ReplyItem } from './messages.js'
import { testBatch } from './test-batches.js'

const config = (flush: FlushPolicy): PartitionConfig =>
  ({ ...DEFAULT_LOG_CONFIG, flush, segmentBytes: 4096, maxMessageBytes: 1 << 20, timestampType: 'CreateTime' })

function hostOn(disk: SimulatedDisk, pipelined = false) {
  const inbox: FromWorker[] = []
  // Pipelined: syncs resolve on a later turn, as the thread pool's do, while appends go on.
  const syncFiles = async (paths: readonly string[]): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve))
    for (const path of paths) await disk.fdatasyncFileAsync(path)
  }
  const host = new ActorHost({
    openStorage: (dir, c, logger) => ({
      log: PartitionLog.open({ dir, config: c, disk, clock: Date.now, logger }),
      snapshots: diskSnapshotStore(disk, dir),
      ...(pipelined ? { syncFiles } : {}),
    }),
    // As postMessage does: a structured clone that moves the transferred buffers (and throws on a
    // transfer list that names one twice).
    post: (message, transfer) => inbox.push(structuredClone(message, { transfer: transfer ?? [] })),
    clock: Date.now,
    logger: silentLogger(),
  })
  return { host, inbox }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const replies = (inbox: FromWorker[]): ReplyItem[] =>
  inbox.flatMap((m) => (m.type === 'replies' ? m.replies : m.type === 'reply' ? [m] : []))

describe('ActorHost', () => {
  it('answers a whole turn of requests in one message and reports the offsets that moved once', async () => {
    const { host, inbox } = hostOn(new SimulatedDisk())
    host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
    expect(inbox.shift()).toMatchObject({ type: 'opened', key: 't-0', cleanStart: true })
    for (let i = 0; i < 10; i++) {
      host.handle({ type: 'request', key: 't-0', requestId: i, request: { op: 'produce', bytes: testBatch(`b${i}`, 2), acks: -1 } })
    }
    await turn()
    expect(inbox.map((m) => m.type)).toEqual(['advanced', 'replies'])
    expect(replies(inbox).map((r) => (r.reply as { value: ProduceResult }).value.baseOffset)).toEqual(
      Array.from({ length: 10 }, (_, i) => i * 2))
    expect(inbox[0]).toEqual({ type: 'advanced', updates: [['t-0', 0, 20, 20]] })
    host.shutdown()
  })

  it('with a live tail on, reports the bytes that became readable, exactly [previous, new high watermark), within its bytesMax', async () => {
    for (const [flush, pipelined] of [['never', false], ['always', true]] as const) {
      const { host, inbox } = hostOn(new SimulatedDisk(), pipelined)
      host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config(flush) })
      host.handle({ type: 'liveTail', key: 't-0', bytesMax: 2048 })
      inbox.length = 0
      // The report where the high watermark reaches `hw` (under flush always the log end moves first).
      type Update = Extract<FromWorker, { type: 'advanced' }>['updates'][number]
      const advanced = async (hw: number): Promise<Update> => {
        const find = (): Update | undefined =>
          inbox.flatMap((m) => (m.type === 'advanced' ? m.updates : [])).find((u) => u[2] === hw)
        for (let i = 0; i < 20 && find() === undefined; i++) await turn()
        const found = find()
        inbox.length = 0
        if (found === undefined) throw new Error(`no report of the high watermark at ${hw}`)
        return found
      }
      for (let i = 0; i < 3; i++) host.handle({ type: 'request', key: 't-0', requestId: i, request: { op: 'produce', bytes: testBatch(`a${i}`, 2), acks: 1 } })
      const first = await advanced(6)
      expect(first.slice(0, 5)).toEqual(['t-0', 0, 6, 6, 0])
      const bytes = first[5] as Uint8Array
      expect(bytes.byteLength).toBe(bytes.buffer.byteLength)
      expect([...decodeBatches(bytes)].flatMap((b) => b.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4, 5])
      host.handle({ type: 'request', key: 't-0', requestId: 9, request: { op: 'produce', bytes: testBatch('b', 1), acks: 1 } })
      const second = await advanced(7)
      expect(second.slice(0, 5)).toEqual(['t-0', 0, 7, 7, 6])
      expect([...decodeBatches(second[5] as Uint8Array)].flatMap((b) => b.records.map((r) => r.offset))).toEqual([6])
      // More than bytesMax at once: offsets only (the gateway reads them).
      for (let i = 0; i < 30; i++) host.handle({ type: 'request', key: 't-0', requestId: 10 + i, request: { op: 'produce', bytes: testBatch(`c${i}`, 2), acks: 1 } })
      expect((await advanced(67)).length).toBe(4)
      // Off again: offsets only.
      host.handle({ type: 'liveTail', key: 't-0', bytesMax: 0 })
      host.handle({ type: 'request', key: 't-0', requestId: 99, request: { op: 'produce', bytes: testBatch('d', 1), acks: 1 } })
      expect((await advanced(68)).length).toBe(4)
      host.shutdown()
    }
  })

  it('answers several empty fetches of one turn together, each with a buffer of its own', async () => {
    const { host, inbox } = hostOn(new SimulatedDisk())
    host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
    host.handle({ type: 'open', key: 't-1', dir: '/data/t-1', config: config('always') })
    inbox.length = 0
    for (let i = 0; i < 4; i++) {
      host.handle({ type: 'request', key: `t-${i % 2}`, requestId: i, request: { op: 'fetch', offset: 0, maxBytes: 1024 } })
    }
    await turn()
    const answers = replies(inbox)
    expect(answers.map((r) => r.reply.ok)).toEqual([true, true, true, true])
    for (const r of answers) expect((r.reply as { value: { bytes: Uint8Array } }).value.bytes.length).toBe(0)
    host.shutdown()
  })

  it('runs an op that changes segments after the pipelined sync it waited for, in request order', async () => {
    const { host, inbox } = hostOn(new SimulatedDisk(), true)
    host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
    host.handle({ type: 'request', key: 't-0', requestId: 1, request: { op: 'produce', bytes: testBatch('a', 3), acks: -1 } })
    host.handle({ type: 'request', key: 't-0', requestId: 2, request: { op: 'truncate', offset: 1 } })
    host.handle({ type: 'request', key: 't-0', requestId: 3, request: { op: 'produce', bytes: testBatch('b', 2), acks: -1 } })
    for (let i = 0; i < 6; i++) await turn()
    host.handle({ type: 'request', key: 't-0', requestId: 4, request: { op: 'fetch', offset: 0, maxBytes: 1 << 20 } })
    for (let i = 0; i < 3; i++) await turn()
    const byId = new Map(replies(inbox).map((r) => [r.requestId, r.reply]))
    expect(byId.get(1)).toMatchObject({ ok: true, value: { baseOffset: 0 } })
    expect(byId.get(2)).toMatchObject({ ok: true })
    // The truncation cut batch a whole (it cannot cut inside a batch); b came after it.
    expect(byId.get(3)).toMatchObject({ ok: true })
    const fetched = (byId.get(4) as { value: { bytes: Uint8Array } }).value.bytes
    const values = [...decodeBatches(fetched)].flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)))
    expect(values).toEqual(['b-0', 'b-1'])
    host.shutdown()
  })

  it('answers a request for a partition it does not host with UNKNOWN_TOPIC_OR_PARTITION', () => {
    const { host, inbox } = hostOn(new SimulatedDisk())
    host.handle({ type: 'request', key: 'nope-0', requestId: 1, request: { op: 'status' } })
    expect(inbox).toEqual([{ type: 'reply', requestId: 1, reply: { ok: false, error: { code: 3, message: expect.any(String) } } }])
    host.shutdown()
  })

  for (const [seed, pipelined] of [[1, false], [2, false], [3, false], [4, true], [5, true], [6, true], [7, true]] as const) {
    it(`keeps every acknowledged batch through power loss under flush always (seed ${seed}, ${pipelined ? 'pipelined' : 'synchronous'} sync)`, async () => {
      const disk = new SimulatedDisk()
      const rng = seededRandom(seed)
      let { host, inbox } = hostOn(disk, pipelined)
      host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
      const acknowledged = new Map<number, string>()
      const tags = new Map<number, string>()
      let requestId = 0
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 1 + Math.floor(rng() * 6); i++) {
          const tag = `r${round}-${i}`
          tags.set(requestId, tag)
          host.handle({ type: 'request', key: 't-0', requestId: requestId++, request: { op: 'produce', bytes: testBatch(tag, 3), acks: -1 } })
        }
        // A pipelined sync may answer a round later: appends of the next round overlap it.
        if (!pipelined || rng() < 0.5) await turn()
        for (const item of replies(inbox)) {
          const result = (item.reply as { value: ProduceResult }).value
          acknowledged.set(result.baseOffset, tags.get(item.requestId)!)
        }
        inbox.length = 0
      }
      // Writes that were never acknowledged: appended but not yet synced when the power goes.
      host.handle({ type: 'request', key: 't-0', requestId: requestId++, request: { op: 'status' } })
      disk.tearLastWrite(rng)
      disk.powerLoss()
      ;({ host, inbox } = hostOn(disk))
      host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
      expect(inbox.shift()).toMatchObject({ type: 'opened' })
      host.handle({ type: 'request', key: 't-0', requestId: 0, request: { op: 'fetch', offset: 0, maxBytes: 1 << 20 } })
      await turn()
      const bytes = (replies(inbox)[0]!.reply as { value: { bytes: Uint8Array } }).value.bytes
      const stored = new Map<number, string>()
      for (const batch of decodeBatches(bytes)) {
        stored.set(batch.header.baseOffset, new TextDecoder().decode(batch.records[0]!.value!).replace(/-0$/, ''))
      }
      for (const [offset, tag] of acknowledged) expect(stored.get(offset)).toBe(tag)
      host.shutdown()
    })
  }
})
