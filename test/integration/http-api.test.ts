// The HTTP JSON API against a real broker process over real sockets: topics (create, list, describe,
// delete), produce and read back in every encoding with headers and keys (a key lands where
// @faecie/client's partitioner puts it), a long poll woken by a produce, groups with lag (as the
// admin client computes it), errors as 4xx with the protocol code (bad topic name, unknown topic,
// bad JSON, too many records, a body over the limit, an offset out of range), 403 for POST and
// DELETE from a disallowed Origin, and the OpenAPI document served by the broker.
import { get } from 'node:http'
import { connect } from 'node:net'
import { ErrorCode, partitionForKey } from '@faecie/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'

let broker: BrokerProcess
let base: string
let faecie: Faecie
let admin: Admin

beforeAll(async () => {
  broker = await startBrokerProcess()
  base = `http://127.0.0.1:${broker.port}`
  faecie = new Faecie({ brokers: [broker.url], clientId: 'http-api-test' })
  admin = faecie.admin()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const response = await fetch(`${base}${path}`, init)
  const text = await response.text()
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) }
}

/**
 * A POST whose Content-Length says `bytes` but whose body is never sent: the broker must refuse it
 * from the header, before reading. (Sending the whole body races the broker's early answer, which
 * closes the connection: the client sees EPIPE instead of the 413.)
 */
