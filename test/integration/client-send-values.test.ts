// The bulk produce path (producer.sendValues) against a real broker process: the records read back
// are exactly the values given, in order, at the offsets the sends resolved with, in the partition
// asked (or the key's, as Kafka's partitioner picks it), with the key and timestamp given; mixed
// with send() they keep call order; the idempotent producer (acks all) and acks 1 and 0 all deliver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { partitionForKey } from '@faecie/protocol'
import { Faecie, type Admin, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { readMessages } from '../support/client-read.js'

let broker: BrokerProcess
let faecie: Faecie
let admin: Admin

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'client-send-values' })
  admin = faecie.admin()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

const utf8 = new TextEncoder()
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))
const valuesOf = (prefix: string, n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => utf8.encode(`${prefix}${i}`))

const readPartition = (topic: string, partition: number, count: number): Promise<ConsumedMessage[]> => readMessages(faecie, topic, count, [partition])

describe('producer.sendValues against a broker', () => {
  it('writes exactly the values given, in order, at the offsets it resolves with, with key and timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'bulk', numPartitions: 3 }] })
    const producer = faecie.producer({ acks: 'all', batchBytes: 16 * 1024 }) // idempotent, several batches a send
    const first = valuesOf('a', 5000)
    const sends = [
      producer.sendValues({ topic: 'bulk', partition: 1, values: first, key: 'k', timestamp: 1_700_000_000_000 }),
      producer.send({ topic: 'bulk', messages: [{ value: 'between', partition: 1 }] }),
      producer.sendValues({ topic: 'bulk', partition: 1, values: valuesOf('b', 100) }),
    ]
    const results = await Promise.all(sends)
    await producer.disconnect()
    expect(results.map((r) => r.map(({ partition, baseOffset }) => ({ partition, baseOffset })))).toEqual([
      [{ partition: 1, baseOffset: 0 }], [{ partition: 1, baseOffset: 5000 }], [{ partition: 1, baseOffset: 5001 }],
    ])
    const messages = await readPartition('bulk', 1, 5101)
    expect(messages.map((m) => m.offset)).toEqual(messages.map((_, i) => i))
    expect(messages.map((m) => text(m.value))).toEqual([...first.map(text), 'between', ...valuesOf('b', 100).map(text)])
    expect(messages.slice(0, 5000).every((m) => text(m.key) === 'k' && m.timestamp === 1_700_000_000_000)).toBe(true)
    expect(messages.slice(5001).every((m) => m.key === null)).toBe(true)
  })

  it('sends a key\'s values to the key\'s partition, as send() does', async () => {
    await admin.createTopics({ topics: [{ topic: 'bulk-keyed', numPartitions: 4 }] })
    const producer = faecie.producer({ acks: 1 })
    const [result] = await producer.sendValues({ topic: 'bulk-keyed', key: 'user-42', values: valuesOf('v', 10) })
    await producer.disconnect()
    expect(result!.partition).toBe(partitionForKey('user-42', 4))
    const messages = await readPartition('bulk-keyed', result!.partition, 10)
    expect(messages.map((m) => text(m.value))).toEqual(valuesOf('v', 10).map(text))
  })

  it('with acks 0 every value arrives too', async () => {
    await admin.createTopics({ topics: [{ topic: 'bulk-acks0', numPartitions: 1 }] })
    const producer = faecie.producer({ acks: 0 })
    await producer.sendValues({ topic: 'bulk-acks0', values: valuesOf('z', 2000) })
    await producer.disconnect()
    const messages = await readPartition('bulk-acks0', 0, 2000)
    expect(messages.map((m) => text(m.value))).toEqual(valuesOf('z', 2000).map(text))
  })
})
