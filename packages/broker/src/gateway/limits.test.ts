// The limits: defaults that fit together, overrides checked one by one and against each other.
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, limitProblems, resolveLimits } from './limits.js'
import { OriginPolicy } from './origin.js'

describe('limits', () => {
  it('has defaults that fit together', () => {
    expect(limitProblems({ ...DEFAULT_LIMITS })).toEqual([])
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
  })

  it('refuses unknown names, non-integers and sets that contradict themselves', () => {
    expect(() => resolveLimits({ framesMax: 1 })).toThrow(/unknown limit framesMax/)
    expect(() => resolveLimits({ inFlightMax: 0 })).toThrow(/inFlightMax must be an integer/)
    expect(() => resolveLimits({ inFlightMax: 1.5 })).toThrow(/inFlightMax/)
    expect(() => resolveLimits({ frameBytesMax: 1024 * 1024, batchBytesMax: 1024 * 1024 })).toThrow(/frameBytesMax .* must hold batchBytesMax/)
    expect(() => resolveLimits({ inFlightMax: 2000 })).toThrow(/mailboxDepthMax/)
    expect(() => resolveLimits({ fetchBytesMax: 1024 })).toThrow(/fetchBytesMax/)
    expect(resolveLimits({ sessionsMax: 3 }).sessionsMax).toBe(3)
    expect(resolveLimits({ sessionsMax: 3 }).sessionsPerAddressMax).toBe(3)
    expect(() => resolveLimits({ sessionsMax: 3, sessionsPerAddressMax: 4 })).toThrow(/sessionsPerAddressMax \(4\) must not exceed sessionsMax/)
    expect(() => resolveLimits({ sessionQueuedBytesMax: 1024 * 1024 })).toThrow(/sessionQueuedBytesMax .* must hold one fetch answer/)
    expect(() => resolveLimits({ readBytesInFlightMax: 20 * 1024 * 1024 })).toThrow(/readBytesInFlightMax/)
    expect(() => resolveLimits({ queuedBytesMax: 1024 * 1024 })).toThrow(/queuedBytesMax/)
    expect(() => resolveLimits({ helloTimeoutMs: 60_000, sessionIdleMsMax: 1000 })).toThrow(/helloTimeoutMs/)
  })
})

describe('origins', () => {
  it('allows its own origins, the listed ones and requests without an Origin; refuses the rest', () => {
    const policy = new OriginPolicy(['http://localhost:5173/', 'HTTPS://App.Example'])
    policy.addOwnOrigins('127.0.0.1', 8092)
    for (const ok of [undefined, 'http://localhost:5173', 'https://app.example', 'http://127.0.0.1:8092', 'http://localhost:8092']) {
      expect(policy.allows(ok), ok).toBe(true)
    }
    for (const bad of ['http://localhost:5174', 'http://127.0.0.1:8093', 'null', 'http://evil.example', 'https://localhost:5173']) {
      expect(policy.allows(bad), bad).toBe(false)
    }
    expect(new OriginPolicy(['*']).allows('http://anything')).toBe(true)
  })
})
