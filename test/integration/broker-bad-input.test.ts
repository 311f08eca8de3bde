// Bad input, one kind at a time, against one broker with small limits: each gets a clear answer (an
// error frame with a code, a close with a 4xxx code and a reason, or HTTP 403), and after each the
// broker still serves a fresh client and every acknowledged record is still there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchField, ErrorCode, encodeFrame } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll } from '../support/broker-raw-client.js'
import { writeTempFile } from '../support/temp-dir.js'

const LIMITS = { frameBytesMax: 64 * 1024, batchBytesMax: 32 * 1024, inFlightMax: 4, sessionsMax: 40, maxWaitMsMax: 1500 }
const ALLOWED = 'http://allowed.example:3000'

let broker: BrokerProcess
const acked: string[] = []
let round = 0

beforeAll(async () => {
  const config = writeTempFile('config', 'broker.json', { limits: LIMITS })
  broker = await startBrokerProcess({ args: ['--config', config, '--allowed-origins', ALLOWED] })
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'safe' }, { topic: 'target' }] })
  await client.close()
  await stillServes()
})

afterAll(async () => {
  await broker?.stop()
  expect(broker.exitCode).toBe(0)
})

/** A fresh client produces one more batch and reads back every acknowledged record, in order. */
async function stillServes(): Promise<void> {
  const client = await RawClient.connect(broker.url)
  const tag = `safe${round++}`
  const answer = firstPartition(await client.request('produce', produceFrame('safe', 0, batchOf(tag, 2))))
  expect(answer.error).toBeUndefined()
  acked.push(`${tag}-0`, `${tag}-1`)
  expect((await readAll(client, 'safe', 0)).values).toEqual(acked)
  await client.close()
}

describe('frames the broker cannot read', () => {
  it('closes with 4000 on garbage bytes', async () => {
    const client = await RawClient.connect(broker.url)
    client.sendRaw(new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37]))
    const closed = await client.closed
    expect(closed.code).toBe(4000)
    expect(closed.reason).toMatch(/undecodable|frame/i)
    await stillServes()
  })

  it('closes with 4000 on a text frame', async () => {
    const client = await RawClient.connect(broker.url)
    client.sendRaw('{"id":1,"op":"metadata"}')
    const closed = await client.closed
    expect(closed.code).toBe(4000)
    expect(closed.reason).toMatch(/text/)
    await stillServes()
  })

  it('closes with 4001 on a frame over frameBytesMax', async () => {
    const client = await RawClient.connect(broker.url)
    client.sendRaw(encodeFrame({ id: 7, op: 'produce', acks: 1, topics: [{ topic: 'safe', partitions: [{ partition: 0, records: new Uint8Array(LIMITS.frameBytesMax + 1) }] }] }))
    const closed = await client.closed
    expect(closed.code).toBe(4001)
    expect(closed.reason).toContain('frameBytesMax')
    await stillServes()
  })

  it('closes with 4000 on a frame without an id, answers one without an op', async () => {
    const noId = await RawClient.connect(broker.url)
    noId.sendRaw(encodeFrame({ op: 'metadata' }))
    expect((await noId.closed).code).toBe(4000)
    const noOp = await RawClient.connect(broker.url)
    const answer = await noOp.requestWithId(5, undefined as unknown as string, {})
    expect(answer.error.code).toBe(ErrorCode.INVALID_REQUEST)
    await noOp.close()
    await stillServes()
  })

  it('answers an unknown op with UNKNOWN_OP, and the session goes on', async () => {
    const client = await RawClient.connect(broker.url)
    const answer = await client.request('launchRockets', { count: 3 })
    expect(answer.error).toMatchObject({ code: ErrorCode.UNKNOWN_OP, name: 'UNKNOWN_OP', retriable: false })
    expect((await client.request('metadata', {})).error).toBeUndefined()
    await client.close()
    await stillServes()
  })
})

