// Log compaction in a real broker process, spoken with raw frames: a topic created with
// cleanup.policy=compact and tiny segments, keys overwritten many times, the broker's periodic
// dirty-ratio check (every 200 ms here) compacting the closed segments, and a read from offset 0
// that finds only the latest value of each key, at its original offset; the same after a restart.
// Keyless records are refused with INVALID_RECORD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeBatches, decodeText, ErrorCode, RecordBatchEncoder } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { fetchFrame, firstPartition, produceFrame, RawClient } from '../support/broker-raw-client.js'

const TOPIC = 'profiles'
const KEYS = 4
const ROUNDS = 15
const encoder = new RecordBatchEncoder()

let broker: BrokerProcess
let client: RawClient

beforeAll(async () => {
  broker = await startBrokerProcess({ env: { FAECIE_COMPACTION_CHECK_MS: '200' } })
  client = await RawClient.connect(broker.url)
})

afterAll(async () => {
  await client?.close()
  await broker?.stop()
})

interface Seen {
  offset: number
  key: string | null
  value: string | null
}

/** Every record from offset 0 to the high watermark, moving on by each batch's last offset (gaps and all). */
async function readAll(c: RawClient): Promise<Seen[]> {
  const out: Seen[] = []
  let next = 0
  for (;;) {
    const p = firstPartition(await c.request('fetch', fetchFrame(TOPIC, 0, next)))
    if (p.error !== undefined) throw new Error(`fetch at ${next}: ${JSON.stringify(p.error)}`)
    if (p.records.length === 0) return out
    for (const batch of decodeBatches(p.records)) {
      for (const r of batch.records) if (r.offset >= next) out.push({ offset: r.offset, key: decodeText(r.key), value: decodeText(r.value) })
      next = Math.max(next, batch.header.baseOffset + batch.header.lastOffsetDelta + 1)
    }
    if (next >= p.highWatermark) return out
  }
}

describe('log compaction in a broker process', () => {
  it('keeps only the latest value of each key in the closed segments, at its offset, across a restart', async () => {
    const created = await client.request('createTopics', { topics: [{ topic: TOPIC, numPartitions: 1, config: {
      'cleanup.policy': 'compact', 'segment.bytes': '300', 'min.cleanable.dirty.ratio': '0.1',
    } }] })
    expect(created.topics[0].error).toBeUndefined()

    const keyless = await client.request('produce', produceFrame(TOPIC, 0, encoder.encode([{ value: 'no key' }]).slice()))
    expect(firstPartition(keyless).error.code).toBe(ErrorCode.INVALID_RECORD)

    const latest = new Map<string, { offset: number; value: string }>()
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < KEYS; k++) {
        const value = `round-${round}`
        const answer = await client.request('produce', produceFrame(TOPIC, 0, encoder.encode([{ key: `user-${k}`, value }]).slice()))
        const p = firstPartition(answer)
        expect(p.error).toBeUndefined()
        latest.set(`user-${k}`, { offset: p.baseOffset, value })
      }
    }
    const produced = ROUNDS * KEYS

    // Segments of 300 bytes hold three of these batches, so the active segment starts past
    // `closedBelow`: once every closed segment is compacted, each key has at most one record below it
    // (its latest there; a newer one may sit in the active segment, which is never compacted).
    const closedBelow = produced - KEYS
    const compacted = (records: Seen[]): boolean => [...latest.keys()].every((key) =>
      records.filter((r) => r.key === key && r.offset < closedBelow).length <= 1)
    // The periodic check compacts the closed segments: wait until it has caught up.
    const seen = await waitFor('the closed segments compacted', async () => {
      const records = await readAll(client)
      return compacted(records) ? records : undefined
    }, { timeoutMs: 30_000, intervalMs: 200 })
    expect(seen.length).toBeLessThan(produced / 2)

    const check = (records: Seen[]): void => {
      for (const [key, { offset, value }] of latest) {
        expect(records.find((r) => r.offset === offset), key).toEqual({ offset, key, value })
      }
      expect(compacted(records)).toBe(true)
      expect(records.map((r) => r.offset)).toEqual([...records.map((r) => r.offset)].sort((a, b) => a - b))
    }
    check(seen)
    const status = firstPartition(await client.request('listOffsets', { topics: [{ topic: TOPIC, partitions: [{ partition: 0, timestamp: -1 }] }] }))

    await client.close()
    await broker.restart()
    client = await RawClient.connect(broker.url)
    const again = await readAll(client)
    check(again)
    expect(again.length).toBeLessThanOrEqual(seen.length)
    const after = firstPartition(await client.request('listOffsets', { topics: [{ topic: TOPIC, partitions: [{ partition: 0, timestamp: -1 }] }] }))
    expect(after.offset).toBe(status.offset)
  })
})
