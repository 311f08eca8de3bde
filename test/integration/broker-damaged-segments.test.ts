// Damaged segments in a real broker (issue 11): files deleted, cut short or with a flipped byte while
// the broker was down are never served as a gap. The partition opens, serves what is intact, answers
// a fetch that would cross the damage with the non-retriable LOG_DAMAGED naming the segment and the
// offsets lost, and /health and /metrics show it; a bad batch followed by synced batches is not taken
// for a torn tail after kill -9. A deleted first segment is damage too (the log start offset is
// checkpointed), and the client's consumers, reading into damage, get every record before it and then
// LOG_DAMAGED, in both reading modes, without retrying or stepping over it.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { Faecie, type Consumer, type ConsumerMode } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { batchOf, fetchFrame, firstPartition, offsetsOf, produceFrame, RawClient } from '../support/broker-raw-client.js'

let broker: BrokerProcess
let faecie: Faecie

beforeAll(async () => {
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'damaged-segments' })
})

afterAll(async () => {
  await broker?.stop()
})

const RECORDS_PER_BATCH = 4

/** Creates `topic` and produces `batches` batches to partition 0; returns the log end. */
async function fill(topic: string, batches: number, config: Record<string, string> = {}): Promise<number> {
  const client = await RawClient.connect(broker.url)
  try {
    const created = await client.request('createTopics', { topics: [{ topic, numPartitions: 1, config }] })
    expect(created.topics[0].error).toBeUndefined()
    let end = 0
    for (let i = 0; i < batches; i++) {
      const p = firstPartition(await client.request('produce', produceFrame(topic, 0, batchOf(`${topic}-b${i}`, RECORDS_PER_BATCH))))
      expect(p.error).toBeUndefined()
      end = p.baseOffset + RECORDS_PER_BATCH
    }
    return end
  } finally {
    await client.close()
  }
}

function segmentFiles(topic: string): string[] {
  return readdirSync(join(broker.dataDir, `${topic}-0`)).filter((n) => n.endsWith('.log')).sort()
}

async function fetchAt(client: RawClient, topic: string, offset: number) {
  return firstPartition(await client.request('fetch', fetchFrame(topic, 0, offset)))
}

async function health(): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await fetch(`http://127.0.0.1:${broker.port}/health`)).json()
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${broker.port}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? NaN : Number(line.split(' ')[1])
}

describe('damaged segments after a stop', () => {
  it('answers LOG_DAMAGED for a deleted closed segment, serves the segments around it, and shows it in /health and /metrics', async () => {
    const end = await fill('holed', 40, { 'segment.bytes': '1000' })
    await broker.stop()
    const files = segmentFiles('holed')
    expect(files.length).toBeGreaterThan(4)
    const firstLost = Number(files[2]!.slice(0, 20))
    const resume = Number(files[3]!.slice(0, 20))
    rmSync(join(broker.dataDir, 'holed-0', files[2]!))
    await broker.restart()
    const client = await RawClient.connect(broker.url)
    try {
      const before = await fetchAt(client, 'holed', 0)
      expect(before.error).toBeUndefined()
      expect(before.highWatermark).toBe(end)
      const lost = await fetchAt(client, 'holed', firstLost)
      expect(lost.error).toMatchObject({ code: ErrorCode.LOG_DAMAGED, name: 'LOG_DAMAGED', retriable: false })
      expect(lost.error.message).toContain(`offsets ${firstLost}..${resume - 1}`)
      const after = await fetchAt(client, 'holed', resume)
      expect(after.error).toBeUndefined()
      expect(offsetsOf(after.records)[0]).toBe(resume)
      // Reading on from before the hole stops at it, never skips it.
      let next = 0
      for (;;) {
        const p = await fetchAt(client, 'holed', next)
        if (p.error !== undefined) break
        next = offsetsOf(p.records).at(-1)! + 1
      }
      expect(next).toBe(firstLost)
    } finally {
      await client.close()
    }
    const h = await health()
    expect(h.status).toBe('degraded')
    expect(h.logDirs[0].status).toBe('damaged')
    expect(h.logDirs[0].damagedPartitions).toMatchObject([{ partition: 'holed-0', offsetsLost: resume - firstLost }])
    expect(await metric('faecie_partitions_damaged')).toBeGreaterThanOrEqual(1)
    // The broker's stdout is read as it comes: the line may still be in the pipe when the answers are in.
    await waitFor('the error log line "partition log is damaged"', () => broker.logs().some((l) => l.includes('"level":50') && l.includes('partition log is damaged')))
  })

  it('opens a partition whose segments were all deleted at its old end, damaged, not empty at 0', async () => {
    const end = await fill('emptied', 10)
    await broker.stop()
    const dir = join(broker.dataDir, 'emptied-0')
    for (const name of readdirSync(dir)) if (/\.(log|index|timeindex)$/.test(name)) rmSync(join(dir, name))
    await broker.restart()
    const client = await RawClient.connect(broker.url)
    try {
      const lost = await fetchAt(client, 'emptied', 0)
      expect(lost.error).toMatchObject({ code: ErrorCode.LOG_DAMAGED })
      expect(lost.error.message).toContain(`offsets 0..${end - 1}`)
      const p = firstPartition(await client.request('produce', produceFrame('emptied', 0, batchOf('after', 1))))
      expect(p.baseOffset).toBe(end)
    } finally {
      await client.close()
    }
  })
})

