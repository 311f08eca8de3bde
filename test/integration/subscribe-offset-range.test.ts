// A subscription asked from an offset between the high watermark and the log end (issue 15, seed 99:
// a push consumer at the old leader's high watermark resubscribed where the high watermark was not
// yet known that far, was answered OFFSET_OUT_OF_RANGE, and reset itself to the log start). A real
// broker with --fault-injection holds its fsyncs (fsyncDelayMs) on a flush `always` topic, so records
// are appended but not yet durable: the log end is past the high watermark. Subscribing at the log
// end must be accepted (as a fetch there answers empty), and push the records appended after it once
// the high watermark passes them. Out of range stays for offsets past the log end.
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, firstPartition, offsetsOf, produceFrame, RawClient } from '../support/broker-raw-client.js'
import { makeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

let broker: BrokerProcess
let client: RawClient
let planFile: string

beforeAll(async () => {
  planFile = join(makeTempDir('fault-plan'), 'plan.json')
  broker = await startBrokerProcess({ args: ['--fault-injection', planFile] })
  client = await RawClient.connect(broker.url)
  const created = await client.request('createTopics', { topics: [{ topic: 's', numPartitions: 1, config: { flush: 'always' } }] })
  expect(created.topics[0].error).toBeUndefined()
})

afterAll(async () => {
  await client?.close()
  await broker?.stop()
})

function setPlan(plan: object): void {
  writeFileSync(`${planFile}.tmp`, JSON.stringify(plan))
  renameSync(`${planFile}.tmp`, planFile)
}

async function offsetsOfPartition(): Promise<{ highWatermark: number; logEndOffset: number }> {
  const described = await client.request('describeTopics', { topics: ['s'] })
  return described.topics[0].partitions[0]
}

it('a subscription from between the high watermark and the log end waits for the records, never OFFSET_OUT_OF_RANGE', async () => {
  expect(firstPartition(await client.request('produce', produceFrame('s', 0, batchOf('durable', 2)))).error).toBeUndefined()
  setPlan({ fsyncDelayMs: 60_000 })
  // Produce until the partition thread holds an fsync: appended, not yet durable.
  const writer = await RawClient.connect(broker.url)
  const held: Promise<unknown>[] = []
  const gap = await waitFor('the log end past the high watermark', async () => {
    held.push(writer.request('produce', produceFrame('s', 0, batchOf(`held${held.length}`, 2)), 120_000))
    const o = await offsetsOfPartition()
    return o.logEndOffset > o.highWatermark ? o : undefined
  })
  // Past any log end the produces sent so far can make (2 records each after the first 2): a produce
  // still in flight when the offsets were read may append after them.
  const past = await client.request('subscribe', { topic: 's', partition: 0, offset: 2 + 2 * held.length + 1, creditBytes: 1 << 20 })
  expect(past.error).toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE })
  const sub = await client.request('subscribe', { topic: 's', partition: 0, offset: gap.logEndOffset, creditBytes: 1 << 20 })
  expect(sub.error).toBeUndefined()
  expect(client.pushes).toEqual([])
  // A record appended after the subscription's offset is pushed once it is durable.
  held.push(writer.request('produce', produceFrame('s', 0, batchOf('after', 1)), 120_000))
  setPlan({})
  await Promise.all(held)
  const pushes = await client.waitPushes(1)
  expect(pushes[0]!.error).toBeUndefined()
  expect(offsetsOf(pushes[0]!.records as Uint8Array)[0]).toBeGreaterThanOrEqual(gap.logEndOffset)
  await writer.close()
})
