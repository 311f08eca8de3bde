// A group member that disconnects from inside its own handler, the natural "stop after N messages"
// pattern, against a real broker process: `await member.disconnect()` inside eachMessage (after an
// await of the handler's, and before any) resolves, commits up to and including the message whose
// handler asked to stop, and leaves the group; no message is handled after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type GroupConsumer, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-disconnect' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

async function topicWith(topic: string, count: number): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
  await admin.disconnect()
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}`, partition: 0 })) })
}

async function groupState(groupId: string, topic: string): Promise<{ members: number; committed: number | undefined }> {
  const admin = faecie.admin()
  try {
    const { groups } = await admin.describeGroups([groupId])
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return { members: groups[0]?.members.length ?? -1, committed: offsets?.partitions[0]?.offset }
  } finally {
    await admin.disconnect()
  }
}

describe('disconnect() inside eachMessage', () => {
  for (const [name, yieldFirst] of [['after the handler awaited something', true], ['before the handler awaited anything', false]] as const) {
    it(`stops after N messages, commits through the Nth and leaves (${name})`, async () => {
      const topic = `stop-after-n-${yieldFirst ? 'async' : 'sync'}`
      const groupId = `${topic}-group`
      await topicWith(topic, 10)
      const member: GroupConsumer = faecie.consumer({ groupId, sessionTimeoutMs: 10_000, maxWaitMs: 100, autoOffsetReset: 'earliest' })
      const handled: string[] = []
      let disconnected = false
      await member.subscribe({ topics: [topic] })
      await member.run({
        eachMessage: async ({ message }) => {
          if (yieldFirst) await new Promise((resolve) => setImmediate(resolve))
          handled.push(new TextDecoder().decode(message.value!))
          if (handled.length === 3) {
            await member.disconnect()
            disconnected = true
          }
        },
      })
      await waitFor('the disconnect awaited inside eachMessage to resolve', () => disconnected)
      expect(handled).toEqual(['m0', 'm1', 'm2'])
      expect(await groupState(groupId, topic)).toEqual({ members: 0, committed: 3 })
    })
  }
})