describe('the background check of closed segments', () => {
  it('finds a flipped byte in a closed segment after a clean restart, and then answers LOG_DAMAGED for its batch', async () => {
    const end = await fill('rotten', 40, { 'segment.bytes': '1000' })
    await broker.stop()
    const files = segmentFiles('rotten')
    const file = join(broker.dataDir, 'rotten-0', files[1]!)
    const bytes = readFileSync(file)
    const size = bytes.readInt32BE(8) + 12
    const badBase = Number(bytes.readBigInt64BE(size))
    bytes[size + 70]! ^= 0xff // the second batch's records
    writeFileSync(file, bytes)
    await broker.restart()
    const client = await RawClient.connect(broker.url)
    try {
      const lost = await waitFor('the background check to find the flipped byte', async () => {
        const p = await fetchAt(client, 'rotten', badBase)
        return p.error?.code === ErrorCode.LOG_DAMAGED ? p.error : undefined
      })
      expect(lost.message).toContain(files[1]!)
      const after = await fetchAt(client, 'rotten', badBase + RECORDS_PER_BATCH)
      expect(after.error).toBeUndefined()
      expect(after.highWatermark).toBe(end)
    } finally {
      await client.close()
    }
    await waitFor('the log line "closed segment failed verification"', () => broker.logs().some((l) => l.includes('closed segment failed verification')))
    // A clean restart: the partition opened (it was checked) without a recovery. Looked at last, when
    // its open has surely been logged.
    expect(broker.logs().some((l) => l.includes('partition log recovered'))).toBe(false)
  })
})

describe('recovery after kill -9', () => {
  it('keeps the synced batches that follow a flipped byte, answering LOG_DAMAGED only for the bad one', async () => {
    const end = await fill('flipped', 30)
    await broker.kill()
    const file = join(broker.dataDir, 'flipped-0', segmentFiles('flipped').at(-1)!)
    const bytes = readFileSync(file)
    // Batch 10's records (past its 61-byte header): its CRC fails, its header still says where it is.
    let pos = 0
    for (let i = 0; i < 10; i++) pos += bytes.readInt32BE(pos + 8) + 12
    const badBase = Number(bytes.readBigInt64BE(pos))
    bytes[pos + 70]! ^= 0xff
    writeFileSync(file, bytes)
    await broker.restart()
    const client = await RawClient.connect(broker.url)
    try {
      const lost = await fetchAt(client, 'flipped', badBase)
      expect(lost.error).toMatchObject({ code: ErrorCode.LOG_DAMAGED })
      expect(lost.error.message).toContain(`offsets ${badBase}..${badBase + RECORDS_PER_BATCH - 1}`)
      const after = await fetchAt(client, 'flipped', badBase + RECORDS_PER_BATCH)
      expect(after.error).toBeUndefined()
      expect(after.highWatermark).toBe(end)
      expect(offsetsOf(after.records).at(-1)).toBe(end - 1)
    } finally {
      await client.close()
    }
  })
})