function postDeclaringLength(path: string, bytes: number): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n{"records": [`)
    })
    let text = ''
    socket.setEncoding('utf8').on('data', (d: string) => {
      text += d
      const head = text.indexOf('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(text)
      if (head < 0 || length === null || text.length < head + 4 + Number(length[1])) return
      socket.destroy()
      resolve({ status: Number(text.slice(9, 12)), json: JSON.parse(text.slice(head + 4, head + 4 + Number(length[1]))) })
    })
    socket.on('error', reject)
  })
}

function expectError(r: { status: number; json: any }, status: number, code: number): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status)
  expect(r.json.error).toMatchObject({ code })
  expect(typeof r.json.error.name).toBe('string')
  expect(typeof r.json.error.message).toBe('string')
  expect(typeof r.json.error.retriable).toBe('boolean')
}

describe('topics', () => {
  it('creates, lists, describes and deletes a topic', async () => {
    const created = await call('POST', '/v1/topics', { name: 'h-topics', partitions: 3, config: { 'retention.ms': 3_600_000 } })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: 'h-topics', partitions: 3 })
    expect(created.json.topicId).toMatch(/^[0-9a-f-]{36}$/)

    const list = await call('GET', '/v1/topics')
    expect(list.json.topics).toContainEqual({ name: 'h-topics', topicId: created.json.topicId, partitions: 3 })

    const described = await call('GET', '/v1/topics/h-topics')
    expect(described.status).toBe(200)
    expect(described.json.config['retention.ms']).toBe('3600000')
    expect(described.json.partitions).toHaveLength(3)
    expect(described.json.partitions[0]).toEqual({ partition: 0, logStartOffset: 0, highWatermark: 0, logEndOffset: 0, sizeBytes: 0 })

    expectError(await call('POST', '/v1/topics', { name: 'h-topics' }), 409, ErrorCode.TOPIC_ALREADY_EXISTS)
    const deleted = await call('DELETE', '/v1/topics/h-topics')
    expect(deleted).toEqual({ status: 200, json: { name: 'h-topics', deleted: true } })
    expect(await admin.listTopics()).not.toContain('h-topics')
    expectError(await call('GET', '/v1/topics/h-topics'), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expectError(await call('DELETE', '/v1/topics/h-topics'), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('answers bad input with 4xx and the protocol code', async () => {
    expectError(await call('POST', '/v1/topics', { name: 'bad name!' }), 400, ErrorCode.INVALID_TOPIC_EXCEPTION)
    expectError(await call('POST', '/v1/topics', { name: 'h-parts', partitions: 0 }), 400, ErrorCode.INVALID_PARTITIONS)
    expectError(await call('POST', '/v1/topics', { name: 'h-config', config: { 'retention.ms': 'soon' } }), 400, ErrorCode.INVALID_CONFIG)
    expectError(await call('POST', '/v1/topics', '{"name": "h-json",'), 400, ErrorCode.INVALID_REQUEST)
    expectError(await call('GET', '/v1/topics/h-none'), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expectError(await call('POST', '/v1/topics/h-none/records', { records: [{ value: 'x' }] }), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expectError(await call('GET', '/v1/topics/h-none/partitions/0/records'), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })
})

describe('records', () => {
  it('produces and reads back strings, JSON, base64, headers and keys', async () => {
    await call('POST', '/v1/topics', { name: 'h-rt', partitions: 1 })
    const strings = await call('POST', '/v1/topics/h-rt/records', {
      records: [
        { key: 'k1', value: 'plain text ünïcode', headers: { trace: 'abc' } },
        { value: null, key: 'k1', headers: [{ key: 'h', value: null }, { key: 'h', value: 'two' }] },
      ],
    })
    expect(strings.status).toBe(200)
    expect(strings.json.records).toEqual([{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }])
    const json = await call('POST', '/v1/topics/h-rt/records', {
      valueEncoding: 'json', keyEncoding: 'json', records: [{ key: { id: 7 }, value: { n: 1, list: [true, null] }, timestamp: 1_700_000_000_000 }],
    })
    expect(json.json.records).toEqual([{ partition: 0, offset: 2 }])
    const bytes = Uint8Array.from([0, 1, 2, 250, 255])
    const b64 = await call('POST', '/v1/topics/h-rt/records', {
      valueEncoding: 'base64', records: [{ value: Buffer.from(bytes).toString('base64') }],
    })
    expect(b64.json.records).toEqual([{ partition: 0, offset: 3 }])

    const asString = await call('GET', '/v1/topics/h-rt/partitions/0/records?offset=0&maxRecords=2')
    expect(asString.status).toBe(200)
    expect(asString.json).toMatchObject({ topic: 'h-rt', partition: 0, nextOffset: 2, highWatermark: 4, logStartOffset: 0 })
    expect(asString.json.records).toMatchObject([
      { offset: 0, key: 'k1', value: 'plain text ünïcode', headers: [{ key: 'trace', value: 'abc' }] },
      { offset: 1, key: 'k1', value: null, headers: [{ key: 'h', value: null }, { key: 'h', value: 'two' }] },
    ])
    const asJson = await call('GET', '/v1/topics/h-rt/partitions/0/records?offset=2&maxRecords=1&encoding=json')
    expect(asJson.json.records).toEqual([{ partition: 0, offset: 2, timestamp: 1_700_000_000_000, key: { id: 7 }, value: { n: 1, list: [true, null] }, headers: [] }])
    expect(asJson.json.nextOffset).toBe(3)
    const asBase64 = await call('GET', '/v1/topics/h-rt/partitions/0/records?offset=3&valueEncoding=base64')
    expect(Buffer.from(asBase64.json.records[0].value, 'base64')).toEqual(Buffer.from(bytes))
    // Bytes that are not JSON, read as JSON, come back as base64 and say so.
    const fallback = await call('GET', '/v1/topics/h-rt/partitions/0/records?offset=3&encoding=json')
    expect(fallback.json.records[0]).toMatchObject({ valueEncoding: 'base64', value: Buffer.from(bytes).toString('base64') })
    const latest = await call('GET', '/v1/topics/h-rt/partitions/0/records?offset=latest')
    expect(latest.json).toMatchObject({ records: [], nextOffset: 4 })

    // The records the HTTP API wrote are ordinary records to the WebSocket client.
    const reader = faecie.consumer({ autoOffsetReset: 'earliest' })
    reader.assign([{ topic: 'h-rt', partition: 0, offset: 0 }])
    const seen: string[] = []
    for await (const m of reader.stream()) {
      seen.push(m.value === null ? 'null' : Buffer.from(m.value).toString('utf8'))
      if (seen.length === 3) break
    }
    await reader.disconnect()
    expect(seen).toEqual(['plain text ünïcode', 'null', '{"n":1,"list":[true,null]}'])
  })

  it('puts a keyed record where the client partitioner does, and honours an explicit partition', async () => {
    await call('POST', '/v1/topics', { name: 'h-keys', partitions: 5 })
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`)
    const r = await call('POST', '/v1/topics/h-keys/records', { records: keys.map((key) => ({ key, value: key })) })
    expect(r.json.records.map((x: { partition: number }) => x.partition)).toEqual(keys.map((k) => partitionForKey(k, 5)))
    const producer = faecie.producer({ lingerMs: 1 })
    const viaClient = await producer.send({ topic: 'h-keys', messages: [{ key: 'key-3', value: 'c' }] })
    await producer.disconnect()
    expect(viaClient[0]!.partition).toBe(r.json.records[3].partition)
    const explicit = await call('POST', '/v1/topics/h-keys/records', { records: [{ key: 'key-3', value: 'x', partition: 4 }] })
    expect(explicit.json.records[0].partition).toBe(4)
    expectError(await call('POST', '/v1/topics/h-keys/records', { records: [{ value: 'x', partition: 5 }] }), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    // Keyless records of one request stay together on one partition (sticky).
    const keyless = await call('POST', '/v1/topics/h-keys/records', { records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) })
    expect(new Set(keyless.json.records.map((x: { partition: number }) => x.partition)).size).toBe(1)
  })

  it('refuses too many records, a body over the limit, bad encodings and an offset out of range', async () => {
    await call('POST', '/v1/topics', { name: 'h-limits', partitions: 1 })
    const many = { records: Array.from({ length: 10_001 }, () => ({ value: '' })) }
    const tooMany = await call('POST', '/v1/topics/h-limits/records', many)
    expectError(tooMany, 400, ErrorCode.INVALID_REQUEST)
    expect(tooMany.json.error.message).toMatch(/produceRecordsMax/)
    expectError(await postDeclaringLength('/v1/topics/h-limits/records', 9 * 1024 * 1024), 413, ErrorCode.MESSAGE_TOO_LARGE)
    // Under the body limit but over the broker's batchBytesMax (4 MiB): the produce op refuses it.
    const batch = await call('POST', '/v1/topics/h-limits/records', { records: [{ value: 'x'.repeat(5 * 1024 * 1024) }] })
    expectError(batch, 413, ErrorCode.MESSAGE_TOO_LARGE)
    expectError(await call('POST', '/v1/topics/h-limits/records', { records: [{ value: { a: 1 } }] }), 400, ErrorCode.INVALID_REQUEST)
    expectError(await call('POST', '/v1/topics/h-limits/records', { valueEncoding: 'base64', records: [{ value: 'not base64!' }] }), 400, ErrorCode.INVALID_REQUEST)
    expectError(await call('GET', '/v1/topics/h-limits/partitions/0/records?offset=5'), 416, ErrorCode.OFFSET_OUT_OF_RANGE)
    expectError(await call('GET', '/v1/topics/h-limits/partitions/9/records'), 404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('answers acks 0 with 202 before the append, and the record is there to read', async () => {
    await call('POST', '/v1/topics', { name: 'h-acks0', partitions: 1 })
    const r = await call('POST', '/v1/topics/h-acks0/records', { acks: 0, records: [{ value: 'fire and forget' }] })
    expect(r).toEqual({ status: 202, json: { topic: 'h-acks0', records: [{ partition: 0, offset: -1 }] } })
    const read = await call('GET', '/v1/topics/h-acks0/partitions/0/records?offset=0&maxWaitMs=30000')
    expect(read.json.records).toMatchObject([{ offset: 0, value: 'fire and forget' }])
    const all = await call('POST', '/v1/topics/h-acks0/records', { acks: 'all', records: [{ value: 'durable' }] })
    expect(all.json.records).toEqual([{ partition: 0, offset: 1 }])
  })

  it('long polls until a record arrives', async () => {
    await call('POST', '/v1/topics', { name: 'h-poll', partitions: 1 })
    // maxWaitMs far above the test's own wait for the produce: an answer with the record means the
    // produce woke the poll (a timed-out poll would answer with no records).
    let flushed!: () => void
    const requestSent = new Promise<void>((resolve) => (flushed = resolve))
    let answered = false
    const poll = new Promise<{ json: any }>((resolve, reject) => {
      const request = get(`${base}/v1/topics/h-poll/partitions/0/records?offset=0&maxWaitMs=30000`, (response) => {
        let text = ''
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ json: JSON.parse(text) }))
      })
      request.on('error', reject).on('finish', flushed)
    })
    void poll.then(() => { answered = true })
    // No sleep: the request is in the broker's socket, and a request the broker answers after that
    // (a round trip through the partition's thread) has let it be read and start waiting.
    await requestSent
    expect((await admin.fetchTopicOffsets('h-poll')).map((p) => p.high)).toEqual([0])
    expect(answered).toBe(false)
    await call('POST', '/v1/topics/h-poll/records', { records: [{ value: 'wake up' }] })
    const r = await poll
    expect(r.json.records).toMatchObject([{ offset: 0, value: 'wake up' }])
    expect(r.json.nextOffset).toBe(1)
  })
})

