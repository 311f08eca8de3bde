// Classic consumer groups end to end with kcat (librdkafka, `kcat -G`): against one broker process,
// two members share a 4-partition topic (each record read once, by the member owning its
// partition), a member leaving (SIGTERM: LeaveGroup) hands its partitions to the other, and the
// committed offsets show in `faecie groups describe`. Then a cluster of three brokers with etcd,
// kcat bootstrapped at a broker that does not coordinate the group: FindCoordinator sends it to the
// coordinator (the leader of the group's `__consumer_offsets` partition), where it joins and commits.
import { spawn, type ChildProcess } from 'node:child_process'
import { groupPartition } from '@faecie/protocol'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { createReplicatedTopic } from '../cluster/acked-records.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool } from '../support/kafka-protocol.js'
import { waitFor } from '../support/wait-for.js'

const TOPIC = 'cg-orders'
const GROUP = 'cg-kcat'
/** Generous: the first join waits out the initial rebalance delay (3 s), and the machine is shared. */
const GROUP_WAIT_MS = 90_000

let kcat: string
const members: Member[] = []

interface Member {
  child: ChildProcess
  /** "partition offset value" per record read. */
  lines: string[]
  exited: Promise<number | null>
}

/** A `kcat -G` member of GROUP printing every record it reads as "partition offset value". */
function member(bootstrap: string, group = GROUP, topic = TOPIC): Member {
  const child = spawn(kcat, ['-b', bootstrap, '-G', group, '-q', '-u', '-f', '%p %o %s\\n',
    '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=200', '-X', 'session.timeout.ms=10000',
    '-X', 'heartbeat.interval.ms=500', topic], { stdio: ['ignore', 'pipe', 'pipe'] })
  const m: Member = { child, lines: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
  let partial = ''
  child.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString()
    const lines = text.split('\n')
    partial = lines.pop()!
    m.lines.push(...lines.filter((l) => l !== ''))
  })
  child.stderr!.resume()
  members.push(m)
  return m
}

async function produce(bootstrap: string, partition: number, values: string[], topic = TOPIC): Promise<void> {
  const run = await runTool(kcat, ['-b', bootstrap, '-P', '-t', topic, '-p', String(partition)], values.join('\n') + '\n')
  expect(run.status, run.stderr).toBe(0)
}

const partitionsOf = (m: Member): Set<string> => new Set(m.lines.map((l) => l.split(' ')[0]!))
const valuesOf = (...ms: Member[]): string[] => ms.flatMap((m) => m.lines.map((l) => l.split(' ')[2]!))

/** The group Stable with `count` members, each owning partitions, together all `partitions`. */
async function stableWith(admin: Admin, count: number, partitions: number, group = GROUP) {
  return waitFor(`${group} to be Stable with ${count} members owning ${partitions} partitions`, async () => {
    const described = (await admin.describeGroups([group])).groups[0]
    if (described?.state !== 'Stable' || described.members.length !== count) return undefined
    const owned = described.members.map((m) => m.assignment.flatMap((t) => t.partitions))
    if (owned.some((p) => p.length === 0) || owned.flat().length !== partitions) return undefined
    return described
  }, { timeoutMs: GROUP_WAIT_MS, intervalMs: 200 })
}

beforeAll(() => {
  kcat = ensureKcat()
}, INSTALL_TIMEOUT_MS)

afterEach(async () => {
  for (const m of members.splice(0)) {
    m.child.kill('SIGKILL')
    await m.exited
  }
})

