// Issue 14, a group's coordinator dies: three consumers in one group read a 6-partition RF3 topic
// (min.insync.replicas 2) while an acks=all producer keeps writing; the broker coordinating the
// group (as findCoordinator names it) is killed with SIGKILL. The group's committed offsets live in
// the replicated `__consumer_offsets`, so the partition's new leader coordinates the group with
// every offset it had committed. Checked:
// - every acknowledged record is seen by the group (at least once: a record read since the last
//   commit may be read again after a move);
// - the committed offsets, read back through the admin every few hundred ms all along, never move
//   backwards (a committed offset lost with its broker would send them back, to -1 or an older one);
// - consumption resumes: records acknowledged after the kill are read, in every partition;
// - the members never crash.
// A broker that cannot answer findCoordinator (before issue 14's groups) keeps the groups on the
// controller: the controller is the one killed then, and this test fails (its offsets are lost).
import { afterEach, expect, it } from 'vitest'
import type { Admin, GroupConsumer } from '@faecie/client'
import { RawClient } from '../support/broker-raw-client.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { AckingProducer, createReplicatedTopic } from './acked-records.js'

const PARTITIONS = 6
const GROUP = 'g-failover'
/** How often the committed offsets are read back while the test runs. */
const OFFSETS_SAMPLE_INTERVAL_MS = 200

let cluster: TestCluster | undefined
let raw: RawClient | undefined
let sampler: OffsetSampler | undefined

afterEach(async () => {
  await sampler?.stop()
  await raw?.close()
  await cluster?.close()
  cluster = raw = sampler = undefined
})

/** Reads the group's committed offsets over and over; notes every one that moved backwards. */
class OffsetSampler {
  readonly highest = new Map<number, number>()
  readonly backwards: string[] = []
  readonly errors: unknown[] = []
  samples = 0
  private running = true
  private readonly done: Promise<void>

  constructor(private readonly admin: Admin, private readonly topic: string) {
    this.done = this.loop()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.done
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const [offsets] = await this.admin.fetchOffsets({ groupId: GROUP, topics: [this.topic] })
        for (const { partition, offset } of offsets?.partitions ?? []) {
          const before = this.highest.get(partition) ?? -1
          if (offset < before) this.backwards.push(`partition ${partition}: committed ${before}, then ${offset} (sample ${this.samples})`)
          else this.highest.set(partition, offset)
        }
        this.samples++
      } catch (err) {
        this.errors.push(err) // the coordinator away, out of retries: the next sample asks again
      }
      // A pace for the sampling, not a wait for an event.
      await new Promise((resolve) => setTimeout(resolve, OFFSETS_SAMPLE_INTERVAL_MS))
    }
  }
}

/** The group's coordinator as findCoordinator says through `via`; the controller where no broker can say. */
async function coordinatorOf(c: TestCluster, via: number): Promise<{ brokerId: number; how: string }> {
  raw = await RawClient.connect(c.url(via))
  try {
    const answer = await raw.request('findCoordinator', { key: GROUP })
    const error = answer.error as { code: number; message: string } | undefined
    if (error === undefined) return { brokerId: answer.brokerId as number, how: 'findCoordinator' }
    // UNSUPPORTED_VERSION (35): a cluster broker whose groups still live on the controller.
    if (error.code !== 35) throw new Error(`findCoordinator: ${error.message}`)
    return { brokerId: await c.waitForController(), how: `the controller (findCoordinator: ${error.message})` }
  } finally {
    await raw.close()
    raw = undefined
  }
}

it('kill -9 of the group coordinator: the group sees every record, committed offsets never go back, consumption resumes', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const c = cluster
  const topic = 'group-failover'
  await createReplicatedTopic(c, topic, PARTITIONS)
  const clientConfig = { requestTimeoutMs: 5_000, connectTimeoutMs: 3_000 }

  const producer = c.track(c.client(clientConfig).producer({ acks: 'all', idempotent: true }))
  const sending = new AckingProducer(producer, topic, { partitions: PARTITIONS, inFlightMax: 8, tag: 'r' }).start()

  /** What the group read: value -> times, and per partition the values read (in order). */
  const seen = new Map<string, number>()
  const crashes: unknown[] = []
  const consumers: GroupConsumer[] = []
  for (let i = 0; i < 3; i++) {
    const consumer = c.track(c.client(clientConfig).consumer({
      groupId: GROUP, sessionTimeoutMs: 6_000, autoCommitIntervalMs: 200, autoOffsetReset: 'earliest', maxWaitMs: 100,
    }))
    consumer.on('crash', (err) => void crashes.push(err))
    await consumer.subscribe({ topics: [topic] })
    await consumer.run({ eachMessage: async ({ message }) => {
      const value = new TextDecoder().decode(message.value!)
      seen.set(value, (seen.get(value) ?? 0) + 1)
    } })
    consumers.push(consumer)
  }
  const assigned = (): number => consumers.reduce((n, m) => n + m.assignment().length, 0)
  await waitFor('the six partitions assigned over the three members', () => assigned() === PARTITIONS && consumers.every((m) => m.assignment().length === 2), { timeoutMs: 30_000 })
  await sending.waitForMoreAcks(300, 'before the kill')
  const admin = c.track(c.client(clientConfig).admin())
  sampler = new OffsetSampler(admin, topic)
  await waitFor('offsets committed for every partition', () => sampler!.highest.size === PARTITIONS && [...sampler!.highest.values()].every((o) => o > 0), { timeoutMs: 30_000 })

  const coordinator = await coordinatorOf(c, c.brokerIds[0]!)
  const samplesBefore = sampler.samples
  await c.kill9(coordinator.brokerId)
  const acksAtKill = sending.acks.length
  await sending.waitForMoreAcks(300, `after the kill of broker ${coordinator.brokerId}, ${coordinator.how}`)
  // Consumption resumed: in every partition, records acknowledged after the kill were read.
  await waitFor('records acknowledged after the kill read in every partition', () => {
    const after = sending.acks.slice(acksAtKill)
    return Array.from({ length: PARTITIONS }, (_, p) => p).every((p) => after.some((a) => a.partition === p && seen.has(a.value)))
  }, { timeoutMs: 60_000 })
  await sending.stop()

  await waitFor('every acknowledged record seen by the group', () => {
    const missing = sending.acks.filter((a) => !seen.has(a.value))
    if (missing.length === 0) return true
    throw new Error(`${missing.length} of ${sending.acks.length} acknowledged records not seen, e.g. ${missing.slice(0, 5).map((a) => `${a.value}@${a.partition}/${a.offset}`).join(', ')}`)
  }, { timeoutMs: 60_000 })
  // The sampler went on reading the offsets through the failover and after it.
  await waitFor('offset samples after the failover', () => sampler!.samples > samplesBefore + 10, { timeoutMs: 60_000 })
  expect(sampler.backwards).toEqual([])
  expect(crashes).toEqual([])
  // The group is still one group: every partition owned by exactly one live member.
  await waitFor('the six partitions owned again', () => assigned() === PARTITIONS, { timeoutMs: 30_000 })
  const owned = consumers.flatMap((m) => m.assignment().map((tp) => tp.partition)).sort()
  expect(owned).toEqual([0, 1, 2, 3, 4, 5])
}, 240_000)
