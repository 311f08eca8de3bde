// The HTTP API at unit level, with fastify's inject: the OpenAPI document (complete for every route
// registered under /v1, valid OpenAPI 3.1), the error shape and status mapping, and the checks made
// before any op runs (bad JSON, bad parameters, too many records, bodies over the limit, refusal
// while draining). The gateway here has limits and a logger but no topics or partitions: a request
// that got past its checks would touch them and fail with 500, which these tests would see.
// Everything that needs a broker is in test/integration/http-*.test.ts.
import { ErrorCode } from '@faecie/protocol'
import { Validator } from '@seriousme/openapi-schema-validator'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from '../security/gateway-security.js'
import { httpStatusOf } from './errors.js'
import { decodeField, encodeField, encodeHeaders } from './record-codec.js'
import { registerHttpApi } from './http-api.js'
import { OPENAPI_DOCUMENT } from './openapi.js'

interface Route { method: string; url: string }

let app: FastifyInstance | undefined

async function build(options: { draining?: boolean; limits?: Parameters<typeof registerHttpApi>[2] } = {}): Promise<{ app: FastifyInstance; routes: Route[] }> {
  const routes: Route[] = []
  const gateway = { limits: DEFAULT_LIMITS, logger: silentLogger(), draining: options.draining ?? false, security: openGatewaySecurity(silentLogger()) } as unknown as Gateway
  app = Fastify()
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url })
  })
  await registerHttpApi(app, gateway, options.limits)
  await app.ready()
  return { app, routes }
}

afterEach(async () => {
  await app?.close()
  app = undefined
})

function postJson(a: FastifyInstance, url: string, body: unknown) {
  return a.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) })
}

describe('OpenAPI document', () => {
  it('describes every route registered under /v1, and nothing else', async () => {
    const { routes } = await build()
    const registered = routes.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
    expect(registered.length).toBeGreaterThanOrEqual(10)
    const documented = Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((k) => ['get', 'post', 'put', 'delete', 'patch'].includes(k)).map((m) => `${m.toUpperCase()} ${path}`))
    expect(documented.sort()).toEqual([...new Set(registered)].sort())
  })

  it('is valid OpenAPI 3.1 and is served at /openapi.json', async () => {
    const { app } = await build()
    const response = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(response.statusCode).toBe(200)
    const served = response.json()
    const result = await new Validator().validate(served)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(served.openapi).toBe('3.1.0')
    expect(() => new Validator().resolveRefs()).not.toThrow()
  })

  it('the validator refuses a broken document (the check can fail)', async () => {
    const broken = structuredClone(OPENAPI_DOCUMENT) as unknown as { paths: Record<string, Record<string, unknown>> }
    broken.paths['/v1/topics']!.get = { responses: 'none' }
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })
})

