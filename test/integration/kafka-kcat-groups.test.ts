// kcat's consumer group mode (`-G`: librdkafka's classic group protocol, the range assignor, offsets
// auto-committed) against the broker's Kafka listener: two members share a 4-partition topic, each
// record consumed once by its partition's owner; a member leaves and the other takes its
// partitions; the group, its committed offsets and its lag show in `faecie groups describe`, and
// `faecie groups reset-offsets` rewinds it for the next member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { killClientProcesses, startClientProcess, type ClientProcess } from '../support/client-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool } from '../support/kafka-protocol.js'
import { waitFor } from '../support/wait-for.js'

/** Waits on the clients (joins, rebalances, records arriving): generous, the machine is shared. */
const CLIENT_WAIT_MS = 90_000
const TEST_TIMEOUT_MS = 6 * CLIENT_WAIT_MS
const PARTITIONS = 4

let broker: BrokerProcess
let bootstrap: string
let kcat: string

beforeAll(async () => {
  kcat = ensureKcat()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await killClientProcesses()
  await broker?.stop()
}, 60_000)

async function faecie(args: string[]): Promise<string[]> {
  const run = await runCli(args, { env: { FAECIE_BROKER: broker.url } })
  expect(run.code, `faecie ${args.join(' ')}: ${run.stderr}`).toBe(0)
  return run.lines
}

/** Produces `perPartition` records named `PREFIX-p-i` to each partition with kcat; returns them. */
async function produce(topic: string, prefix: string, perPartition: number): Promise<string[]> {
  const values: string[] = []
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = Array.from({ length: perPartition }, (_, i) => `${prefix}-${p}-${i}`)
    const run = await runTool(kcat, ['-b', bootstrap, '-P', '-t', topic, '-p', String(p)], `${mine.join('\n')}\n`)
    expect(run.status, run.stderr).toBe(0)
    values.push(...mine)
  }
  return values
}

interface DescribedGroup {
  state: string
  members: Array<{ memberId: string; assignment: Array<{ topic: string; partitions: number[] }> }>
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag?: number; memberId?: string }>
  totalLag: number
}

async function describeGroup(group: string): Promise<DescribedGroup> {
  const lines = await faecie(['groups', 'describe', '--group', group, '--format', 'json'])
  return JSON.parse(lines[0]!) as DescribedGroup
}

function member(name: string, topic: string, group: string): ClientProcess {
  return startClientProcess(name, kcat, ['-b', bootstrap, '-u', '-G', group, '-f', '%p:%o %s\n',
    '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=100', '-X', 'session.timeout.ms=10000', '-X', 'heartbeat.interval.ms=500',
    topic])
}

/** The partitions of a member's latest assignment, from kcat's "% Group G rebalanced (memberid M): assigned: T [0], T [1]" lines. */
function latestAssignment(m: ClientProcess): number[] | undefined {
  const line = m.stderr().filter((l) => /rebalanced.*(assigned|revoked):/.test(l)).at(-1)
  if (line === undefined) return undefined
  if (/revoked:/.test(line)) return []
  return [...line.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])).sort()
}

/** `partition:offset value` lines a member printed. */
const records = (m: ClientProcess): Array<{ partition: number; value: string }> => m.stdout().map((line) => {
  const [at, value] = line.split(' ')
  return { partition: Number(at!.split(':')[0]), value: value! }
})

