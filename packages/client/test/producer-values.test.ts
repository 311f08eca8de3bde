// The bulk produce path, producer.sendValues (src/producer/values.ts, producer.ts, accumulator.ts,
// batch.ts), against brokers in memory (fake-cluster.ts): the records given, in order, with the right
// offsets, partition and key; mixed with send() in call order; batches byte for byte those send()
// builds for the same records (golden equality, split at the same points); the idempotent producer's
// retry of a batch the broker wrote but did not answer is deduped (exactly once); bad calls refused
// with nothing sent.
import { decodeBatch, ErrorCode, type FaecieError } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config.js'
import type { ProducerConfig } from '../src/producer/config.js'
import { Producer } from '../src/producer/producer.js'
import { FakeCluster, urlOf } from './fake-cluster.js'

const RETRY = { retries: 8, initialRetryTimeMs: 1, maxRetryTimeMs: 20 }
const closers: Array<() => Promise<void>> = []
const utf8 = new TextEncoder()
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

function setup(partitions = 3, config: ProducerConfig = {}, brokers = [1]): { cluster: FakeCluster; producer: Producer } {
  const cluster = new FakeCluster(brokers)
  cluster.createTopic('t', Array.from({ length: partitions }, () => 1))
  const producer = new Producer(resolveConfig({ brokers: brokers.map(urlOf), transport: cluster.transport, retry: RETRY }), { lingerMs: 0, ...config })
  closers.push(() => producer.disconnect())
  return { cluster, producer }
}

/** Every produced batch's records as the broker got them, frame by frame (retries included). */
function producedBatches(cluster: FakeCluster): Array<{ partition: number; bytes: Uint8Array }> {
  return cluster.frames.filter((f) => f.op === 'produce').flatMap((f) =>
    (f.frame.topics as Array<{ partitions: Array<{ partition: number; records: Uint8Array }> }>).flatMap((t) =>
      t.partitions.map((p) => ({ partition: p.partition, bytes: p.records }))))
}

const valuesOf = (prefix: string, n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8.encode(`${prefix}${i}`))