describe('a classic group of kcat members on one broker', () => {
  let broker: BrokerProcess
  let faecie: Faecie
  let admin: Admin
  let bootstrap: string

  beforeAll(async () => {
    broker = await startBrokerProcess()
    bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
    faecie = new Faecie({ brokers: [broker.url], clientId: 'kafka-classic-groups' })
    admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] })
  })

  afterAll(async () => {
    await admin?.disconnect()
    await broker?.stop()
  })

  it('shares the partitions, reads each record once, hands a leaving member\'s partitions over, and commits where faecie shows it', async () => {
    const a = member(bootstrap)
    const b = member(bootstrap)
    const split = await stableWith(admin, 2, 4)
    expect(split.type).toBe('classic')
    for (let p = 0; p < 4; p++) await produce(bootstrap, p, Array.from({ length: 10 }, (_, i) => `p${p}-r${i}`))
    await waitFor('the 40 records to be read', () => (a.lines.length + b.lines.length >= 40 ? true : undefined), { timeoutMs: GROUP_WAIT_MS })
    const first = valuesOf(a, b)
    expect(first).toHaveLength(40)
    expect(new Set(first).size).toBe(40)
    // Each member read only its own partitions.
    expect(partitionsOf(a).size).toBeGreaterThan(0)
    expect(partitionsOf(b).size).toBeGreaterThan(0)
    expect([...partitionsOf(a)].filter((p) => partitionsOf(b).has(p))).toEqual([])

    // Every record read is committed before b leaves: whoever takes its partitions starts after them.
    await waitFor('offsets committed at 10 on every partition', async () => {
      const lag = await admin.fetchGroupLag({ groupId: GROUP })
      return lag.partitions.length === 4 && lag.partitions.every((p) => p.committed === 10) ? lag : undefined
    }, { timeoutMs: GROUP_WAIT_MS, intervalMs: 200 })
    b.child.kill('SIGTERM')
    expect(await b.exited).toBe(0)
    await stableWith(admin, 1, 4)
    for (let p = 0; p < 4; p++) await produce(bootstrap, p, Array.from({ length: 5 }, (_, i) => `p${p}-s${i}`))
    await waitFor('a to read the 20 new records', () => (valuesOf(a).filter((v) => v.includes('-s')).length >= 20 ? true : undefined),
      { timeoutMs: GROUP_WAIT_MS })
    const all = valuesOf(a, b)
    expect(all).toHaveLength(60)
    expect(new Set(all).size).toBe(60)

    const described = await waitFor('faecie groups describe to show every partition committed at its end', async () => {
      const cli = await runCli(['groups', 'describe', '--group', GROUP, '--format', 'json'], { env: { FAECIE_BROKER: broker.url } })
      const json = JSON.parse(cli.stdout) as { state: string; members: unknown[]; partitions: Array<{ partition: number; committed: number; lag: number }> }
      return json.partitions.length === 4 && json.partitions.every((p) => p.committed === 15 && p.lag === 0) ? json : undefined
    }, { timeoutMs: GROUP_WAIT_MS, intervalMs: 500 })
    expect([described.state, described.members.length]).toEqual(['Stable', 1])
  }, 4 * GROUP_WAIT_MS)
})

describe('a classic group in a cluster', () => {
  let cluster: TestCluster | undefined

  afterAll(async () => {
    await cluster?.close()
  })

  it('kcat bootstrapped at a broker that does not coordinate the group finds the coordinator, joins there and commits', async () => {
    const offsetsPartitions = 3
    cluster = await startCluster({ brokers: 3, extraArgs: ['--offsets-topic-partitions', String(offsetsPartitions)] })
    const topic = 'cg-cluster'
    await createReplicatedTopic(cluster, topic, 2)
    const admin = cluster.track(cluster.client().admin())
    // A group id whose coordinator (its offsets partition's leader, once the topic exists) is not broker 1, kcat's bootstrap.
    await admin.fetchOffsets({ groupId: 'cg-warm-up' }).catch(() => undefined)
    const { group, coordinator } = await waitFor('a group coordinated by a broker other than 1', async () => {
      for (let i = 0; i < 50; i++) {
        const candidate = `cg-cluster-${i}`
        const leader = await cluster!.leaderOf('__consumer_offsets', groupPartition(candidate, offsetsPartitions))
        if (leader > 1) return { group: candidate, coordinator: leader }
      }
      return undefined
    }, { timeoutMs: GROUP_WAIT_MS, intervalMs: 500 })
    const bootstrap = `127.0.0.1:${await kafkaPortOf(cluster.broker(1))}`
    for (let p = 0; p < 2; p++) await produce(bootstrap, p, [`c${p}-a`, `c${p}-b`], topic)
    const m = member(bootstrap, group, topic)
    await waitFor('the 4 records to be read', () => (m.lines.length >= 4 ? true : undefined), { timeoutMs: GROUP_WAIT_MS })
    expect(valuesOf(m).sort()).toEqual(['c0-a', 'c0-b', 'c1-a', 'c1-b'])
    const described = (await admin.describeGroups([group])).groups[0]!
    expect([described.type, described.state, described.coordinator?.brokerId]).toEqual(['classic', 'Stable', coordinator])
    await waitFor('the offsets committed at the coordinator', async () => {
      const lag = await admin.fetchGroupLag({ groupId: group })
      return lag.partitions.length === 2 && lag.partitions.every((p) => p.committed === 2) ? true : undefined
    }, { timeoutMs: GROUP_WAIT_MS, intervalMs: 200 })
  }, 4 * GROUP_WAIT_MS)
})
