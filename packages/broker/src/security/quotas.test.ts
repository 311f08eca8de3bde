// Client quotas on a hand-driven clock: Kafka's sampled rate and throttle time, worked out by hand;
// under the quota nothing; which entity a principal and client id resolve to; the config's errors.
import { describe, expect, it } from 'vitest'
import { NO_QUOTAS, parseQuotaConfig, resolveQuota, type QuotaConfig } from './quota-config.js'
import { ClientQuotas, SampledRate, throttleTimeMs, type QuotaLimits } from './quotas.js'

const LIMITS: QuotaLimits = { quotaWindowMs: 1000, quotaWindows: 11, quotaThrottleTimeMsMax: 10_000, quotaEntitiesMax: 100 }

function quotasAt(config: QuotaConfig, limits: QuotaLimits = LIMITS): { quotas: ClientQuotas; clock: { ms: number }; throttles: unknown[] } {
  const clock = { ms: 0 }
  const throttles: unknown[] = []
  const quotas = new ClientQuotas(config, limits, { nowMs: () => clock.ms, onThrottle: (...args) => throttles.push(args) })
  return { quotas, clock, throttles }
}

const config = (raw: unknown): QuotaConfig => parseQuotaConfig(raw, (m) => new Error(m))

describe('SampledRate (Kafka Rate over 11 windows of 1 s)', () => {
  it('counts at least 10 whole windows, then the time since the oldest sample', () => {
    const rate = new SampledRate(1000, 11)
    rate.record(5000, 0)
    expect(rate.windowSizeMs(0)).toBe(10_000)
    expect(rate.rate(0)).toBe(500)
    rate.record(5000, 2500) // a new sample: the first is 2.5 s old
    expect(rate.windowSizeMs(2500)).toBe(10_500) // 2 whole windows, 8 added
    expect(rate.rate(2500)).toBeCloseTo(10_000 / 10.5, 9)
    expect(rate.windowSizeMs(10_900)).toBe(10_900) // 10 whole windows: the real span
    // 11 windows after the first sample it is forgotten; the second is 8.5 s old.
    expect(rate.rate(11_000)).toBeCloseTo(5000 / 10.5, 9)
    expect(rate.rate(13_500)).toBe(0)
  })

  it('keeps at most `windows` samples', () => {
    const rate = new SampledRate(1000, 3)
    for (let t = 0; t < 10; t++) rate.record(100, t * 1000)
    // Samples at 7, 8 and 9 s: 300 over 2 windows counted (the minimum) plus 0.
    expect(rate.rate(9000)).toBe(150)
  })
})

describe('throttle time', () => {
  it('is (observed - quota) / quota x window, bounded, and 0 within the quota', () => {
    expect(throttleTimeMs(1500, 1000, 10_000, 60_000)).toBe(5000)
    expect(throttleTimeMs(1000, 1000, 10_000, 60_000)).toBe(0)
    expect(throttleTimeMs(999, 1000, 10_000, 60_000)).toBe(0)
    expect(throttleTimeMs(5000, 1000, 10_000, 3000)).toBe(3000)
  })

  it('is charged as Kafka computes it: the rate after recording, over the precise window', () => {
    const { quotas, clock, throttles } = quotasAt(config({ default: { produceBytesPerSec: 1000 } }))
    expect(quotas.charge('User:alice', 'app', { produce: 5000 }).throttleTimeMs).toBe(0)
    clock.ms = 2500
    expect(quotas.charge('User:alice', 'app', { produce: 5000 }).throttleTimeMs).toBe(0) // 952 B/s
    clock.ms = 2600
    // 12000 bytes over 10.6 s = 1132.08 B/s: (1132.08 - 1000) / 1000 x 10600 ms = 1400 ms.
    expect(quotas.charge('User:alice', 'app', { produce: 2000 })).toEqual({ throttleTimeMs: 1400, type: 'produce', entity: 'user=alice' })
    expect(throttles).toEqual([['User:alice', 'produce', 1400]])
  })

  it('is bounded by quotaThrottleTimeMsMax and takes the longest of a request\'s quotas', () => {
    const { quotas } = quotasAt(config({ default: { fetchBytesPerSec: 1000, requestsPerSec: 0.1 } }), { ...LIMITS, quotaThrottleTimeMsMax: 4000 })
    // 2 requests over 10 s = 0.2/s: (0.2 - 0.1) / 0.1 x 10 s = 10 s, bounded to 4 s; fetch within its quota.
    expect(quotas.charge('User:ANONYMOUS', 'a', { fetch: 10, request: 1 }).throttleTimeMs).toBe(0)
    expect(quotas.charge('User:ANONYMOUS', 'a', { fetch: 10, request: 1 })).toMatchObject({ throttleTimeMs: 4000, type: 'request' })
    // 11000 fetched bytes over 10 s: 1100 B/s, 1 s of throttle, shorter than the request quota's.
    expect(quotas.charge('User:ANONYMOUS', 'b', { fetch: 11_000, request: 1 })).toMatchObject({ throttleTimeMs: 1000, type: 'fetch' })
  })

  it('is 0 for everything without quotas', () => {
    const { quotas } = quotasAt(NO_QUOTAS)
    expect(quotas.enabled).toBe(false)
    expect(quotas.charge('User:x', 'y', { produce: 1e12, request: 1 }).throttleTimeMs).toBe(0)
    expect(quotas.entities).toBe(0)
  })

  it('forgets the least recently charged entity past quotaEntitiesMax', () => {
    const { quotas } = quotasAt(config({ default: { requestsPerSec: 1000 } }), { ...LIMITS, quotaEntitiesMax: 3 })
    for (const id of ['a', 'b', 'c', 'a', 'd']) quotas.charge('User:ANONYMOUS', id, { request: 1 })
    expect(quotas.entities).toBe(3)
    const key = (c: string) => resolveQuota(quotas.config, 'request', 'User:ANONYMOUS', c)!
    expect(quotas.rate(key('b'))).toBe(0) // b went: a was charged again after it
    expect(quotas.rate(key('a'))).toBeCloseTo(0.2, 9)
  })
})

