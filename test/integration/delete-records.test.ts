// Deleting records (Kafka's DeleteRecords) on a real broker through the native client and the CLI:
// the log start moves to the offset asked for (inside a batch and a segment), the segments wholly
// below it go from the data dir, a consumer reset to the earliest offset starts exactly there,
// reads below it answer OFFSET_OUT_OF_RANGE, an offset past the high watermark is refused, and the
// new start survives a restart. `faecie topics delete-records` takes flags or Kafka's JSON file.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { Faecie, type Admin, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { fetchFrame, firstPartition, RawClient } from '../support/broker-raw-client.js'
import { runCli } from '../support/cli-process.js'
import { removeTempDir, writeTempFile } from '../support/temp-dir.js'

const BATCHES = 30
const RECORDS_PER_BATCH = 4

let broker: BrokerProcess
let faecie: Faecie
let admin: Admin

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'delete-records' })
  admin = faecie.admin()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

/** A topic of one partition with small segments, holding BATCHES batches of RECORDS_PER_BATCH records. */
async function filledTopic(topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { 'segment.bytes': 1000 } }] })
  const producer = faecie.producer({ lingerMs: 0 })
  try {
    for (let b = 0; b < BATCHES; b++) {
      await producer.send({ topic, messages: Array.from({ length: RECORDS_PER_BATCH }, (_, r) => ({ partition: 0, value: `v${b * RECORDS_PER_BATCH + r}` })) })
    }
  } finally {
    await producer.disconnect()
  }
}

function segmentBases(topic: string): number[] {
  return readdirSync(join(broker.dataDir, `${topic}-0`)).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))).sort((a, b) => a - b)
}

/** The first message a consumer without a group reads from the earliest offset. */
async function firstFromEarliest(topic: string): Promise<ConsumedMessage> {
  const reader = faecie.consumer({ autoOffsetReset: 'earliest' })
  reader.assign([{ topic, partition: 0, offset: 0 }])
  try {
    for await (const message of reader.stream()) return message
    throw new Error('the stream ended')
  } finally {
    await reader.disconnect()
  }
}

async function fetchError(topic: string, offset: number): Promise<number | undefined> {
  const client = await RawClient.connect(broker.url)
  try {
    return firstPartition(await client.request('fetch', fetchFrame(topic, 0, offset))).error?.code
  } finally {
    await client.close()
  }
}

describe('deleteRecords', () => {
  it('moves the log start through admin.deleteRecords, deleting the segments below it, and keeps it across a restart', async () => {
    const topic = 'trimmed'
    await filledTopic(topic)
    const before = segmentBases(topic)
    expect(before.length).toBeGreaterThanOrEqual(4)
    // Inside the third segment (closed, of several batches), and inside a batch.
    const target = before[2]! + RECORDS_PER_BATCH + 1
    expect(target).toBeLessThan(before[3]!)
    expect(await admin.deleteRecords({ topic, partitions: [{ partition: 0, offset: target }] })).toEqual([{ partition: 0, lowWatermark: target }])
    expect(segmentBases(topic)).toEqual(before.slice(2))
    expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: target, high: BATCHES * RECORDS_PER_BATCH })
    expect(await fetchError(topic, target - 1)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(await fetchError(topic, 0)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    const first = await firstFromEarliest(topic)
    expect([first.offset, new TextDecoder().decode(first.value!)]).toEqual([target, `v${target}`])

    const end = BATCHES * RECORDS_PER_BATCH
    await expect(admin.deleteRecords({ topic, partitions: [{ partition: 0, offset: end + 1 }] }))
      .rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE })
    await expect(admin.deleteRecords({ topic, partitions: [{ partition: 1, offset: 0 }] }))
      .rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })

    await broker.restart()
    expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: target, high: end })
    expect(await fetchError(topic, target - 1)).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(await fetchError(topic, target)).toBeUndefined()
  })

  it('is refused on a compacted topic with POLICY_VIOLATION, and on internal topics with INVALID_TOPIC_EXCEPTION', async () => {
    await admin.createTopics({ topics: [{ topic: 'compacted', numPartitions: 1, config: { 'cleanup.policy': 'compact' } }] })
    await expect(admin.deleteRecords({ topic: 'compacted', partitions: [{ partition: 0, offset: -1 }] }))
      .rejects.toMatchObject({ code: ErrorCode.POLICY_VIOLATION })
    await expect(admin.deleteRecords({ topic: '__consumer_offsets', partitions: [{ partition: 0, offset: -1 }] }))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_TOPIC_EXCEPTION })
  })

  it('faecie topics delete-records takes flags (-1: the high watermark) or a kafka-delete-records JSON file', async () => {
    const env = { FAECIE_BROKER: broker.url }
    await filledTopic('cli-trimmed')
    const byFlags = await runCli(['topics', 'delete-records', '--topic', 'cli-trimmed', '--partition', '0', '--offset', '10'], { env })
    expect(byFlags.code, byFlags.stderr).toBe(0)
    expect(byFlags.stdout.trim()).toBe('partition: cli-trimmed-0\tlow_watermark: 10')

    const file = writeTempFile('delete-records', 'offsets.json', { partitions: [{ topic: 'cli-trimmed', partition: 0, offset: -1 }], version: 1 })
    try {
      const byFile = await runCli(['topics', 'delete-records', '--offset-json-file', file], { env })
      expect(byFile.code, byFile.stderr).toBe(0)
      expect(byFile.stdout.trim()).toBe(`partition: cli-trimmed-0\tlow_watermark: ${BATCHES * RECORDS_PER_BATCH}`)
    } finally {
      removeTempDir(dirname(file))
    }
    expect((await admin.fetchTopicOffsets('cli-trimmed'))[0]).toMatchObject({ low: BATCHES * RECORDS_PER_BATCH })

    const past = await runCli(['topics', 'delete-records', '--topic', 'cli-trimmed', '--partition', '0', '--offset', '1000'], { env })
    expect(past.code).toBe(1)
    expect(past.stderr).toContain('OFFSET_OUT_OF_RANGE')
    const bad = await runCli(['topics', 'delete-records', '--topic', 'cli-trimmed', '--partition', '0'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--offset is required')
  })
})