describe('groups', () => {
  it('lists groups and describes one with its lag, as the admin client computes it', async () => {
    await call('POST', '/v1/topics', { name: 'h-lag', partitions: 2 })
    await call('POST', '/v1/topics/h-lag/records', { records: Array.from({ length: 6 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) })
    await admin.alterGroupOffsets({ groupId: 'h-group', topics: [{ topic: 'h-lag', partitions: [{ partition: 0, offset: 1 }] }] })
    const list = await call('GET', '/v1/groups')
    expect(list.json.groups.map((g: { groupId: string }) => g.groupId)).toContain('h-group')
    const described = await call('GET', '/v1/groups/h-group')
    expect(described.status).toBe(200)
    expect(described.json).toMatchObject({ groupId: 'h-group', state: 'Empty', members: [], totalLag: 2 })
    expect(described.json.partitions).toEqual([
      { topic: 'h-lag', partition: 0, committed: 1, end: 3, lag: 2 },
      { topic: 'h-lag', partition: 1, committed: -1, end: 3, lag: null },
    ])
    const lag = await admin.fetchGroupLag({ groupId: 'h-group' })
    expect(lag.totalLag).toBe(described.json.totalLag)
    expectError(await call('GET', '/v1/groups/h-no-such-group'), 404, ErrorCode.GROUP_ID_NOT_FOUND)
  })
})

describe('origins and the OpenAPI document', () => {
  it('refuses POST and DELETE from a disallowed Origin with 403, and lets GET and the own origin through', async () => {
    const evil = { origin: 'http://evil.example' }
    expectError(await call('POST', '/v1/topics', { name: 'h-evil' }, evil), 403, ErrorCode.ORIGIN_NOT_ALLOWED)
    expectError(await call('POST', '/v1/topics/h-rt/records', { records: [{ value: 'x' }] }, evil), 403, ErrorCode.ORIGIN_NOT_ALLOWED)
    expectError(await call('DELETE', '/v1/topics/h-rt', undefined, evil), 403, ErrorCode.ORIGIN_NOT_ALLOWED)
    expect(await admin.listTopics()).not.toContain('h-evil')
    expect((await call('GET', '/v1/topics', undefined, evil)).status).toBe(200)
    const own = await call('POST', '/v1/topics', { name: 'h-own' }, { origin: `http://127.0.0.1:${broker.port}` })
    expect(own.status).toBe(201)
  })

  it('gives CORS headers to allowed origins only, and answers their preflight', async () => {
    const own = `http://127.0.0.1:${broker.port}`
    const allowed = await fetch(`${base}/v1/topics`, { headers: { origin: own } })
    expect([allowed.status, allowed.headers.get('access-control-allow-origin'), allowed.headers.get('vary')]).toEqual([200, own, 'Origin'])
    const other = await fetch(`${base}/v1/topics`, { headers: { origin: 'http://evil.example' } })
    expect([other.status, other.headers.get('access-control-allow-origin')]).toEqual([200, null])
    const preflight = await fetch(`${base}/v1/topics`, { method: 'OPTIONS',
      headers: { origin: own, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Content-Type')
    const refused = await fetch(`${base}/v1/topics`, { method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } })
    expect(refused.headers.get('access-control-allow-methods')).toBeNull()
  })

  it('serves the OpenAPI document', async () => {
    const r = await call('GET', '/openapi.json')
    expect(r.status).toBe(200)
    expect(r.json.openapi).toBe('3.1.0')
    expect(Object.keys(r.json.paths)).toContain('/v1/topics/{topic}/records')
  })
})
