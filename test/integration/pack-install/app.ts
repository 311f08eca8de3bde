// A user's program against @faecie/client installed from its tarball (test/integration/
// pack-install.test.ts): create a topic, produce two records, read them back, print them as JSON.
// The broker's URL and the topic come from the command line.
import { Faecie, type ConsumedMessage } from '@faecie/client'

const [brokerUrl = 'ws://127.0.0.1:8092', topic = 'greetings'] = process.argv.slice(2)
const faecie = new Faecie({ brokers: [brokerUrl], clientId: 'pack-install' })

const admin = faecie.admin()
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], ifNotExists: true })
await admin.disconnect()

const producer = faecie.producer({ acks: 'all' })
await producer.send({ topic, messages: [{ key: 'k1', value: 'hello', headers: { from: 'node' } }, { key: null, value: 'world' }] })
await producer.disconnect()

const consumer = faecie.consumer({ autoOffsetReset: 'earliest' })
consumer.assign([{ topic, partition: 0, offset: 0 }])
const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes))
const read: ConsumedMessage[] = []
for await (const message of consumer.stream()) {
  read.push(message)
  if (read.length === 2) break
}
await consumer.disconnect()
console.log(JSON.stringify(read.map((m) => ({ offset: m.offset, key: text(m.key), value: text(m.value) }))))
