// `faecie perf produce|consume|latency` as child processes against a real broker: small runs end
// with exit 0 and exactly one JSON line on stdout (records = N, percentiles in order), --throughput
// holds the rate down (a behaviour bound, not a speed claim), a group reads too, and bad flags or a
// broker that is not there end the command with exit 2 or 1. Runs are small: two cores are shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import type { PerfResult } from '../../packages/bench/src/result.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

/** Runs `faecie perf ...`, expects exit 0 and one JSON line with every key; returns it and the run's time. */
async function perf(args: string[]): Promise<{ json: PerfResult; ms: number; stderr: string }> {
  const result = await runCli(['perf', ...args, '--broker', broker.url], { timeoutMs: 60_000 })
  expect(result.code, `faecie perf ${args.join(' ')}: ${result.stderr}`).toBe(0)
  expect(result.lines).toHaveLength(1)
  const json = JSON.parse(result.lines[0]!) as PerfResult
  expect(Object.keys(json)).toEqual(['records', 'recordsPerSec', 'mbPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'maxMs'])
  expect(json.p50Ms).toBeLessThanOrEqual(json.p99Ms)
  expect(json.p99Ms).toBeLessThanOrEqual(json.p999Ms)
  expect(json.p999Ms).toBeLessThanOrEqual(json.maxMs)
  expect(json.recordsPerSec).toBeGreaterThan(0)
  return { json, ms: result.ms, stderr: result.stderr }
}

describe('faecie perf', () => {
  it('produces N records with two producers into a topic it creates, then consumes them, alone and as a group', async () => {
    const produced = await perf(['produce', '--topic', 'perf-a', '--records', '20000', '--record-size', '100', '--partitions', '2', '--producers', '2', '--acks', 'all'])
    expect(produced.json.records).toBe(20_000)
    expect(produced.json.mbPerSec).toBeGreaterThan(0)
    // Not a TTY: a plain summary line, no bar drawn with carriage returns.
    expect(produced.stderr).toContain('perf produce: 20000 records')
    expect(produced.stderr).not.toContain('\r')

    const consumed = await perf(['consume', '--topic', 'perf-a', '--records', '20000'])
    expect(consumed.json.records).toBe(20_000)
    const grouped = await perf(['consume', '--topic', 'perf-a', '--records', '20000', '--group', 'perf-g'])
    expect(grouped.json.records).toBe(20_000)
  })

  it('holds --throughput: 10,000 records at 5,000 records/s take at least ~1.8 s', async () => {
    const { json } = await perf(['produce', '--topic', 'perf-t', '--records', '10000', '--record-size', '50', '--partitions', '1', '--throughput', '5000'])
    expect(json.records).toBe(10_000)
    // The rate is measured from the first send to the last acknowledgement.
    expect(10_000 / json.recordsPerSec).toBeGreaterThanOrEqual(1.8)
    expect(json.recordsPerSec).toBeLessThanOrEqual(5_600)
    // Fewer records there than asked for: exit 1 once --timeout-ms has passed, nothing on stdout.
    const short = await runCli(['perf', 'consume', '--topic', 'perf-t', '--records', '10001', '--timeout-ms', '1500', '--broker', broker.url])
    expect(short.code, short.stderr).toBe(1)
    expect(short.stdout).toBe('')
    expect(short.stderr).toMatch(/only 10000 of 10001 records/)
  })

  it('measures end-to-end latency at a fixed rate', async () => {
    const { json } = await perf(['latency', '--topic', 'perf-l', '--records', '5000', '--rate', '5000', '--partitions', '1'])
    expect(json.records).toBe(5_000)
    // At a fixed rate the run lasts about N / rate, whatever the latency.
    expect(json.recordsPerSec).toBeLessThanOrEqual(5_600)
  })

  it('answers bad flags with exit 2 and a broker that is not there with exit 1', async () => {
    for (const args of [
      ['produce', '--topic', 't'],
      ['produce', '--topic', 't', '--records', '0'],
      ['produce', '--topic', 't', '--records', '10', '--acks', '2'],
      ['produce', '--topic', 't', '--records', '10', '--throughput', '0'],
      ['consume', '--topic', 't', '--records', '10', '--rate', '5'],
      ['latency', '--topic', 't', '--records', '10'],
      ['latency', '--topic', 't', '--records', '10', '--rate', '10', '--record-size', '4'],
      ['warp', '--topic', 't'],
    ]) {
      const result = await runCli(['perf', ...args, '--broker', broker.url])
      expect(result.code, `faecie perf ${args.join(' ')}`).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/faecie perf: /)
    }
    // Nothing listens on port 1: refused at once (a connect timeout past runCli's limit shows it is not the timeout).
    const gone = await runCli(['perf', 'produce', '--topic', 't', '--records', '10', '--broker', 'ws://127.0.0.1:1', '--connect-timeout-ms', '600000'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/cannot reach the broker/)
    const unknown = await runCli(['perf', 'consume', '--topic', 'perf-none', '--records', '10', '--broker', broker.url])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/unknown topic perf-none/)
  })
})