describe('producer.sendValues', () => {
  it('sends exactly the values given, in order, to the partition asked, with the key, and reports the first offset', async () => {
    const { cluster, producer } = setup()
    const values = valuesOf('v', 500)
    const [first] = await producer.sendValues({ topic: 't', partition: 2, values, key: 'k1' })
    expect(first).toMatchObject({ topic: 't', partition: 2, baseOffset: 0 })
    const [second] = await producer.sendValues({ topic: 't', partition: 2, values: valuesOf('w', 3), key: utf8.encode('k2'), timestamp: 1234 })
    expect(second).toMatchObject({ partition: 2, baseOffset: 500 })
    expect(cluster.values('t', 2)).toEqual([...values.map(text), 'w0', 'w1', 'w2'])
    expect(cluster.values('t', 0)).toEqual([])
    const records = producedBatches(cluster).flatMap((b) => decodeBatch(b.bytes).records)
    expect(records.map((r) => text(r.key))).toEqual([...Array<string>(500).fill('k1'), 'k2', 'k2', 'k2'])
    expect(records.slice(500).map((r) => r.timestamp)).toEqual([1234, 1234, 1234])
    expect(records.every((r) => r.headers.length === 0)).toBe(true)
  })

  it('partitions by the key as send() does, and keeps call order with send()', async () => {
    const { cluster, producer } = setup()
    const [byKey] = await producer.send({ topic: 't', messages: [{ key: 'user-7', value: 'm0' }] })
    const sends = [
      producer.sendValues({ topic: 't', key: 'user-7', values: valuesOf('b', 3) }),
      producer.send({ topic: 't', messages: [{ key: 'user-7', value: 'm1' }] }),
      producer.sendValues({ topic: 't', key: 'user-7', values: valuesOf('c', 2) }),
    ]
    const results = await Promise.all(sends)
    expect(results.map(([r]) => r!.partition)).toEqual([byKey!.partition, byKey!.partition, byKey!.partition])
    expect(results.map(([r]) => r!.baseOffset)).toEqual([1, 4, 5])
    expect(cluster.values('t', byKey!.partition)).toEqual(['m0', 'b0', 'b1', 'b2', 'm1', 'c0', 'c1'])
  })

  it('builds byte for byte the batches send() builds for the same records, split at the same points', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => new Uint8Array(50 + (i % 150)).fill(i & 0xff))
    const key = utf8.encode('key')
    const runs = await Promise.all(['messages', 'values'].map(async (path) => {
      const { cluster, producer } = setup(1, { batchBytes: 64 * 1024, lingerMs: 1000 })
      for (let from = 0; from < values.length; from += 700) {
        const chunk = values.slice(from, from + 700)
        if (path === 'messages') void producer.send({ topic: 't', messages: chunk.map((value) => ({ key, value, timestamp: 99 })) })
        else void producer.sendValues({ topic: 't', values: chunk, key, timestamp: 99 })
      }
      await producer.flush()
      return producedBatches(cluster).map((b) => Buffer.from(b.bytes).toString('hex'))
    }))
    expect(runs[0]!.length).toBeGreaterThan(3)
    expect(runs[1]).toEqual(runs[0])
  })

  it('is exactly once when a written batch is not answered: the retry is deduped by its sequence', async () => {
    const { cluster, producer } = setup(1, {}, [1, 2])
    await producer.sendValues({ topic: 't', values: valuesOf('a', 2) })
    // The leader writes the next batch and dies before answering; broker 2 (which has the log and
    // the producer's sequences, as replication gives it) leads now.
    let dropped = 0
    cluster.intercept = (brokerId, frame) => {
      if (frame.op !== 'produce' || dropped > 0) return false
      dropped++
      cluster.answer(brokerId, frame, undefined as never)
      cluster.moveLeader('t', 0, 2)
      cluster.kill(1)
      return true
    }
    const [result] = await producer.sendValues({ topic: 't', values: valuesOf('x', 1000) })
    expect(dropped).toBe(1)
    expect(result).toMatchObject({ partition: 0, baseOffset: 2 })
    expect(cluster.values('t', 0)).toEqual(['a0', 'a1', ...valuesOf('x', 1000).map(text)])
    const sequences = producedBatches(cluster).map((b) => decodeBatch(b.bytes).header.baseSequence)
    expect(sequences).toEqual([0, 2, 2])
  })

  it('refuses bad calls with nothing sent, and an empty call resolves with nothing', async () => {
    const { cluster, producer } = setup()
    await expect(producer.sendValues({ topic: 't', values: [] })).resolves.toEqual([])
    await expect(producer.sendValues({ topic: 't', values: [utf8.encode('a'), 'b' as unknown as Uint8Array] })).rejects.toThrow(TypeError)
    await expect(producer.sendValues({ topic: 't', values: 'ab' as unknown as Uint8Array[] })).rejects.toThrow(TypeError)
    await expect(producer.sendValues({ topic: 't', values: [utf8.encode('a')], key: 5 as unknown as string })).rejects.toThrow(TypeError)
    const err = await producer.sendValues({ topic: 't', partition: 3, values: [utf8.encode('a')] }).catch((e: unknown) => e as FaecieError)
    expect(err).toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })
    expect(producedBatches(cluster)).toEqual([])
  })

  it('reads the values array when called: the caller may reuse it at once, even on a cold producer', async () => {
    const { cluster, producer } = setup(1)
    const values = valuesOf('first', 3)
    const sending = producer.sendValues({ topic: 't', values }) // not connected yet: it must wait
    values.length = 0
    values.push(...valuesOf('second', 2))
    const again = producer.sendValues({ topic: 't', values })
    await Promise.all([sending, again])
    expect(cluster.values('t', 0)).toEqual(['first0', 'first1', 'first2', 'second0', 'second1'])
  })
})
