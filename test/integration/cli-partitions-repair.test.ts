// `faecie partitions repair` against a real broker (issue 11): a partition damaged behind the
// broker's back (a closed segment deleted) answers LOG_DAMAGED until an operator repairs it; the
// repair refuses to run without --accept-data-loss, then moves the log start past the damage, with a
// log line and a metric, after which the partition serves from there and nothing is damaged.
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, offsetsOf, produceFrame, RawClient } from '../support/broker-raw-client.js'
import { runCli } from '../support/cli-process.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
})

afterAll(async () => {
  await broker?.stop()
})

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${broker.port}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? NaN : Number(line.split(' ')[1])
}

describe('faecie partitions repair', () => {
  it('moves a damaged partition past its damage, only with --accept-data-loss', async () => {
    let client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 'holed', numPartitions: 1, config: { 'segment.bytes': '1000' } }] })
    for (let i = 0; i < 40; i++) {
      expect(firstPartition(await client.request('produce', produceFrame('holed', 0, batchOf(`b${i}`, 4)))).error).toBeUndefined()
    }
    await client.close()
    await broker.stop()
    const dir = join(broker.dataDir, 'holed-0')
    const files = readdirSync(dir).filter((n) => n.endsWith('.log')).sort()
    const firstLost = Number(files[2]!.slice(0, 20))
    const resume = Number(files[3]!.slice(0, 20))
    rmSync(join(dir, files[2]!))
    await broker.restart()

    const refused = await runCli(['partitions', 'repair', '--topic', 'holed', '--partition', '0', '--broker', broker.url])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--accept-data-loss')
    client = await RawClient.connect(broker.url)
    try {
      expect(firstPartition(await client.request('fetch', fetchFrame('holed', 0, firstLost))).error?.code).toBe(ErrorCode.LOG_DAMAGED)
      expect(await metric('faecie_partition_repairs_total')).toBe(0)

      const repaired = await runCli(['partitions', 'repair', '--topic', 'holed', '--partition', '0', '--accept-data-loss', '--broker', broker.url])
      expect(repaired.code).toBe(0)
      expect(repaired.stderr).toContain(`log start is now ${resume}`)
      const below = firstPartition(await client.request('fetch', fetchFrame('holed', 0, firstLost)))
      expect(below.error?.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
      const from = firstPartition(await client.request('fetch', fetchFrame('holed', 0, resume)))
      expect(from.error).toBeUndefined()
      expect(from.logStartOffset).toBe(resume)
      expect(offsetsOf(from.records)[0]).toBe(resume)
      expect(await metric('faecie_partition_repair_offsets_skipped_total')).toBe(resume)
      expect(await metric('faecie_partitions_damaged')).toBe(0)
      // The broker's stdout is read as it comes: the line may still be in the pipe when the answer is in.
      await waitFor('the log line "partition repaired"', () => broker.logs().some((l) => l.includes('partition repaired')))
    } finally {
      await client.close()
    }
  })
})
