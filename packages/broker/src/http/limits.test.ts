// The HTTP API's limits: the defaults fit the broker's limits, and a set that does not is named.
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { jsonNestedDeeperThan } from './json-body.js'
import { defaultHttpLimits, httpLimitProblems } from './limits.js'

describe('HTTP limits', () => {
  it('has defaults that fit the broker limits, and names what does not', () => {
    const http = defaultHttpLimits(DEFAULT_LIMITS)
    expect(httpLimitProblems(http, DEFAULT_LIMITS)).toEqual([])
    expect(httpLimitProblems({ ...http, readBytesDefault: DEFAULT_LIMITS.fetchBytesMax + 1 }, DEFAULT_LIMITS).join()).toMatch(/readBytesDefault/)
    expect(httpLimitProblems({ ...http, tailCreditBytes: DEFAULT_LIMITS.sessionQueuedBytesMax + 1 }, DEFAULT_LIMITS).join()).toMatch(/tailCreditBytes/)
    expect(httpLimitProblems({ ...http, maxWaitMsMax: DEFAULT_LIMITS.maxWaitMsMax + 1 }, DEFAULT_LIMITS).join()).toMatch(/maxWaitMsMax/)
  })

  it('keeps the HTTP connection caps above the WebSocket session caps, and the timeouts in order', () => {
    const http = defaultHttpLimits(DEFAULT_LIMITS)
    expect(http.connectionsMax).toBeGreaterThan(DEFAULT_LIMITS.sessionsMax)
    expect(httpLimitProblems({ ...http, connectionsMax: DEFAULT_LIMITS.sessionsMax }, DEFAULT_LIMITS).join()).toMatch(/connectionsMax .* must exceed sessionsMax/)
    expect(httpLimitProblems({ ...http, connectionsPerAddressMax: DEFAULT_LIMITS.sessionsPerAddressMax }, DEFAULT_LIMITS).join())
      .toMatch(/connectionsPerAddressMax .* must exceed sessionsPerAddressMax/)
    expect(httpLimitProblems({ ...http, connectionsPerAddressMax: http.connectionsMax + 1 }, DEFAULT_LIMITS).join()).toMatch(/must not exceed http.connectionsMax/)
    expect(httpLimitProblems({ ...http, requestBodyBytesInFlightMax: http.produceBodyBytesMax - 1 }, DEFAULT_LIMITS).join()).toMatch(/requestBodyBytesInFlightMax/)
    expect(httpLimitProblems({ ...http, headersTimeoutMs: http.requestTimeoutMs + 1 }, DEFAULT_LIMITS).join()).toMatch(/headersTimeoutMs/)
    // A broker with few sessions and one request in flight each still gets defaults that fit.
    const small = { ...DEFAULT_LIMITS, sessionsMax: 4, sessionsPerAddressMax: 4, inFlightMax: 1 }
    expect(httpLimitProblems(defaultHttpLimits(small), small)).toEqual([])
  })

  it('measures JSON nesting without being fooled by brackets in strings', () => {
    expect(jsonNestedDeeperThan('[[[1]]]', 3)).toBe(false)
    expect(jsonNestedDeeperThan('[[[[1]]]]', 3)).toBe(true)
    expect(jsonNestedDeeperThan('{"a":"[[[[[\\"[[[["}', 1)).toBe(false)
    expect(jsonNestedDeeperThan(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 64)).toBe(true)
  })
})
