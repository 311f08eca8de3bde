// Kafka 4.4's Java consumer with group.protocol=consumer (KIP-848: ConsumerGroupHeartbeat, with
// OffsetFetch and OffsetCommit) against faecie's Kafka listener, one broker process. A Java group
// member (test/support/java/KafkaGroupMember.java, compiled here with javac against the cached
// Kafka jars) reads every record the faecie CLI produced and commits; a second member joins and
// the partitions split between the two, each record read once; the first closes and the second
// takes over its partitions, again each record once; kafka-consumer-groups --describe shows the
// group with the remaining member on every partition and no lag. Then the console consumer with
// --group and group.protocol=consumer reads from the beginning what was produced.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { ensureInstalled, INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'
import { kafkaPortOf, runKafkaTool } from '../support/kafka-protocol.js'
import { waitFor } from '../support/wait-for.js'

/** A JVM's start, the group's join and each step on a shared two-core machine: generous. */
const STEP_TIMEOUT_MS = 120_000
const TOOL_TIMEOUT_MS = 120_000
const PARTITIONS = 4

let broker: BrokerProcess
let bootstrap: string
let classDir: string
let classpath: string
const members: JavaMember[] = []

/** One KafkaGroupMember process in `consume` mode: its stdout lines as they come. */
class JavaMember {
  readonly lines: string[] = []
  readonly child: ChildProcessWithoutNullStreams
  #stderr = ''
  exitCode: number | null | undefined = undefined