describe('produce input', () => {
  it('refuses a batch with a wrong CRC whole (CORRUPT_MESSAGE), writing nothing', async () => {
    const client = await RawClient.connect(broker.url)
    const bad = batchOf('bad', 3)
    bad[bad.length - 1] ^= 0xff
    const good = batchOf('good', 1)
    const both = new Uint8Array(good.length + bad.length)
    both.set(good, 0)
    both.set(bad, good.length)
    for (const records of [bad, both, bad.subarray(0, BatchField.records + 2), new Uint8Array(10)]) {
      const answer = firstPartition(await client.request('produce', produceFrame('target', 0, records)))
      expect(answer.error.code).toBe(ErrorCode.CORRUPT_MESSAGE)
    }
    const fetched = firstPartition(await client.request('fetch', fetchFrame('target', 0, 0)))
    expect(fetched.highWatermark).toBe(0)
    await client.close()
    await stillServes()
  })

  it('answers a produce to a missing topic with UNKNOWN_TOPIC_OR_PARTITION and creates nothing', async () => {
    const client = await RawClient.connect(broker.url)
    const answer = firstPartition(await client.request('produce', produceFrame('ghost', 0, batchOf('g'))))
    expect(answer.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect((await client.request('metadata', { topics: ['ghost'] })).topics[0].error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    await client.close()
    await stillServes()
  })

  it('answers records over batchBytesMax with MESSAGE_TOO_LARGE', async () => {
    const client = await RawClient.connect(broker.url)
    const big = batchOf('x'.repeat(LIMITS.batchBytesMax), 1)
    expect(big.length).toBeGreaterThan(LIMITS.batchBytesMax)
    expect(big.length).toBeLessThan(LIMITS.frameBytesMax)
    const answer = firstPartition(await client.request('produce', produceFrame('target', 0, big)))
    expect(answer.error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    await client.close()
    await stillServes()
  })

  it('paces a flood of acks-0 produces past inFlightMax instead of refusing them', async () => {
    const client = await RawClient.connect(broker.url)
    for (let i = 0; i < 200; i++) client.fireAndForget('produce', produceFrame('target', 0, batchOf(`flood${i}`, 1), 0))
    const after = firstPartition(await client.request('produce', produceFrame('target', 0, batchOf('after-flood', 1))))
    expect(after.error).toBeUndefined()
    expect(after.baseOffset).toBe(200)
    const { values } = await readAll(client, 'target', 0)
    expect(values).toEqual([...Array.from({ length: 200 }, (_, i) => `flood${i}-0`), 'after-flood-0'])
    expect(client.stray).toEqual([])
    await client.close()
    await stillServes()
  })

  it('closes the session when a produce with acks 0 fails', async () => {
    const client = await RawClient.connect(broker.url)
    client.fireAndForget('produce', produceFrame('ghost', 0, batchOf('quiet'), 0))
    const closed = await client.closed
    expect(closed.code).toBe(4000)
    expect(closed.reason).toContain('UNKNOWN_TOPIC_OR_PARTITION')
    await stillServes()
  })
})

describe('sessions and origins', () => {
  it('refuses a disallowed Origin with HTTP 403, and accepts allowed, own and absent ones', async () => {
    await expect(RawClient.connect(broker.url, { origin: 'http://evil.example' })).rejects.toThrow(/403/)
    const res = await fetch(`http://127.0.0.1:${broker.port}/v1/ws`, { method: 'POST', headers: { origin: 'http://evil.example' } })
    expect(res.status).toBe(403)
    for (const origin of [ALLOWED, `http://127.0.0.1:${broker.port}`, `http://localhost:${broker.port}`, undefined]) {
      const client = await RawClient.connect(broker.url, origin === undefined ? {} : { origin })
      expect((await client.request('metadata', {})).error).toBeUndefined()
      await client.close()
    }
    await stillServes()
  })

  it('answers past inFlightMax with TOO_MANY_IN_FLIGHT and caps maxWaitMs at maxWaitMsMax', async () => {
    const client = await RawClient.connect(broker.url)
    // Long polls on an empty topic stay in flight until maxWaitMsMax: nothing can answer them early.
    // They ask for ten minutes, past the test's own timeout: answered at all, they were capped.
    await client.request('createTopics', { topics: [{ topic: 'idle-polls' }] })
    const polls = Array.from({ length: LIMITS.inFlightMax }, () =>
      client.request('fetch', fetchFrame('idle-polls', 0, 0, { maxWaitMs: 600_000, minBytes: 1 })))
    const over = await client.request('metadata', {})
    expect(over.error.code).toBe(ErrorCode.TOO_MANY_IN_FLIGHT)
    expect(over.error.retriable).toBe(true)
    for (const answer of await Promise.all(polls)) {
      expect(firstPartition(answer).error).toBeUndefined()
      expect(firstPartition(answer).records.length).toBe(0)
    }
    expect((await client.request('metadata', {})).error).toBeUndefined()
    await client.close()
    await stillServes()
  })

  it('closes sessions past sessionsMax with 4002', async () => {
    const clients = await Promise.all(Array.from({ length: LIMITS.sessionsMax }, () => RawClient.connect(broker.url, { hello: false })))
    const extra = await RawClient.connect(broker.url, { hello: false })
    const closed = await extra.closed
    expect(closed.code).toBe(4002)
    expect(closed.reason).toContain('sessionsMax')
    await Promise.all(clients.map((c) => c.close()))
    await stillServes()
  })

  it('health reports the broker up', async () => {
    const res = await fetch(`http://127.0.0.1:${broker.port}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', brokerId: 0 })
  })
})