describe('errors', () => {
  it('maps protocol codes to HTTP statuses', () => {
    const status = (code: number, retriable = false): number => httpStatusOf({ code, name: '', message: '', retriable })
    expect(status(ErrorCode.INVALID_REQUEST)).toBe(400)
    expect(status(ErrorCode.INVALID_TOPIC_EXCEPTION)).toBe(400)
    expect(status(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, true)).toBe(404)
    expect(status(ErrorCode.GROUP_ID_NOT_FOUND)).toBe(404)
    expect(status(ErrorCode.TOPIC_ALREADY_EXISTS)).toBe(409)
    expect(status(ErrorCode.MESSAGE_TOO_LARGE)).toBe(413)
    expect(status(ErrorCode.OFFSET_OUT_OF_RANGE)).toBe(416)
    expect(status(ErrorCode.TOO_MANY_IN_FLIGHT, true)).toBe(429)
    expect(status(ErrorCode.SHUTTING_DOWN, true)).toBe(503)
    expect(status(ErrorCode.MAILBOX_FULL, true)).toBe(503)
    expect(status(ErrorCode.UNKNOWN_SERVER_ERROR)).toBe(500)
  })

  it('answers bad JSON, a non-JSON body and unknown endpoints with the protocol error shape', async () => {
    const { app } = await build()
    const badJson = await postJson(app, '/v1/topics', '{"name":')
    expect(badJson.statusCode).toBe(400)
    expect(badJson.json().error).toMatchObject({ code: ErrorCode.INVALID_REQUEST, name: 'INVALID_REQUEST', retriable: false })
    const text = await app.inject({ method: 'POST', url: '/v1/topics', headers: { 'content-type': 'application/xml' }, payload: '<x/>' })
    expect(text.statusCode).toBe(415)
    expect(text.json().error.code).toBe(ErrorCode.INVALID_REQUEST)
    const missing = await app.inject({ method: 'GET', url: '/v1/nothing/here' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.message).toMatch(/No such endpoint/)
  })
})

describe('checks before any op runs', () => {
  it('refuses a create-topic body the createTopics validator refuses', async () => {
    const { app } = await build()
    const r = await postJson(app, '/v1/topics', { name: 't', partitions: 'three' })
    expect(r.statusCode).toBe(400)
    expect(r.json().error.message).toMatch(/numPartitions/)
    const noName = await postJson(app, '/v1/topics', { partitions: 1 })
    expect(noName.statusCode).toBe(400)
    expect(noName.json().error.message).toMatch(/name/)
  })

  it('refuses produce bodies that are not records, too many records, and unknown encodings', async () => {
    const { app } = await build({ limits: { limits: { produceRecordsMax: 3 } } })
    const cases: Array<[unknown, RegExp]> = [
      [{}, /records/],
      [{ records: [] }, /records/],
      [{ records: [{ value: 1 }, { value: 2 }, { value: 3 }, { value: 4 }] }, /4 records; at most 3/],
      [{ records: [{ value: 'x' }], valueEncoding: 'hex' }, /valueEncoding/],
      [{ records: [{ value: 'x' }], acks: 2 }, /acks/],
      [[1, 2], /JSON object/],
    ]
    for (const [body, message] of cases) {
      const r = await postJson(app, '/v1/topics/t/records', body)
      expect(r.statusCode, JSON.stringify(body)).toBe(400)
      expect(r.json().error.message).toMatch(message)
    }
  })

  it('answers 413 for a produce body over produceBodyBytesMax', async () => {
    const { app } = await build({ limits: { limits: { produceBodyBytesMax: 1024 } } })
    const r = await postJson(app, '/v1/topics/t/records', { records: [{ value: 'x'.repeat(2000) }] })
    expect(r.statusCode).toBe(413)
    expect(r.json().error.name).toBe('MESSAGE_TOO_LARGE')
  })

  it('refuses bad read parameters', async () => {
    const { app } = await build()
    for (const url of [
      '/v1/topics/t/partitions/x/records',
      '/v1/topics/t/partitions/0/records?offset=-1',
      '/v1/topics/t/partitions/0/records?offset=soon',
      '/v1/topics/t/partitions/0/records?maxRecords=0',
      '/v1/topics/t/partitions/0/records?maxWaitMs=9999999',
      '/v1/topics/t/partitions/0/records?encoding=hex',
      '/v1/topics/t/partitions/0/tail?heartbeatMs=5',
    ]) {
      const r = await app.inject({ method: 'GET', url })
      expect(r.statusCode, url).toBe(400)
      expect(r.json().error.code, url).toBe(ErrorCode.INVALID_REQUEST)
    }
  })

  it('answers 413 for a create-topic body over smallBodyBytesMax', async () => {
    const { app } = await build({ limits: { limits: { smallBodyBytesMax: 100 } } })
    const r = await postJson(app, '/v1/topics', { name: 't', config: { 'x.y': 'z'.repeat(200) } })
    expect(r.statusCode).toBe(413)
  })

  it('answers 429 past requestsInFlightMax and tailStreamsMax', async () => {
    const { app } = await build({ limits: { limits: { requestsInFlightMax: 0, tailStreamsMax: 0 } } })
    const busy = await app.inject({ method: 'GET', url: '/v1/topics' })
    expect(busy.statusCode).toBe(429)
    expect(busy.json().error).toMatchObject({ name: 'TOO_MANY_IN_FLIGHT', retriable: true })
    const tails = await app.inject({ method: 'GET', url: '/v1/topics/t/partitions/0/tail' })
    expect(tails.statusCode).toBe(429)
    expect(tails.json().error.name).toBe('TOO_MANY_SUBSCRIPTIONS')
  })

  it('answers 503 SHUTTING_DOWN while the broker drains', async () => {
    const { app } = await build({ draining: true })
    for (const [method, url] of [['GET', '/v1/topics'], ['GET', '/v1/topics/t/tail'], ['GET', '/v1/groups']] as const) {
      const r = await app.inject({ method, url })
      expect(r.statusCode, url).toBe(503)
      expect(r.json().error).toMatchObject({ name: 'SHUTTING_DOWN', retriable: true })
    }
  })
})

describe('record encodings', () => {
  const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('utf8'))

  it('encodes string, json and base64, and null as null', () => {
    expect(text(encodeField('v', 'héllo', 'string'))).toBe('héllo')
    expect(text(encodeField('v', { a: [1, 'x'] }, 'json'))).toBe('{"a":[1,"x"]}')
    expect(text(encodeField('v', 'héllo', 'json'))).toBe('"héllo"')
    expect([...encodeField('v', 'AAH/', 'base64')!]).toEqual([0, 1, 255])
    for (const encoding of ['string', 'json', 'base64'] as const) expect(encodeField('v', null, encoding)).toBeNull()
  })

  it('refuses values that do not fit their encoding, naming the field', () => {
    expect(() => encodeField('records[2].value', 5, 'string')).toThrow(/records\[2\]\.value.*encoding json/)
    expect(() => encodeField('v', 'abc', 'base64')).toThrow(/base64/)
    expect(() => encodeField('v', 'ab!=', 'base64')).toThrow(/base64/)
    expect(() => encodeHeaders('h', [{ key: 1, value: 'x' }], 'string')).toThrow(/h\[0\]\.key/)
    expect(() => encodeHeaders('h', { k: 5 }, 'string')).toThrow(/h\[0\]\.value/)
  })

  it('decodes back, falling back to base64 for bytes that are not JSON', () => {
    const bytes = new TextEncoder().encode('{"n":1}')
    expect(decodeField(bytes, 'json')).toEqual({ value: { n: 1 }, encoding: 'json' })
    expect(decodeField(bytes, 'string')).toEqual({ value: '{"n":1}', encoding: 'string' })
    expect(decodeField(Uint8Array.from([0xff, 0]), 'json')).toEqual({ value: '/wA=', encoding: 'base64' })
    expect(decodeField(null, 'base64')).toEqual({ value: null, encoding: 'base64' })
    expect(encodeHeaders('h', { a: 'x', b: null }, 'string').map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString()]))
      .toEqual([['a', 'x'], ['b', null]])
  })
})