  constructor(readonly name: string, group: string, topic: string) {
    this.child = spawn(ensureJava(), ['-Xmx256M', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'KafkaGroupMember', 'consume', bootstrap, group, topic, 'true'])
    let partial = ''
    this.child.stdout.on('data', (d: Buffer) => {
      const text = partial + d.toString()
      const parts = text.split('\n')
      partial = parts.pop()!
      this.lines.push(...parts)
    })
    this.child.stderr.on('data', (d: Buffer) => { this.#stderr = (this.#stderr + d.toString()).slice(-20_000) })
    this.child.on('exit', (code) => { this.exitCode = code })
  }

  /** The values of the records it consumed, in order. */
  values(): string[] {
    return this.lines.filter((l) => l.startsWith('RECORD ')).map((l) => l.split(' ').slice(3).join(' '))
  }

  /** Its assignment as last printed (undefined before the first). */
  assignment(): number[] | undefined {
    const last = this.lines.filter((l) => l.startsWith('ASSIGNED')).at(-1)
    if (last === undefined) return undefined
    const list = last.slice('ASSIGNED'.length).trim()
    return list === '' ? [] : list.split(',').map(Number)
  }

  /** Whether a commit followed the last record it consumed. */
  committedAll(): boolean {
    const lastRecord = this.lines.findLastIndex((l) => l.startsWith('RECORD '))
    return this.lines.findLastIndex((l) => l === 'COMMITTED') > lastRecord
  }

  describe(): string {
    return `${this.name} (exit ${String(this.exitCode)})\nstdout tail: ${this.lines.slice(-20).join('\n')}\nstderr tail: ${this.#stderr.slice(-3000)}`
  }

  /** Asks it to close (it leaves the group) and waits for a clean exit. */
  async close(): Promise<void> {
    this.child.stdin.write('close\n')
    await waitFor(`${this.name} to close`, () => this.exitCode !== undefined, { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 100 })
    expect(this.exitCode, this.describe()).toBe(0)
    expect(this.lines.at(-1)).toBe('CLOSED')
  }

  kill(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL')
  }
}

function startMember(name: string, group: string, topic: string): JavaMember {
  const member = new JavaMember(name, group, topic)
  members.push(member)
  return member
}

async function produce(topic: string, from: number, count: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `value-${from + i}`)
  const lines = values.map((v, i) => `key-${from + i}:${v}`).join('\n')
  const run = await runCli(['produce', '--topic', topic, '--key-separator', ':'], { env: { FAECIE_BROKER: broker.url }, stdin: `${lines}\n` })
  expect(run.code, run.stderr).toBe(0)
  return values
}

/** Waits until the members together consumed `expected` values; every value read exactly once. */
async function consumedOnce(group: JavaMember[], expected: string[]): Promise<void> {
  const all = (): string[] => group.flatMap((m) => m.values())
  await waitFor(`${expected.length} records consumed by ${group.map((m) => m.name).join(' and ')}`, () => {
    for (const m of group) if (m.exitCode !== undefined && m.exitCode !== 0) throw new Error(m.describe())
    return all().length >= expected.length
  }, { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 100, retryErrors: false })
  expect([...all()].sort(), group.map((m) => m.describe()).join('\n')).toEqual([...expected].sort())
}

beforeAll(async () => {
  ensureJava()
  ensureInstalled('javac (the Java KIP-848 consumer test)', ['default-jdk-headless'], () => {
    const found = spawnSync('which', ['javac'], { encoding: 'utf8' })
    return found.status === 0 ? found.stdout.trim() : undefined
  })
  const kafka = ensureKafkaClasspath()
  classDir = mkdtempSync(join(tmpdir(), 'faecie-kafka-java-consumer-'))
  const compiled = spawnSync('javac', ['-d', classDir, '-cp', kafka, join(import.meta.dirname, '..', 'support', 'java', 'KafkaGroupMember.java')], { encoding: 'utf8' })
  expect(compiled.status, compiled.stderr).toBe(0)
  classpath = `${classDir}:${kafka}`
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterEach(() => {
  for (const m of members.splice(0)) m.kill()
})

afterAll(async () => {
  await broker?.stop()
  if (classDir !== undefined) rmSync(classDir, { recursive: true, force: true })
})

describe('the Java consumer with group.protocol=consumer (KIP-848)', () => {
  it('consumes and commits; a second member splits the partitions; the first closes and the second takes over, each record once', async () => {
    const topic = 'kip848-orders'
    const group = 'kip848-java'
    const created = await runCli(['topics', 'create', '--topic', topic, '--partitions', String(PARTITIONS)], { env: { FAECIE_BROKER: broker.url } })
    expect(created.code, created.stderr).toBe(0)
    const produced = await produce(topic, 0, 40)

    const first = startMember('first', group, topic)
    await consumedOnce([first], produced)
    expect(first.assignment()).toEqual([0, 1, 2, 3])

    const second = startMember('second', group, topic)
    await waitFor('the partitions to split between the two members', () => {
      const [a, b] = [first.assignment() ?? [], second.assignment() ?? []]
      return a.length > 0 && b.length > 0 && [...a, ...b].sort().join() === '0,1,2,3'
    }, { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 100 })
    produced.push(...await produce(topic, 40, 40))
    await consumedOnce([first, second], produced)
    expect(second.values().length, second.describe()).toBeGreaterThan(0)

    await first.close()
    await waitFor('the second member to take every partition', () => second.assignment()?.join() === '0,1,2,3',
      { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 100 })
    produced.push(...await produce(topic, 80, 20))
    await consumedOnce([first, second], produced)
    await waitFor('the second member to commit what it read', () => second.committedAll(), { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 100 })

    // kafka-consumer-groups --describe (ConsumerGroupDescribe, OffsetFetch, ListOffsets): one member on every partition, no lag.
    const described = await runKafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      ['--bootstrap-server', bootstrap, '--describe', '--group', group], '', TOOL_TIMEOUT_MS)
    expect(described.status, `${described.stdout}\n${described.stderr}`).toBe(0)
    const rows = described.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((cols) => cols[0] === group && cols[1] === topic)
    expect(rows.map((cols) => [cols[2], cols[5]]).sort(), described.stdout).toEqual([['0', '0'], ['1', '0'], ['2', '0'], ['3', '0']])
    expect(new Set(rows.map((cols) => cols[6])).size, described.stdout).toBe(1)
    await second.close()
  }, 10 * STEP_TIMEOUT_MS)

  it('kafka-console-consumer --group with group.protocol=consumer reads from the beginning what the faecie CLI produced', async () => {
    const topic = 'kip848-console'
    const created = await runCli(['topics', 'create', '--topic', topic], { env: { FAECIE_BROKER: broker.url } })
    expect(created.code, created.stderr).toBe(0)
    const produced = await produce(topic, 0, 5)
    const run = await runKafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', bootstrap, '--topic', topic,
      '--group', 'kip848-console-group', '--consumer-property', 'group.protocol=consumer', '--from-beginning', '--max-messages', String(produced.length)],
    '', TOOL_TIMEOUT_MS)
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    // Kafka 4.4 calls --consumer-property deprecated (for --command-property) on stdout; it still works.
    const lines = run.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('SLF4J') && !l.startsWith('Option --consumer-property is deprecated'))
    expect(lines).toEqual(produced)
  }, 2 * TOOL_TIMEOUT_MS)
})
