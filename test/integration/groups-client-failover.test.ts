// A group member in another process (`faecie consume --group`) killed with SIGKILL: it cannot
// leave or commit, so its partitions move when its session times out (short here), to the member
// in this process, which starts them at the offsets the dead one last committed. At least once:
// every record produced, before, during and after the move, is seen by one member or the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { spawnCli } from '../support/cli-process.js'
import { waitFor } from '../support/wait-for.js'

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

describe('a member killed with SIGKILL', () => {
  it('has its partitions moved when its session times out, and no record goes unseen', async () => {
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
    await waitFor('two members with two partitions each', () => member.assignment().length === 2, { timeoutMs: 30_000 })

    const produced: string[] = []
    let producing = true
    const writer = (async () => {
      for (let i = 0; producing || i < 200; i++) {
        const batch = [0, 1, 2, 3].map((partition) => ({ value: `r${i}-${partition}`, partition }))
        await producer.send({ topic, messages: batch })
        produced.push(...batch.map((m) => m.value))
        await sleep(10) // pacing the writer, not waiting for anything
      }
    })()
    await child.waitFor((lines) => lines.length >= 50)
    // Let the child commit some of what it read (every second): the move must start from there.
    const childs = [0, 1, 2, 3].filter((p) => !member.assignment().some((tp) => tp.partition === p))
    await waitFor('a commit by the child', async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
      return offsets?.partitions.some((p) => childs.includes(p.partition) && p.offset > 0)
    }, { intervalMs: 100 })
    child.child.kill('SIGKILL')
    await child.exited
    // The session timeout, then the survivor's next heartbeat (no bound on how long: CI is busy).
    await waitFor('all four partitions here', () => member.assignment().length === 4, { timeoutMs: 30_000 })
    producing = false
    await writer

    const seen = new Set([...mine, ...child.output()])
    // A timeout here is reported by the expect below, naming the records never seen.
    await waitFor('every record seen', () => produced.every((v) => mine.has(v) || seen.has(v)), { timeoutMs: 30_000 }).catch(() => undefined)
    const missing = produced.filter((v) => !mine.has(v) && !seen.has(v))
    expect(missing).toEqual([])
    await member.disconnect()
    const { groups } = await admin.describeGroups([groupId])
    expect(groups[0]!.members).toHaveLength(0)
    await admin.disconnect()
  })
})
