// What survives a broker's end: topics (with their ids), records and producer ids across a SIGTERM
// restart (clean: no recovery needed) and across kill -9 with produces in flight (every acknowledged
// record kept, in order, no duplicates), and the metadata log winning over the data directory on
// start (unknown partition directories moved aside, missing ones made).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, firstPartition, produceFrame, RawClient, readAll } from '../support/broker-raw-client.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

interface Acked { tag: string; baseOffset: number; count: number }

/** Produces `total` batches to one partition keeping `window` in flight; returns what was acknowledged. */
async function producePipelined(client: RawClient, topic: string, total: number, window: number, stopAfter?: { acked: number; then: () => void }): Promise<Acked[]> {
  const acked: Acked[] = []
  let next = 0
  let stopped = false
  const worker = async (): Promise<void> => {
    while (next < total && !stopped) {
      const tag = `${topic}-b${next++}`
      const count = 1 + (next % 5)
      let answer
      try {
        answer = await client.request('produce', produceFrame(topic, 0, batchOf(tag, count)), 10_000)
      } catch {
        return // the broker went away: this one was not acknowledged
      }
      const p = firstPartition(answer)
      if (p.error !== undefined) throw new Error(`produce ${tag}: ${JSON.stringify(p.error)}`)
      acked.push({ tag, baseOffset: p.baseOffset, count })
      if (stopAfter !== undefined && acked.length === stopAfter.acked) {
        stopped = true
        stopAfter.then()
      }
    }
  }
  await Promise.all(Array.from({ length: window }, worker))
  return acked
}

/** Checks that every acknowledged batch is at its offset, whole, and that all records are in order. */
function checkAcked(values: string[], offsets: number[], acked: Acked[]): void {
  const at = new Map(offsets.map((o, i) => [o, values[i]!]))
  for (const a of acked) {
    for (let i = 0; i < a.count; i++) expect(at.get(a.baseOffset + i), `${a.tag} record ${i}`).toBe(`${a.tag}-${i}`)
  }
  expect(offsets).toEqual(offsets.map((_, i) => i))
  expect(new Set(values).size).toBe(values.length)
  // Batches were sent in order on one socket to one partition: what landed is in sending order.
  const batchNumbers = values.map((v) => Number(/-b(\d+)-\d+$/.exec(v)![1]))
  expect(batchNumbers).toEqual([...batchNumbers].sort((a, b) => a - b))
}

describe('across restarts', () => {
  it('keeps topics, ids, records and producer ids across a SIGTERM restart, without recovery', async () => {
    let client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'kept', numPartitions: 2 }, { topic: 'lazy', config: { flush: 'never' } }] })
    const acked = await producePipelined(client, 'kept', 60, 8)
    await producePipelined(client, 'lazy', 20, 4)
    const ids = (await client.request('metadata', {})).topics.map((t: any) => [t.topic, t.topicId])
    const producerBefore = (await client.request('initProducerId', {})).producerId
    await client.close()

    const port = broker.port
    await broker.restart()
    expect(broker.port).toBe(port)
    expect(broker.logs().filter((l) => l.includes('partition log recovered'))).toEqual([])
    client = await RawClient.connect(broker.url)
    expect((await client.request('metadata', {})).topics.map((t: any) => [t.topic, t.topicId])).toEqual(ids)
    const kept = await readAll(client, 'kept', 0)
    checkAcked(kept.values, kept.offsets, acked)
    expect(kept.values).toHaveLength(acked.reduce((n, a) => n + a.count, 0))
    expect((await readAll(client, 'lazy', 0)).values.length).toBeGreaterThan(0)
    const producerAfter = (await client.request('initProducerId', {})).producerId
    expect(producerAfter).toBeGreaterThan(producerBefore)
    await client.close()
  })

  it('loses nothing acknowledged when killed with -9 while producing, under flush always and never', async () => {
    let client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'crash-always' }, { topic: 'crash-never', config: { flush: 'never' } }] })
    const kill = (): void => { void broker.kill() }
    const [always, never] = await Promise.all([
      producePipelined(client, 'crash-always', 100_000, 8, { acked: 150, then: kill }),
      producePipelined(client, 'crash-never', 100_000, 8),
    ])
    expect(always.length).toBeGreaterThanOrEqual(150)
    expect(broker.exitCode).toBeNull()
    await broker.restart()
    client = await RawClient.connect(broker.url)
    const a = await readAll(client, 'crash-always', 0)
    checkAcked(a.values, a.offsets, always)
    const n = await readAll(client, 'crash-never', 0)
    checkAcked(n.values, n.offsets, never)
    // Still writable after recovery, at the next offset.
    const more = firstPartition(await client.request('produce', produceFrame('crash-always', 0, batchOf('after-crash', 1))))
    expect(more.baseOffset).toBe(a.offsets.length)
    const producerIds = await Promise.all([0, 1].map(() => client.request('initProducerId', {})))
    expect(producerIds[0].producerId).not.toBe(producerIds[1].producerId)
    await client.close()
  })

  it('moves aside partition directories the metadata log does not know, and remakes missing ones', async () => {
    const client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'remade', numPartitions: 2 }] })
    await client.request('produce', produceFrame('remade', 0, batchOf('r0')))
    await client.close()
    await broker.stop()
    mkdirSync(join(broker.dataDir, 'ghost-0'))
    writeFileSync(join(broker.dataDir, 'ghost-0', '00000000000000000000.log'), 'not ours')
    rmSync(join(broker.dataDir, 'remade-1'), { recursive: true })
    await broker.restart()
    const names = readdirSync(broker.dataDir)
    expect(names).not.toContain('ghost-0')
    expect(names.some((n) => n.startsWith('ghost-0.orphaned-'))).toBe(true)
    expect(existsSync(join(broker.dataDir, 'remade-1'))).toBe(true)
    expect(names).toContain('__cluster_metadata-0')
    expect(names).toContain('meta.json')
    const again = await RawClient.connect(broker.url)
    expect((await readAll(again, 'remade', 0)).values).toEqual(['r0-0', 'r0-1', 'r0-2'])
    const p1 = firstPartition(await again.request('produce', produceFrame('remade', 1, batchOf('r1'))))
    expect(p1.baseOffset).toBe(0)
    await again.close()
  })
})
