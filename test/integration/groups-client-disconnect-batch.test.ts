// A group member that disconnects from inside eachBatch, against a real broker process: the batch
// handler resolves the messages it handled, then awaits `member.disconnect()` part-way through the
// batch. The disconnect resolves (it does not wait for the handler that awaits it), commits through
// the last resolved message, and leaves the group; nothing after it is handled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type GroupConsumer, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-disconnect-batch' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

describe('disconnect() inside eachBatch', () => {
  it('resolves, commits through the last resolved message and leaves', async () => {
    const topic = 'stop-in-batch'
    const groupId = `${topic}-group`
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
    // One produce: the ten messages come to the member as one batch.
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: 0 })) })
    const member: GroupConsumer = faecie.consumer({ groupId, sessionTimeoutMs: 10_000, maxWaitMs: 100, autoOffsetReset: 'earliest' })
    const handled: string[] = []
    let disconnected = false
    await member.subscribe({ topics: [topic] })
    await member.run({
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const message of batch.messages) {
          if (disconnected) return
          await new Promise((resolve) => setImmediate(resolve))
          handled.push(new TextDecoder().decode(message.value!))
          resolveOffset(message.offset)
          if (handled.length === 3) {
            await member.disconnect()
            disconnected = true
            return
          }
        }
      },
    })
    await waitFor('the disconnect awaited inside eachBatch to resolve', () => disconnected)
    expect(handled).toEqual(['m0', 'm1', 'm2'])
    const { groups } = await admin.describeGroups([groupId])
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    await admin.disconnect()
    expect({ members: groups[0]?.members.length, committed: offsets?.partitions[0]?.offset }).toEqual({ members: 0, committed: 3 })
  })
})
