// A group member in another process (`faecie consume --group`) killed with SIGKILL: it cannot
// leave or commit, so its partitions move when its session times out (short here), to the member
// in this process, which starts them at the offsets the dead one last committed. At least once:
// every record produced, before, during and after the move, is seen by one member or the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { spawnCli } from '../support/cli-process.js'

let broker: BrokerProcess
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'groups-failover' })
  producer = faecie.producer({ lingerMs: 1 })
})

afterAll(async () => {
  await producer?.disconnect()
  await broker?.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, done: () => boolean, timeoutMs = 15_000): Promise<number> {
  const started = Date.now()
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await sleep(20)
  }
  return Date.now() - started
}

describe('a member killed with SIGKILL', () => {
  it('has its partitions moved within the session timeout, and no record goes unseen', async () => {
    const topic = 'failover'
    const groupId = 'g-failover'
    const sessionTimeoutMs = 1_500
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] })

    const child = spawnCli(['consume', '--group', groupId, '--topic', topic, '--from-beginning', '--session-timeout-ms', String(sessionTimeoutMs)], {
      env: { FAECIE_BROKER: broker.url },
    })
    const mine = new Set<string>()
    const member = faecie.consumer({ groupId, sessionTimeoutMs, maxWaitMs: 100, autoCommitIntervalMs: 200, autoOffsetReset: 'earliest' })
    await member.subscribe({ topics: [topic] })
    await member.run({ eachMessage: async ({ message }) => void mine.add(new TextDecoder().decode(message.value!)) })
    await until('two members with two partitions each', () => member.assignment().length === 2, 20_000)

    const produced: string[] = []
    let producing = true
    const writer = (async () => {
      for (let i = 0; producing || i < 200; i++) {
        const batch = [0, 1, 2, 3].map((partition) => ({ value: `r${i}-${partition}`, partition }))
        await producer.send({ topic, messages: batch })
        produced.push(...batch.map((m) => m.value))
        await sleep(10)
      }
    })()
    await child.waitFor((lines) => lines.length >= 50)
    await sleep(500) // let the child commit some of what it read (every second)
    const killedAt = Date.now()
    child.child.kill('SIGKILL')
    await child.exited
    await until('all four partitions here', () => member.assignment().length === 4, sessionTimeoutMs + 15_000)
    // The session timeout, then the survivor's next heartbeat; the slack is for CI's two busy cores.
    expect(Date.now() - killedAt).toBeLessThan(sessionTimeoutMs + 10_000)
    producing = false
    await writer

    const seen = new Set([...mine, ...child.output()])
    await until('every record seen', () => produced.every((v) => mine.has(v) || seen.has(v)), 15_000).catch(() => undefined)
    const missing = produced.filter((v) => !mine.has(v) && !seen.has(v))
    expect(missing).toEqual([])
    await member.disconnect()
    const { groups } = await admin.describeGroups([groupId])
    expect(groups[0]!.members).toHaveLength(0)
    await admin.disconnect()
  })
})
