// Confluent's Kafka client for Python (`confluent-kafka` from PyPI, librdkafka inside its wheel,
// unchanged) against the broker's Kafka listener: an idempotent producer with acks=all (every
// delivery report at its offset, the stored batches carrying its producer id and sequences) and a
// consumer group of two members sharing a 4-partition topic (each record consumed once, by the
// member owning its partition), its committed offsets read back with the Python admin client.
// The scripts are in test/support/python; the venv is made once per machine (python-venv.ts).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { REPO } from '../support/cli-process.js'
import { killClientProcesses, startClientProcess, type ClientProcess } from '../support/client-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool } from '../support/kafka-protocol.js'
import { ensureConfluentKafkaPython, PYTHON_VENV_TIMEOUT_MS } from '../support/python-venv.js'
import { storedBatches } from '../support/stored-batches.js'
import { waitFor } from '../support/wait-for.js'

/** Waits on the clients (joins, records arriving): generous, the machine is shared. */
const CLIENT_WAIT_MS = 90_000
const TEST_TIMEOUT_MS = 4 * CLIENT_WAIT_MS
const SCRIPTS = join(REPO, 'test/support/python')

let broker: BrokerProcess
let bootstrap: string
let python: string
let kcat: string
let faecie: Faecie
let admin: Admin

beforeAll(async () => {
  python = ensureConfluentKafkaPython()
  kcat = ensureKcat()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
  faecie = new Faecie({ brokers: [broker.url], clientId: 'kafka-python' })
  admin = faecie.admin()
}, PYTHON_VENV_TIMEOUT_MS + 2 * INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await killClientProcesses()
  await admin?.disconnect()
  await broker?.stop()
}, 60_000)

async function script(name: string, args: string[]): Promise<string[]> {
  const run = await runTool(python, [join(SCRIPTS, name), '--bootstrap', bootstrap, ...args], '', CLIENT_WAIT_MS)
  expect(run.status, `${name} ${args.join(' ')}\n${run.stdout}\n${run.stderr}\nbroker:\n${broker.logs().slice(-30).join('\n')}`).toBe(0)
  return run.stdout.split('\n').filter((line) => line !== '')
}

interface Delivery { partition: number; offset: number; value: string; error: string | null }

async function produce(topic: string, count: number, partitions: number, prefix: string): Promise<Delivery[]> {
  const lines = await script('produce.py', ['--topic', topic, '--count', String(count), '--partitions', String(partitions), '--prefix', prefix])
  return lines.map((line) => JSON.parse(line) as Delivery)
}

describe('confluent-kafka (Python) against the Kafka listener', () => {
  it('an idempotent producer with acks=all: every record delivered at its offset once, its producer id and sequences stored', async () => {
    const topic = 'py-produce'
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
    const deliveries = await produce(topic, 30, 3, 'idem')
    for (let p = 0; p < 3; p++) {
      const mine = deliveries.filter((d) => d.partition === p).sort((x, y) => x.offset - y.offset)
      expect(mine.map((d) => [d.offset, d.value, d.error])).toEqual(Array.from({ length: 10 }, (_, i) => [i, `idem-${p + 3 * i}`, null]))
      const batches = storedBatches(broker.dataDir, topic, p)
      expect(batches.reduce((n, b) => n + b.records, 0)).toBe(10)
      // librdkafka's idempotent producer: one producer id on every partition, sequences from 0 on.
      expect(batches[0]?.baseSequence).toBe(0)
      let next = 0
      for (const batch of batches) {
        expect([batch.baseSequence, batch.producerEpoch]).toEqual([next, 0])
        next += batch.records
      }
      const read = await runTool(kcat, ['-b', bootstrap, '-C', '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-f', '%s\n'])
      expect(read.stdout.trim().split('\n')).toEqual(mine.map((d) => d.value))
    }
    const ids = new Set([0, 1, 2].flatMap((p) => storedBatches(broker.dataDir, topic, p).map((b) => b.producerId)))
    expect(ids.size).toBe(1)
    expect([...ids][0]).toBeGreaterThanOrEqual(0n)
  }, TEST_TIMEOUT_MS)

  it('a consumer group of two members shares 4 partitions: each record consumed once, by its partition\'s owner, offsets committed', async () => {
    const topic = 'py-group'
    const group = 'py-group-1'
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] })
    const member = (name: string): ClientProcess =>
      startClientProcess(name, python, [join(SCRIPTS, 'consume.py'), '--bootstrap', bootstrap, '--topic', topic, '--group', group])
    const members = [member('py-a'), member('py-b')]
    const events = (m: ClientProcess): Array<{ event: string; partitions?: number[]; partition?: number; offset?: number; value?: string; error?: string }> =>
      m.stdout().map((line) => JSON.parse(line))
    const latestAssignment = (m: ClientProcess): number[] | undefined =>
      events(m).filter((e) => e.event === 'assigned' || e.event === 'revoked').map((e) => (e.event === 'assigned' ? e.partitions! : [])).at(-1)
    const why = (): string => `${members.map((m) => m.describe()).join('\n')}\nbroker:\n${broker.logs().slice(-30).join('\n')}`

    const owned = await waitFor('both members to hold partitions of one generation', () => {
      const [a, b] = members.map(latestAssignment)
      if (a === undefined || b === undefined || a.length === 0 || b.length === 0) return undefined
      return [...a, ...b].sort().join(',') === '0,1,2,3' ? [a, b] : undefined
    }, { timeoutMs: CLIENT_WAIT_MS }).catch((err: Error) => { throw new Error(`${err.message}\n${why()}`) })

    const deliveries = await produce(topic, 40, 4, 'grp')
    expect(deliveries.every((d) => d.error === null)).toBe(true)
    const records = (): Array<{ member: number; partition: number; offset: number; value: string }> =>
      members.flatMap((m, i) => events(m).filter((e) => e.event === 'record').map((e) => ({ member: i, partition: e.partition!, offset: e.offset!, value: e.value! })))
    await waitFor('the members to consume all 40 records', () => (records().length >= 40 ? true : undefined), { timeoutMs: CLIENT_WAIT_MS })
      .catch((err: Error) => { throw new Error(`${err.message}\n${why()}`) })

    const seen = records()
    expect(seen.map((r) => r.value).sort(), why()).toEqual(deliveries.map((d) => d.value).sort())
    for (const r of seen) expect(owned[r.member], `${r.value} at ${r.partition}:${r.offset}`).toContain(r.partition)
    expect(new Set(seen.map((r) => r.member))).toEqual(new Set([0, 1]))
    expect(members.flatMap((m) => events(m).filter((e) => e.event === 'error' && e.error?.startsWith('commit')))).toEqual([])

    const committed = JSON.parse((await script('committed.py', ['--topic', topic, '--group', group, '--partitions', '4']))[0]!) as Record<string, number>
    expect(committed).toEqual({ 0: 10, 1: 10, 2: 10, 3: 10 })

    for (const m of members) m.write('stop\n')
    expect(await Promise.all(members.map((m) => m.exited)), why()).toEqual([0, 0])
    expect(members.map((m) => events(m).at(-1)?.event)).toEqual(['closed', 'closed'])
  }, TEST_TIMEOUT_MS)
})
