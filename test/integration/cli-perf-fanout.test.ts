// `faecie perf fanout` as a child process against a real broker (its session caps set in its
// --config: 30, as the bench raises them past its subscribers): 20 subscribers over 2 load-generator processes get all 200 records
// each, and the one JSON line on stdout says so (delivered = records x subscribers, no lag left);
// 40 subscribers past the cap end the command with exit 1 and nothing on stdout.
// Not a speed claim: the run is small (two cores are shared) and only counts are asserted.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { makeTempDir } from '../support/temp-dir.js'
import type { FanoutResult } from '../../packages/bench/src/fanout.js'

let broker: BrokerProcess

beforeAll(async () => {
  const config = join(makeTempDir('fanout-config'), 'broker.json')
  writeFileSync(config, JSON.stringify({ limits: { sessionsMax: 30, sessionsPerAddressMax: 30 } }))
  broker = await startBrokerProcess({ args: ['--config', config] })
})

afterAll(async () => {
  await broker?.stop()
})

describe('faecie perf fanout', () => {
  it('delivers every record to every subscriber and ends with one JSON line', async () => {
    const result = await runCli(['perf', 'fanout', '--topic', 'fan', '--partitions', '1', '--subscribers', '20', '--processes', '2',
      '--rate', '1000', '--records', '200', '--timeout-ms', '60000', '--broker', broker.url], { timeoutMs: 120_000 })
    expect(result.code, result.stderr).toBe(0)
    expect(result.lines).toHaveLength(1)
    const json = JSON.parse(result.lines[0]!) as FanoutResult
    expect(Object.keys(json)).toEqual(['records', 'delivered', 'recordsPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'maxMs', 'slowestLagRecords', 'subscribers'])
    expect(json).toMatchObject({ records: 200, delivered: 200 * 20, subscribers: 20 })
    expect(json.recordsPerSec).toBeGreaterThan(0)
    expect(json.p50Ms).toBeLessThanOrEqual(json.p99Ms)
    expect(json.p99Ms).toBeLessThanOrEqual(json.p999Ms)
    expect(json.p999Ms).toBeLessThanOrEqual(json.maxMs)
    expect(result.stderr).toContain('perf fanout: 4000 of 4000 record copies to 20 subscribers')
  })

  it('fails with exit 1 and nothing on stdout when the broker refuses the sessions', async () => {
    // This broker takes 30 sessions: 40 subscribers cannot all be subscribed.
    const result = await runCli(['perf', 'fanout', '--topic', 'fan', '--subscribers', '40', '--processes', '1',
      '--rate', '10', '--records', '1', '--timeout-ms', '60000', '--broker', broker.url], { timeoutMs: 120_000 })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/subscriber process failed/)
  })
})
