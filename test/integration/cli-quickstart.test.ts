// The Kafka quick start with the `faecie` CLI, each command a real child process against a real
// broker process: create a topic, produce stdin lines, consume them from the beginning; keys with
// --key-separator and --print-key (same key, same partition, in order); the json format; reading
// one partition from an offset; following a topic for new records; --timeout-ms; acks 0 / 1 and
// compression; a large stdin; the root ./faecie shim and `pnpm faecie`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { REPO, runCli, spawnCli, type CliOptions } from '../support/cli-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let env: Record<string, string>

beforeAll(async () => {
  broker = await startBrokerProcess()
  env = { FAECIE_BROKER: broker.url }
})

afterAll(async () => {
  await broker?.stop()
})

const faecie = (args: string[], options: CliOptions = {}) => runCli(args, { env, ...options })

/** Runs a command that must succeed; returns its stdout lines. */
async function ok(args: string[], options: CliOptions = {}): Promise<string[]> {
  const result = await faecie(args, options)
  expect(result.stderr, `faecie ${args.join(' ')}`).not.toMatch(/^faecie [a-z ]+: /m)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.lines
}

describe('the Kafka quick start', () => {
  it('creates a topic, produces lines from stdin, and consumes them from the beginning', async () => {
    await ok(['topics', 'create', '--topic', 'quickstart-events'])
    expect(await ok(['topics', 'list'])).toContain('quickstart-events')
    // The broker's address may come before the command too.
    expect(await ok(['--broker', broker.url, 'topics', 'list'], { env: { FAECIE_BROKER: 'ws://127.0.0.1:1' } })).toContain('quickstart-events')
    expect(await ok(['produce', '--topic', 'quickstart-events'], { stdin: 'This is my first event\nThis is my second event\n' })).toEqual([])
    const consumed = await faecie(['consume', '--topic', 'quickstart-events', '--from-beginning', '--max-messages', '2'])
    expect(consumed.code).toBe(0)
    expect(consumed.lines).toEqual(['This is my first event', 'This is my second event'])
    expect(consumed.stderr).toContain('Processed a total of 2 messages')
  })

  it('keys lines with --key-separator (a line without it has a null key) and prints them with --print-key', async () => {
    await ok(['topics', 'create', '--topic', 'keyed', '--partitions', '3'])
    const lines = ['user-1:login', 'user-2:login', 'user-1:click', 'no key here', 'user-3:a:b', 'user-2:logout', 'user-1:logout']
    await ok(['produce', '--topic', 'keyed', '--key-separator', ':'], { stdin: `${lines.join('\n')}\n` })
    const out = await ok(['consume', '--topic', 'keyed', '--from-beginning', '--max-messages', '7', '--print-key', '--print-partition'])
    const records = out.map((line) => {
      const [partition, key, value] = line.split('\t')
      return { partition: Number(partition!.replace('Partition:', '')), key, value }
    })
    expect(records.map((r) => `${r.key}:${r.value}`).sort()).toEqual(['null:no key here', ...lines.filter((l) => l.includes(':'))].sort())
    // Same key, same partition, in the order produced.
    for (const key of ['user-1', 'user-2']) {
      const mine = records.filter((r) => r.key === key)
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1)
      expect(mine.map((r) => r.value)).toEqual(lines.filter((l) => l.startsWith(`${key}:`)).map((l) => l.slice(key.length + 1)))
    }
    expect(records.find((r) => r.key === 'user-3')?.value).toBe('a:b')
  })

  it('prints one JSON object per record with --format json', async () => {
    await ok(['topics', 'create', '--topic', 'json-out'])
    const before = Date.now()
    await ok(['produce', '--topic', 'json-out', '--key-separator', '\\t'], { stdin: 'k1\tv1\nv2 without key\n\n' })
    const out = await ok(['consume', '--topic', 'json-out', '--from-beginning', '--max-messages', '3', '--format', 'json'])
    const records = out.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records.map(({ timestamp: _, ...rest }) => rest)).toEqual([
      { topic: 'json-out', partition: 0, offset: 0, key: 'k1', keyEncoding: 'string', value: 'v1', valueEncoding: 'string', headers: [] },
      { topic: 'json-out', partition: 0, offset: 1, key: null, keyEncoding: 'string', value: 'v2 without key', valueEncoding: 'string', headers: [] },
      { topic: 'json-out', partition: 0, offset: 2, key: null, keyEncoding: 'string', value: '', valueEncoding: 'string', headers: [] },
    ])
    for (const r of records) expect(r.timestamp).toBeGreaterThanOrEqual(before - 1_000)
  })

  it('reads one partition from an offset with --partition and --offset', async () => {
    await ok(['topics', 'create', '--topic', 'offsets', '--partitions', '2'])
    await ok(['produce', '--topic', 'offsets', '--partition', '1'], { stdin: 'zero\none\ntwo\nthree\n' })
    await ok(['produce', '--topic', 'offsets', '--partition', '0'], { stdin: 'other\n' })
    const out = await ok(['consume', '--topic', 'offsets', '--partition', '1', '--offset', '2', '--max-messages', '2', '--print-offset'])
    expect(out).toEqual(['Offset:2\ttwo', 'Offset:3\tthree'])
    expect(await ok(['consume', '--topic', 'offsets', '--partition', '0', '--offset', 'earliest', '--max-messages', '1'])).toEqual(['other'])
  })

  it('follows a topic for new records until stopped, and --timeout-ms ends a quiet one with exit 0', async () => {
    await ok(['topics', 'create', '--topic', 'live', '--partitions', '2'])
    await ok(['produce', '--topic', 'live'], { stdin: 'old\n' })
    const follower = spawnCli(['consume', '--topic', 'live'], { env })
    // Only new records: produce one at a time until the consumer, once it has its positions, shows one.
    let produced = 0
    await waitFor('the follower to show a new record', async () => {
      if (follower.output().length > 0) return true
      await ok(['produce', '--topic', 'live'], { stdin: `new-${produced++}\n` })
      return false
    }, { intervalMs: 250, timeoutMs: 30_000 })
    await ok(['produce', '--topic', 'live', '--key-separator', '='], { stdin: 'a=last-1\nb=last-2\n' })
    const lines = await follower.waitFor((seen) => seen.includes('last-1') && seen.includes('last-2'))
    expect(lines).not.toContain('old')
    for (const line of lines) expect(line).toMatch(/^(new-\d+|last-1|last-2)$/)
    follower.child.kill('SIGINT')
    expect(await follower.exited).toBe(0)

    const quiet = await faecie(['consume', '--topic', 'live', '--from-beginning', '--timeout-ms', '1500'])
    expect(quiet.code).toBe(0)
    expect(quiet.lines).toHaveLength(produced + 3)
    expect(quiet.lines).toContain('old')
    expect(quiet.lines).toContain('last-2')
    // A lower bound the CLI guarantees (it ends after 1500 ms without a record); no upper bound.
    expect(quiet.ms).toBeGreaterThanOrEqual(1_500)
  })

  it('produces with --acks 0, --acks 1 and every compression codec', async () => {
    await ok(['topics', 'create', '--topic', 'acks', '--partitions', '2'])
    const numbered = (from: number, count: number): string => Array.from({ length: count }, (_, i) => `line-${from + i}\n`).join('')
    await ok(['produce', '--topic', 'acks', '--acks', '0'], { stdin: numbered(0, 2_000) })
    await ok(['produce', '--topic', 'acks', '--acks', '1'], { stdin: numbered(2_000, 1_000) })
    let next = 3_000
    for (const codec of ['gzip', 'lz4', 'zstd', 'snappy']) {
      await ok(['produce', '--topic', 'acks', '--compression', codec], { stdin: numbered(next, 100) })
      next += 100
    }
    const out = await ok(['consume', '--topic', 'acks', '--from-beginning', '--max-messages', String(next)])
    expect(new Set(out)).toEqual(new Set(Array.from({ length: next }, (_, i) => `line-${i}`)))
  })

  it('streams a large stdin through and acknowledges every line', async () => {
    await ok(['topics', 'create', '--topic', 'large', '--partitions', '2'])
    const count = 200_000
    const value = 'x'.repeat(90)
    const stdin = Buffer.from(Array.from({ length: count }, (_, i) => `${i % 50}|${i}-${value}\n`).join(''))
    const produced = await faecie(['produce', '--topic', 'large', '--key-separator', '|'], { stdin, timeoutMs: 60_000 })
    expect(produced.code, produced.stderr).toBe(0)
    const described = await ok(['topics', 'describe', '--topic', 'large', '--format', 'json'])
    const partitions = (JSON.parse(described[0]!) as { partitions: Array<{ highWatermark: number }> }).partitions
    expect(partitions.reduce((sum, p) => sum + p.highWatermark, 0)).toBe(count)
    const out = await faecie(['consume', '--topic', 'large', '--from-beginning', '--max-messages', String(count), '--print-key', '--key-separator', '|'], { timeoutMs: 60_000 })
    expect(out.code, out.stderr).toBe(0)
    expect(out.lines).toHaveLength(count)
    // Per key, the order of stdin.
    const seen = new Map<string, number>()
    for (const line of out.lines) {
      const [key, rest] = line.split('|')
      const n = Number(rest!.split('-')[0])
      expect(n % 50).toBe(Number(key))
      expect(n).toBeGreaterThan(seen.get(key!) ?? -1)
      seen.set(key!, n)
    }
  })

  it('runs from the repo root as ./faecie and as pnpm faecie', async () => {
    const shim = await runCli(['topics', 'list'], { env, command: { file: `${REPO}/faecie`, args: [] } })
    expect(shim.code, shim.stderr).toBe(0)
    expect(shim.lines).toContain('quickstart-events')
    const viaPnpm = await runCli(['consume', '--topic', 'quickstart-events', '--from-beginning', '--max-messages', '1'], {
      env,
      command: { file: 'pnpm', args: ['faecie'] },
    })
    expect(viaPnpm.code, viaPnpm.stderr).toBe(0)
    // Nothing but records on stdout, through pnpm too.
    expect(viaPnpm.stdout).toBe('This is my first event\n')
  })
})
