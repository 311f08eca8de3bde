// Subscription regexes: RE2 syntax, whole-name matches, and both limits (characters, compiled
// instructions) answered with INVALID_REGULAR_EXPRESSION, never a stall of the coordinator's thread.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { DEFAULT_GROUP_SETTINGS } from './consumer-group.js'
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