describe('kcat -G against the Kafka listener', () => {
  it('two members share 4 partitions; one leaves and the other takes them all; lag shows in faecie groups describe', async () => {
    const topic = 'kcat-group'
    const group = 'kcat-group-1'
    await faecie(['topics', 'create', '--topic', topic, '--partitions', String(PARTITIONS)])
    const [a, b] = [member('kcat-a', topic, group), member('kcat-b', topic, group)]
    const why = (): string => `${a.describe()}\n${b.describe()}\nbroker:\n${broker.logs().slice(-30).join('\n')}`
    const failWith = (err: Error): never => { throw new Error(`${err.message}\n${why()}`) }

    const owned = await waitFor('both kcat members to hold partitions of one generation', () => {
      const [ofA, ofB] = [latestAssignment(a), latestAssignment(b)]
      if (ofA === undefined || ofB === undefined || ofA.length === 0 || ofB.length === 0) return undefined
      return [...ofA, ...ofB].sort().join(',') === '0,1,2,3' ? { ofA, ofB } : undefined
    }, { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)

    // The group as faecie shows it: a classic group of two members, each with its kcat assignment.
    const stable = await waitFor('faecie groups describe to show both members', async () => {
      const described = await describeGroup(group)
      return described.members.length === 2 ? described : undefined
    }, { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)
    expect(stable.state).toBe('Stable')
    expect(stable.members.map((m) => m.assignment.flatMap((t) => t.partitions).sort()).sort()).toEqual([owned.ofA, owned.ofB].sort())

    const first = await produce(topic, 'shared', 10)
    await waitFor('the members to consume 40 records', () => records(a).length + records(b).length >= 40 || undefined,
      { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)
    expect([...records(a), ...records(b)].map((r) => r.value).sort(), why()).toEqual([...first].sort())
    expect(records(a).every((r) => owned.ofA.includes(r.partition)) && records(b).every((r) => owned.ofB.includes(r.partition)), why()).toBe(true)

    const committedAt = (offset: number) => async () => {
      const described = await describeGroup(group)
      const at = described.partitions.map((p) => [p.partition, p.committed]).sort()
      return JSON.stringify(at) === JSON.stringify([0, 1, 2, 3].map((p) => [p, offset])) ? described : undefined
    }
    await waitFor('kcat to commit offset 10 on every partition', committedAt(10), { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)

    // b leaves the group (SIGTERM: kcat closes its consumer); a is given every partition.
    expect(await b.stop(), why()).toBe(0)
    await waitFor('a to hold all 4 partitions after b left', () => latestAssignment(a)?.join(',') === '0,1,2,3', { timeoutMs: CLIENT_WAIT_MS })
      .catch(failWith)
    const second = await produce(topic, 'after', 5)
    await waitFor('a to consume the next 20 records', () => records(a).length + records(b).length >= 60 || undefined,
      { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)
    expect([...records(a), ...records(b)].map((r) => r.value).sort(), why()).toEqual([...first, ...second].sort())
    await waitFor('kcat to commit offset 15 on every partition', committedAt(15), { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)

    // With no member left, records produced since are the group's lag.
    expect(await a.stop(), why()).toBe(0)
    await produce(topic, 'lagging', 2)
    // kcat's close sent LeaveGroup; the group is Empty once the coordinator has taken it.
    const lagging = await waitFor('the group to be empty after both members left', async () => {
      const described = await describeGroup(group)
      return described.state === 'Empty' ? described : undefined
    }, { timeoutMs: CLIENT_WAIT_MS }).catch(failWith)
    expect(lagging.members).toEqual([])
    expect(lagging.partitions.map((p) => [p.partition, p.committed, p.end, p.lag]).sort()).toEqual([0, 1, 2, 3].map((p) => [p, 15, 17, 2]))
    expect(lagging.totalLag).toBe(8)
    const text = await faecie(['groups', 'describe', '--group', group])
    expect(text.at(-1)).toBe('TOTAL-LAG: 8')

    // faecie groups reset-offsets works on kcat's group: a new member reads every record again.
    await faecie(['groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-earliest', '--execute'])
    expect((await describeGroup(group)).partitions.map((p) => [p.partition, p.committed]).sort()).toEqual([0, 1, 2, 3].map((p) => [p, 0]))
    const c = member('kcat-c', topic, group)
    await waitFor('a new member to read all 68 records from the reset offsets', () => records(c).length >= 68 || undefined,
      { timeoutMs: CLIENT_WAIT_MS }).catch((err: Error) => { throw new Error(`${err.message}\n${c.describe()}`) })
    expect(records(c).length).toBe(68)
    expect(await c.stop()).toBe(0)
  }, TEST_TIMEOUT_MS)
})
