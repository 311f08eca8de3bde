// Issue 13, third test: under a steady acks=all load on three partitions (RF 3, min.insync.replicas
// 2), with two consumers (one fetching, one taking pushes) reading all the while, the controller is
// killed (SIGKILL) and comes back, etcd is restarted, and every broker is restarted in turn. Afterwards nothing acknowledged
// is lost (every acknowledged record at its offset, in order, once), and no consumer ever read a
// record that later disappeared (everything it was given is in the final log at the offset it had).
import { afterEach, expect, it } from 'vitest'
import type { Consumer } from '@faecie/client'
import { RawClient, batchOf, produceFrame } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { AckingProducer, type PartitionLog, checkAcknowledged, checkConsumed, createReplicatedTopic } from './acked-records.js'

const PARTITIONS = 3

let cluster: TestCluster | undefined
let raw: RawClient | undefined

afterEach(async () => {
  await raw?.close()
  await cluster?.close()
  cluster = raw = undefined
})

/** A partition of `topic` that `brokerId` leads, if any. */
async function partitionLedBy(c: TestCluster, topic: string, brokerId: number): Promise<number | undefined> {
  for (let p = 0; p < PARTITIONS; p++) if ((await c.partition(topic, p)).leader === brokerId) return p
  return undefined
}

interface Reader {
  mode: 'fetch' | 'push'
  consumer: Consumer
  /** Per partition: offset -> value, as given to eachMessage. */
  consumed: Array<Map<number, string>>
  changedUnderfoot: string[]
  crashes: unknown[]
}

/** A consumer of every partition from offset 0 that remembers what it was given. */
async function startReader(c: TestCluster, topic: string, mode: 'fetch' | 'push', options: { requestTimeoutMs: number; connectTimeoutMs: number }): Promise<Reader> {
  const consumer = c.track(c.client(options).consumer({ autoOffsetReset: 'earliest', maxWaitMs: 200, mode }))
  const reader: Reader = { mode, consumer, consumed: Array.from({ length: PARTITIONS }, () => new Map()), changedUnderfoot: [], crashes: [] }
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0 })))
  consumer.on('crash', (err) => reader.crashes.push(err))
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const value = message.value === null ? '' : new TextDecoder().decode(message.value)
      const before = reader.consumed[partition]!.get(message.offset)
      if (before !== undefined && before !== value) reader.changedUnderfoot.push(`${partition}@${message.offset}: ${before}, then ${value}`)
      reader.consumed[partition]!.set(message.offset, value)
    },
  })
  return reader
}

async function waitForFullIsr(c: TestCluster, topic: string): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) await c.waitForIsr(topic, p, 3)
}

it('controller kill, etcd restart and a rolling restart under load lose nothing acknowledged and take back nothing consumed', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const topic = 'rolling-faults'
  await createReplicatedTopic(cluster, topic, PARTITIONS)
  const options = { requestTimeoutMs: 5_000, connectTimeoutMs: 3_000 }

  // Two consumers, one per way of reading (long-poll fetch, and pushes of what is appended), each
  // remembering what it was given; a record given twice must be the same record.
  const readers = await Promise.all((['fetch', 'push'] as const).map((mode) => startReader(cluster!, topic, mode, options)))

  const producer = cluster.track(cluster.client(options).producer({ acks: 'all', idempotent: true }))
  const sending = new AckingProducer(producer, topic, { partitions: PARTITIONS, inFlightMax: 24, tag: 'r' }).start()
  await sending.waitForMoreAcks(300, 'before any fault')

  // The controller dies; another is elected; the load goes on; the dead one comes back. It dies
  // while a partition it leads holds a record (sent with acks=1) that its followers, paused for a
  // moment, lack: a consumer given that record past the high watermark would see it disappear.
  const controller = await cluster.waitForController()
  const others = cluster.brokerIds.filter((id) => id !== controller)
  const led = await partitionLedBy(cluster, topic, controller)
  for (const id of others) cluster.stop(id)
  if (led !== undefined) {
    raw = await RawClient.connect(cluster.url(controller))
    await raw.request('produce', produceFrame(topic, led, batchOf('marker', 1), 1))
  }
  await cluster.kill9(controller)
  for (const id of others) cluster.cont(id)
  await cluster.waitForController((id) => id !== controller)
  await sending.waitForMoreAcks(300, `after the controller (broker ${controller}) was killed`)
  await cluster.restart(controller)
  await waitForFullIsr(cluster, topic)

  // etcd goes down and comes back (the brokers' leases outlive a quick restart).
  await cluster.restartEtcd()
  await cluster.waitForController()
  await sending.waitForMoreAcks(300, 'after etcd restarted')
  await waitForFullIsr(cluster, topic)

  // Every broker restarted in turn, each back in every ISR before the next goes.
  for (const brokerId of cluster.brokerIds) {
    await cluster.restart(brokerId)
    await waitForFullIsr(cluster, topic)
    await sending.waitForMoreAcks(200, `after broker ${brokerId} restarted`)
  }
  await sending.stop()

  const logs: PartitionLog[] = []
  for (let p = 0; p < PARTITIONS; p++) logs.push(await cluster.readPartition(topic, p))
  // The consumer reaches the end of every partition.
  for (const reader of readers) {
    await waitFor(`the ${reader.mode} consumer to read every partition to its end`, () => {
      if (reader.crashes.length > 0) throw new Error(`the ${reader.mode} consumer stopped: ${String(reader.crashes[0])}`)
      if (logs.every((log, p) => log.offsets.length === 0 || reader.consumed[p]!.has(log.offsets.at(-1)!))) return true
      // Thrown, so that a timeout says how far it got.
      throw new Error(logs.map((log, p) => `partition ${p}: read up to ${Math.max(-1, ...reader.consumed[p]!.keys())} of ${log.offsets.at(-1) ?? -1}`).join(', '))
    }, { timeoutMs: 30_000 })
    await reader.consumer.disconnect()
  }

  for (let p = 0; p < PARTITIONS; p++) {
    expect(checkAcknowledged(sending.acks, p, logs[p]!), `partition ${p}`).toEqual([])
    for (const reader of readers) expect(checkConsumed(reader.consumed[p]!, logs[p]!), `${reader.mode} consumer, partition ${p}`).toEqual([])
  }
  for (const reader of readers) expect(reader.changedUnderfoot, `${reader.mode} consumer`).toEqual([])
}, 115_000)