/** The offsets a stream() gives until it throws, and what it threw. */
async function readUntilError(consumer: Consumer): Promise<{ offsets: number[]; error: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const offsets: number[] = []
  try {
    for await (const message of consumer.stream()) offsets.push(message.offset)
  } catch (error) {
    return { offsets, error }
  }
  return { offsets, error: undefined }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

/** Fills `topic` over several segments, stops the broker, deletes the `index`th segment and restarts. */
async function holedTopic(topic: string, index: number): Promise<{ end: number; firstLost: number; resume: number }> {
  const end = await fill(topic, 40, { 'segment.bytes': '1000' })
  await broker.stop()
  const files = segmentFiles(topic)
  expect(files.length).toBeGreaterThan(index + 1)
  rmSync(join(broker.dataDir, `${topic}-0`, files[index]!))
  await broker.restart()
  return { end, firstLost: index === 0 ? 0 : Number(files[index]!.slice(0, 20)), resume: Number(files[index + 1]!.slice(0, 20)) }
}

describe('a deleted first segment', () => {
  it('is LOG_DAMAGED from the old log start, so a consumer there is not reset past the lost records', async () => {
    const { resume } = await holedTopic('beheaded', 0)
    const client = await RawClient.connect(broker.url)
    try {
      const lost = await fetchAt(client, 'beheaded', 0)
      expect(lost.error).toMatchObject({ code: ErrorCode.LOG_DAMAGED, retriable: false })
      expect(lost.error.message).toContain(`offsets 0..${resume - 1}`)
      expect(lost.logStartOffset ?? 0).toBe(0)
    } finally {
      await client.close()
    }
    const consumer = faecie.consumer({ mode: 'fetch', maxWaitMs: 100, autoOffsetReset: 'earliest' })
    try {
      consumer.assign([{ topic: 'beheaded', partition: 0 }])
      const { offsets, error } = await readUntilError(consumer)
      expect(offsets).toEqual([])
      expect(error).toMatchObject({ code: ErrorCode.LOG_DAMAGED })
    } finally {
      await consumer.disconnect()
    }
  })
})

describe.each(['fetch', 'push'] as ConsumerMode[])('a consumer in %s mode reading into damage', (mode) => {
  it('stream() gives every record before it, then throws LOG_DAMAGED, and stays at the damage', async () => {
    const topic = `damaged-stream-${mode}`
    const { firstLost, resume } = await holedTopic(topic, 2)
    const consumer = faecie.consumer({ mode, maxWaitMs: 100 })
    try {
      consumer.assign([{ topic, partition: 0, offset: 0 }])
      const { offsets, error } = await readUntilError(consumer)
      expect(offsets).toEqual(range(0, firstLost))
      expect(error).toMatchObject({ code: ErrorCode.LOG_DAMAGED, retriable: false })
      expect(error.message).toContain(`offsets ${firstLost}..${resume - 1}`)
      expect(consumer.position({ topic, partition: 0 })).toBe(firstLost)
    } finally {
      await consumer.disconnect()
    }
  })

  it('run() handles every record before it, then stops and reports LOG_DAMAGED to crash listeners', async () => {
    const topic = `damaged-run-${mode}`
    const { firstLost } = await holedTopic(topic, 2)
    const consumer = faecie.consumer({ mode, maxWaitMs: 100 })
    const handled: number[] = []
    const crashes: any[] = [] // eslint-disable-line @typescript-eslint/no-explicit-any
    consumer.on('crash', (err) => crashes.push(err))
    try {
      consumer.assign([{ topic, partition: 0, offset: 0 }])
      await consumer.run({ eachMessage: async ({ message }) => { handled.push(message.offset) } })
      await waitFor('run() to crash on the damage', () => crashes.length > 0)
      expect(crashes).toMatchObject([{ code: ErrorCode.LOG_DAMAGED }])
      expect(handled).toEqual(range(0, firstLost))
    } finally {
      await consumer.disconnect()
    }
  })
})

describe('a group member reading into damage', () => {
  it('handles every record before it, reports LOG_DAMAGED to crash listeners, and commits no further than the damage', async () => {
    const topic = 'damaged-group'
    const groupId = `${topic}-group`
    const { firstLost } = await holedTopic(topic, 2)
    const member = faecie.consumer({ groupId, sessionTimeoutMs: 10_000, maxWaitMs: 100, autoOffsetReset: 'earliest' })
    const handled: number[] = []
    const crashes: any[] = [] // eslint-disable-line @typescript-eslint/no-explicit-any
    member.on('crash', (err) => crashes.push(err))
    const admin = faecie.admin()
    try {
      await member.subscribe({ topics: [topic] })
      await member.run({ eachMessage: async ({ message }) => { handled.push(message.offset) } })
      await waitFor('the member to crash on the damage', () => crashes.length > 0)
      expect(crashes).toMatchObject([{ code: ErrorCode.LOG_DAMAGED }])
      expect(handled).toEqual(range(0, firstLost))
      // A crashed member commits what it handled and leaves (group-consumer.ts).
      await waitFor('the crashed member to leave', async () => (await admin.describeGroups([groupId])).groups[0]?.members.length === 0)
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
      expect(offsets?.partitions[0]?.offset).toBe(firstLost)
    } finally {
      await member.disconnect()
      await admin.disconnect()
    }
  })
})
