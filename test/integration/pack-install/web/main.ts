// A page bundled by Vite from @faecie/client installed from its tarball: produce one record and read
// it back over the broker named in the page's query string (?broker=ws://...&topic=...), then leave
// the outcome on window.faecieResult for test/integration/pack-install.test.ts.
import { Faecie } from '@faecie/client'

declare global {
  interface Window { faecieResult?: { value: string | null } | { error: string } }
}

async function run(): Promise<{ value: string | null }> {
  const params = new URLSearchParams(location.search)
  const topic = params.get('topic') ?? 'browser'
  const faecie = new Faecie({ brokers: [params.get('broker') ?? ''], clientId: 'pack-install-browser' })
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], ifNotExists: true })
  await admin.disconnect()
  const producer = faecie.producer()
  await producer.send({ topic, messages: [{ value: 'from the browser' }] })
  await producer.disconnect()
  const consumer = faecie.consumer({ autoOffsetReset: 'earliest' })
  consumer.assign([{ topic, partition: 0, offset: 0 }])
  for await (const message of consumer.stream()) {
    await consumer.disconnect()
    return { value: message.value === null ? null : new TextDecoder().decode(message.value) }
  }
  throw new Error('the stream ended before a record arrived')
}

run().then((result) => { window.faecieResult = result }, (err: unknown) => { window.faecieResult = { error: String(err) } })
