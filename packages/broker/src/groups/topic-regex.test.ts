// Subscription regexes: RE2 syntax, whole-name matches, and both limits (characters, compiled
// instructions) answered with INVALID_REGULAR_EXPRESSION, never a stall of the coordinator's thread.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { DEFAULT_GROUP_SETTINGS } from './consumer-group.js'
import { RE2JS } from 're2js'
import { regexSizeEstimate } from './regex-size-estimate.js'
import { compileTopicRegex } from './topic-regex.js'

function codeOf(source: string, limits = DEFAULT_GROUP_SETTINGS): number | undefined {
  try {
    compileTopicRegex(source, limits)
    return undefined
  } catch (err) {
    return err instanceof FaecieError ? err.code : -1
  }
}

describe('compileTopicRegex', () => {
  it('matches whole topic names', () => {
    const regex = compileTopicRegex('payments\\.(eu|us)-[a-z0-9_-]{1,64}', DEFAULT_GROUP_SETTINGS)
    expect(['payments.eu-1', 'payments.us-a_b'].map((t) => regex.matches(t))).toEqual([true, true])
    expect(['payments.fr-1', 'x-payments.eu-1'].map((t) => regex.matches(t))).toEqual([false, false])
  })

  it('refuses a short pattern whose compiled program is too large to run on every topic name', () => {
    // 54 characters, within the length limit, but some 6 000 instructions: each topic name would be
    // walked through all of them, for every member, at every group epoch.
    const source = '\\pL{1000}'.repeat(6)
    expect(source.length).toBeLessThan(DEFAULT_GROUP_SETTINGS.subscribedTopicRegexCharsMax)
    expect(codeOf(source)).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    expect(codeOf(source, { ...DEFAULT_GROUP_SETTINGS, subscribedTopicRegexInstructionsMax: 10_000 })).toBeUndefined()
    expect(codeOf('\\pL{1000}')).toBeUndefined()
  })

  it('refuses what is too long, and what RE2 rejects', () => {
    expect(codeOf('a'.repeat(DEFAULT_GROUP_SETTINGS.subscribedTopicRegexCharsMax + 1))).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    expect(codeOf('(?=x)y')).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
    expect(codeOf('((a{100}){100}){100}')).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION)
  })
})

describe('regexSizeEstimate', () => {
  it('grows with what RE2 unrolls, so an expensive pattern is refused before it is compiled', () => {
    expect(regexSizeEstimate('orders')).toBe(6)
    expect(regexSizeEstimate('payments\\.(eu|us)-[a-z0-9_-]{1,64}')).toBe(9 + 4 + 1 + 64)
    expect(regexSizeEstimate('\\pL{1000}')).toBe(1000)
    expect(regexSizeEstimate('((a{100}){100}){100}')).toBe(1_000_000)
    expect(regexSizeEstimate('(?:\\p{Greek}[^]a-z]{2,}){3}')).toBe((1 + 3) * 3)
    // The estimate is never far below the exact size, for patterns the limits are about.
    for (const source of ['\\pL{1000}'.repeat(3), '(ab|cd){50}', '[a-z]{10,40}x*y+', '(?:a{2}){3}']) {
      expect(regexSizeEstimate(source) * 2 + 8).toBeGreaterThanOrEqual(RE2JS.compile(source).programSize())
    }
  })

  it('refuses an expensive pattern by its estimate, before compiling it', () => {
    const source = '\\pL{1000}'.repeat(100).slice(0, DEFAULT_GROUP_SETTINGS.subscribedTopicRegexCharsMax)
    expect(() => compileTopicRegex(source, DEFAULT_GROUP_SETTINGS)).toThrow(/would compile to about \d+ RE2 instructions/)
  })
})