describe('which quota applies (Kafka precedence: user+client id > user > client id > default)', () => {
  const quotas = config({
    default: { produceBytesPerSec: 1, fetchBytesPerSec: 1 },
    users: { alice: { produceBytesPerSec: 10, clientIds: { bench: { produceBytesPerSec: 100 } } }, bob: { requestsPerSec: 5 } },
    clientIds: { bench: { produceBytesPerSec: 1000, fetchBytesPerSec: 2000 } },
  })

  it('takes the most specific level that sets the type', () => {
    expect(resolveQuota(quotas, 'produce', 'User:alice', 'bench')).toMatchObject({ bound: 100, entity: 'user=alice,client-id=bench' })
    expect(resolveQuota(quotas, 'produce', 'User:alice', 'other')).toMatchObject({ bound: 10, entity: 'user=alice' })
    expect(resolveQuota(quotas, 'produce', 'User:bob', 'bench')).toMatchObject({ bound: 1000, entity: 'client-id=bench' })
    expect(resolveQuota(quotas, 'fetch', 'User:alice', 'bench')).toMatchObject({ bound: 2000, entity: 'client-id=bench' })
    expect(resolveQuota(quotas, 'produce', 'User:carol', 'x')).toMatchObject({ bound: 1, entity: 'user=carol' })
    expect(resolveQuota(quotas, 'request', 'User:bob', 'x')).toMatchObject({ bound: 5, entity: 'user=bob' })
    expect(resolveQuota(quotas, 'request', 'User:carol', 'x')).toBeUndefined()
    expect(resolveQuota(quotas, 'produce', 'User:constructor', 'toString')).toMatchObject({ bound: 1 })
  })

  it('shares a user\'s rate across its client ids; the default gives each pair its own', () => {
    const { quotas: q } = quotasAt(quotas)
    q.charge('User:alice', 'one', { produce: 50 })
    expect(q.charge('User:alice', 'two', { produce: 50 }).throttleTimeMs).toBe(0) // 100 B over 10 s = 10 B/s: at the quota
    expect(q.charge('User:alice', 'three', { produce: 10 }).throttleTimeMs).toBe(1000)
    expect(q.charge('User:carol', 'x', { produce: 10 }).throttleTimeMs).toBe(0)
    expect(q.charge('User:dave', 'x', { produce: 10 }).throttleTimeMs).toBe(0)
  })

  it('keeps the default per user once logged in, so a new client id buys no fresh quota; per client id without a login', () => {
    const { quotas: q } = quotasAt(config({ default: { requestsPerSec: 1 } }))
    for (let i = 0; i < 10; i++) q.charge('User:mallory', `id-${i}`, { request: 1 })
    expect(q.charge('User:mallory', 'id-new', { request: 1 }).throttleTimeMs).toBeGreaterThan(0)
    expect(q.charge('User:erin', 'id-0', { request: 1 }).throttleTimeMs).toBe(0)
    for (let i = 0; i < 10; i++) q.charge('User:ANONYMOUS', 'shared', { request: 1 })
    expect(q.charge('User:ANONYMOUS', 'shared', { request: 1 }).throttleTimeMs).toBeGreaterThan(0)
    expect(q.charge('User:ANONYMOUS', 'other', { request: 1 }).throttleTimeMs).toBe(0)
  })
})

describe('security.quotas', () => {
  it('refuses what is not a quota', () => {
    expect(() => config([])).toThrow(/security.quotas must be a JSON object/)
    expect(() => config({ defaults: {} })).toThrow(/security.quotas.defaults is not a setting/)
    expect(() => config({ default: { produceBytesPerSecond: 1 } })).toThrow(/security.quotas.default.produceBytesPerSecond is not a quota/)
    expect(() => config({ users: { a: { requestsPerSec: 0 } } })).toThrow(/security.quotas.users.a.requestsPerSec must be a positive number/)
    expect(() => config({ users: { a: { clientIds: { c: { fetchBytesPerSec: '5' } } } } })).toThrow(/users.a.clientIds.c.fetchBytesPerSec/)
    expect(() => config({ clientIds: { c: { clientIds: {} } } })).toThrow(/clientIds.c.clientIds is not a quota/)
    expect(config(undefined)).toBe(NO_QUOTAS)
  })
})
