// The operator's cluster commands (packages/cli/src/commands/cluster*.ts) as child processes against
// four real brokers and etcd: `cluster reassign --replicas` moves a partition onto a broker that had
// no replica of it, `reassignments` shows moves until they are done, `elect-leaders --preferred`
// gives the moved partition to its new preferred leader; `reassign --generate` plans a topic off
// one broker, `--execute --throttle` starts the plan, `--verify` reports until every partition is
// complete and then removes the throttle; `drain --execute` empties a broker. Every record
// acknowledged (acks=all) before the moves reads back from the partitions' leaders afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-process.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { makeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'
import { createReplicatedTopic } from './acked-records.js'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'

const MOVE_TIMEOUT_MS = 60_000
const THROTTLE_BYTES_PER_SEC = 50_000_000

let cluster: TestCluster
let brokers: string

beforeAll(async () => {
  cluster = await startCluster({ brokers: 4 })
  brokers = cluster.urls().join(',')
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

async function cli(args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return runCli([...args, '--broker', brokers, '--connect-timeout-ms', '10000'], { timeoutMs: 60_000 })
}

async function ok(args: string[]): Promise<string[]> {
  const result = await cli(args)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}\n${cluster.logs()}`).toBe(0)
  return result.lines
}

/** Produces `count` records with acks=all; returns the values acknowledged, per partition. */
async function produce(topic: string, partitions: number, count: number): Promise<Map<number, string[]>> {
  const producer = cluster.track(cluster.client().producer({ acks: 'all', idempotent: true }))
  const acked = new Map<number, string[]>()
  for (let i = 0; i < count; i++) {
    const partition = i % partitions
    await producer.send({ topic, messages: [{ value: `${topic}-${i}`, partition }] })
    acked.set(partition, [...(acked.get(partition) ?? []), `${topic}-${i}`])
  }
  await producer.disconnect()
  return acked
}

/**
 * Every acknowledged value is read back from the partition's leader. Read up to its high watermark,
 * which a leader elected a moment ago may still be raising (its followers' next fetch moves it): the
 * read is asked again until every value is there, and a record truly lost fails the wait.
 */
async function checkReadBack(topic: string, acked: Map<number, string[]>): Promise<void> {
  for (const [partition, values] of acked) {
    let missing: string[] = []
    await waitFor(`${topic}-${partition}: every acknowledged record read back`, async () => {
      const log = await cluster.readPartition(topic, partition)
      missing = values.filter((v) => !log.values.includes(v))
      return missing.length === 0
    }, { timeoutMs: 30_000 }).catch(() => undefined)
    expect(missing, `${topic}-${partition} lost acknowledged records`).toEqual([])
  }
}

async function replicasOf(topic: string, partition: number): Promise<number[]> {
  return (await cluster.partition(topic, partition)).replicas ?? []
}

/** Until `cluster reassignments` lists no move of `topic`. */
async function waitUntilNoMoves(topic: string): Promise<void> {
  await waitFor(`the moves of ${topic} to be done`, async () => {
    const listed = JSON.parse((await ok(['cluster', 'reassignments', '--topics', topic, '--format', 'json']))[0]!) as { reassignments: unknown[] }
    return listed.reassignments.length === 0
  }, { timeoutMs: MOVE_TIMEOUT_MS, intervalMs: 250 })
}

describe('faecie cluster reassign / elect-leaders / drain', () => {
  it('reassign --replicas moves a partition to a new broker; elect-leaders --preferred gives it its new first replica', async () => {
    const topic = 'cli-moved'
    await createReplicatedTopic(cluster, topic, 1)
    const acked = await produce(topic, 1, 50)
    const before = await replicasOf(topic, 0)
    const newcomer = cluster.brokerIds.find((id) => !before.includes(id))!
    const target = [newcomer, before[0]!, before[1]!]

    const started = await cli(['cluster', 'reassign', '--topic', topic, '--partition', '0', '--replicas', target.join(','), '--throttle', String(THROTTLE_BYTES_PER_SEC)])
    expect(started.code, started.stderr).toBe(0)
    // The assignment to roll back to comes first, then the confirmation.
    expect(started.lines).toContain(JSON.stringify({ version: 1, partitions: [{ topic, partition: 0, replicas: before }] }))
    expect(started.lines.at(-1)).toBe(`Successfully started partition reassignment for ${topic}-0`)

    await waitUntilNoMoves(topic)
    await waitFor(`${topic}-0's replicas to be ${target.join(',')}`, async () => (await replicasOf(topic, 0)).join(',') === target.join(','), { timeoutMs: MOVE_TIMEOUT_MS })
    await cluster.waitForIsr(topic, 0, target)
    await checkReadBack(topic, acked)

    const elected = await cli(['cluster', 'elect-leaders', '--preferred', '--topic', topic, '--partition', '0'])
    expect(elected.code, elected.stderr).toBe(0)
    expect(elected.lines).toContainEqual(expect.stringMatching(new RegExp(`^(Successfully completed leader election \\(PREFERRED\\)|Valid replica already elected) for partitions ${topic}-0$`)))
    expect(await cluster.waitForLeader(topic, 0, (leader) => leader === newcomer)).toBe(newcomer)
    await checkReadBack(topic, acked)
    // Asked again: nothing to do, which is no failure.
    expect(await ok(['cluster', 'elect-leaders', '--preferred', '--topic', topic])).toEqual([`Valid replica already elected for partitions ${topic}-0`])
  }, 180_000)

  it('--generate plans a topic off one broker, --execute starts it throttled, --verify reports until done and removes the throttle', async () => {
    const topic = 'cli-planned'
    await createReplicatedTopic(cluster, topic, 4)
    const acked = await produce(topic, 4, 80)
    const kept = cluster.brokerIds.filter((id) => id !== 1)

    const generated = JSON.parse((await ok(['cluster', 'reassign', '--generate', '--brokers', kept.join(','), '--topics', topic, '--format', 'json']))[0]!) as {
      proposed: { version: 1; partitions: Array<{ topic: string; partition: number; replicas: number[] }> }
      current: { partitions: Array<{ replicas: number[] }> }
    }
    // The current assignment is every partition of the topic (as Kafka's), not only those that move.
    expect(generated.current.partitions).toHaveLength(4)
    // Four partitions of three replicas on four brokers: broker 1 held three of them.
    expect(generated.current.partitions.filter((p) => p.replicas.includes(1)).length).toBeGreaterThan(0)
    for (const p of generated.proposed.partitions) expect(p.replicas).not.toContain(1)
    const plan = join(makeTempDir('cli-reassign'), 'plan.json')
    writeFileSync(plan, JSON.stringify(generated.proposed))

    const executed = await ok(['cluster', 'reassign', '--execute', '--plan', plan, '--throttle', String(THROTTLE_BYTES_PER_SEC)])
    expect(executed.at(-1)).toMatch(/^Successfully started partition reassignments? for /)

    // --verify until every partition is complete; the run that sees it so removes the throttle.
    const verified = await waitFor('--verify to report every partition complete', async () => {
      const result = await cli(['cluster', 'reassign', '--verify', '--plan', plan])
      expect(result.code, result.stderr).toBe(0)
      return result.lines.every((l) => l.startsWith('Reassignment of partition') ? l.endsWith('is completed.') : true) ? result.lines : undefined
    }, { timeoutMs: MOVE_TIMEOUT_MS, intervalMs: 250 })
    expect(verified.filter((l) => l.endsWith('is completed.'))).toHaveLength(generated.proposed.partitions.length)
    expect(verified.at(-1)).toBe('Throttle was removed.')
    expect(JSON.parse((await ok(['cluster', 'reassignments', '--format', 'json']))[0]!)).toMatchObject({ throttleBytesPerSec: null })

    for (let p = 0; p < 4; p++) expect(await replicasOf(topic, p)).not.toContain(1)
    await checkReadBack(topic, acked)
    // A plan of a balanced topic moves nothing.
    const again = JSON.parse((await ok(['cluster', 'reassign', '--generate', '--brokers', kept.join(','), '--topics', topic, '--format', 'json']))[0]!) as { replicaMoves: number }
    expect(again.replicaMoves).toBe(0)
  }, 180_000)

  it('drain --execute moves every replica off a broker', async () => {
    const topic = 'cli-drained'
    await createReplicatedTopic(cluster, topic, 3)
    const acked = await produce(topic, 3, 30)
    const result = await cli(['cluster', 'drain', '--broker-id', '4', '--topics', topic, '--execute'])
    expect(result.code, result.stderr).toBe(0)
    await waitUntilNoMoves(topic)
    await waitFor('no replica left on broker 4', async () => {
      for (let p = 0; p < 3; p++) if ((await replicasOf(topic, p)).includes(4)) return false
      return true
    }, { timeoutMs: MOVE_TIMEOUT_MS })
    await checkReadBack(topic, acked)
  }, 180_000)

  it('refuses a plan naming an unregistered broker whole (nothing moves), and a drain of a broker that is not there', async () => {
    const topic = 'cli-refused'
    await createReplicatedTopic(cluster, topic, 2)
    const before = [await replicasOf(topic, 0), await replicasOf(topic, 1)]
    const newcomer = cluster.brokerIds.find((id) => !before[0]!.includes(id))!
    const plan = join(makeTempDir('cli-refused'), 'plan.json')
    writeFileSync(plan, JSON.stringify({ version: 1, partitions: [
      { topic, partition: 0, replicas: [newcomer, before[0]![0]!, before[0]![1]!] },
      { topic, partition: 1, replicas: [9, before[1]![0]!] },
      { topic, partition: 7, replicas: [1] },
    ] }))
    const refused = await cli(['cluster', 'reassign', '--execute', '--plan', plan])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/refused, nothing was moved/)
    expect(refused.stderr).toMatch(new RegExp(`${topic}-1: broker 9 is not registered`))
    expect(refused.stderr).toMatch(new RegExp(`${topic}-7: topic ${topic} has 2 partitions`))
    expect(refused.lines.join('\n')).not.toMatch(/Current partition replica assignment/)
    const listed = JSON.parse((await ok(['cluster', 'reassignments', '--topics', topic, '--format', 'json']))[0]!) as Record<string, unknown>
    expect(listed).toEqual({ reassignments: [], throttleBytesPerSec: null })
    expect([await replicasOf(topic, 0), await replicasOf(topic, 1)]).toEqual(before)

    const drained = await cli(['cluster', 'drain', '--broker-id', '9'])
    expect(drained.code).toBe(2)
    expect(drained.stderr).toMatch(/broker 9 is not a broker of the cluster .* holds no replica/)
  }, 120_000)

  it('cluster throttle sets and removes the throttle; reassign --cancel removes it unless --preserve-throttles', async () => {
    const topic = 'cli-throttled'
    await createReplicatedTopic(cluster, topic, 1)
    const throttleNow = async () => (JSON.parse((await ok(['cluster', 'reassignments', '--format', 'json']))[0]!) as { throttleBytesPerSec: number | null }).throttleBytesPerSec
    const set = await cli(['cluster', 'throttle', '--bytes-per-sec', '1000'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toMatch(/faecie cluster throttle --remove/)
    expect(await throttleNow()).toBe(1000)
    await ok(['cluster', 'throttle', '--remove'])
    expect(await throttleNow()).toBeNull()

    await ok(['cluster', 'throttle', '--bytes-per-sec', '2000'])
    // Nothing to cancel (exit 1), and the throttle stays with --preserve-throttles.
    expect((await cli(['cluster', 'reassign', '--cancel', '--topic', topic, '--partition', '0', '--preserve-throttles'])).code).toBe(1)
    expect(await throttleNow()).toBe(2000)
    const cancelled = await cli(['cluster', 'reassign', '--cancel', '--topic', topic, '--partition', '0'])
    expect(cancelled.stderr).toMatch(/Removed the replication throttle of 2000 bytes\/s/)
    expect(await throttleNow()).toBeNull()
  }, 120_000)

  it('topics describe asked of one broker shows each partition\'s offsets and size from its leader', async () => {
    const topic = 'cli-described'
    await createReplicatedTopic(cluster, topic, 4)
    await produce(topic, 4, 40)
    // Three replicas of each partition on four brokers: the broker asked lacks a replica of some, and follows others.
    for (const url of cluster.urls()) {
      const result = await runCli(['topics', 'describe', '--topic', topic, '--format', 'json', '--broker', url], { timeoutMs: 60_000 })
      expect(result.code, result.stderr).toBe(0)
      const described = JSON.parse(result.lines[0]!) as { partitions: Array<{ partition: number; highWatermark: number; logEndOffset: number; sizeBytes: number }> }
      expect(described.partitions.map((p) => [p.partition, p.highWatermark, p.logEndOffset])).toEqual([0, 1, 2, 3].map((p) => [p, 10, 10]))
      for (const p of described.partitions) expect(p.sizeBytes).toBeGreaterThan(0)
    }
  }, 120_000)
})
