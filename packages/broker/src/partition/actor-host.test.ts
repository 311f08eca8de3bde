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

function hostOn(disk: SimulatedDisk) {
  const inbox: FromWorker[] = []
  const host = new ActorHost({
    openStorage: (dir, c, logger) => ({
      log: PartitionLog.open({ dir, config: c, disk, clock: Date.now, logger }),
      snapshots: diskSnapshotStore(disk, dir),
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

  it('answers a request for a partition it does not host with UNKNOWN_TOPIC_OR_PARTITION', () => {
    const { host, inbox } = hostOn(new SimulatedDisk())
    host.handle({ type: 'request', key: 'nope-0', requestId: 1, request: { op: 'status' } })
    expect(inbox).toEqual([{ type: 'reply', requestId: 1, reply: { ok: false, error: { code: 3, message: expect.any(String) } } }])
    host.shutdown()
  })

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`keeps every acknowledged batch through power loss under flush always (seed ${seed})`, async () => {
      const disk = new SimulatedDisk()
      const rng = seededRandom(seed)
      let { host, inbox } = hostOn(disk)
      host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config: config('always') })
      const acknowledged = new Map<number, string>()
      let requestId = 0
      for (let round = 0; round < 8; round++) {
        const tags = new Map<number, string>()
        for (let i = 0; i < 1 + Math.floor(rng() * 6); i++) {
          const tag = `r${round}-${i}`
          tags.set(requestId, tag)
          host.handle({ type: 'request', key: 't-0', requestId: requestId++, request: { op: 'produce', bytes: testBatch(tag, 3), acks: -1 } })
        }
        await turn()
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
