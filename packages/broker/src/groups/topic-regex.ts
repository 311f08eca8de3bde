// Subscription regexes (a member's subscribedTopicRegex), compiled with re2js: RE2's syntax and a
// linear-time matcher, so a client's pattern cannot stall the coordinator's thread however it is
// written (a backtracking engine takes exponential time on `(a+)+$`). RE2 has no lookaround and no
// backreferences; a pattern it rejects, or one longer than `subscribedTopicRegexCharsMax`, gets
// INVALID_REGULAR_EXPRESSION. A pattern matches whole topic names.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { RE2JS } from 're2js'

export interface TopicRegex {
  readonly source: string
  matches(topic: string): boolean
}

export function compileTopicRegex(source: string, charsMax: number): TopicRegex {
  if (source.length > charsMax) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex has ${source.length} characters; the broker takes at most ${charsMax}.`)
  }
  let compiled: ReturnType<typeof RE2JS.compile>
  try {
    compiled = RE2JS.compile(source)
  } catch (err) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex ${JSON.stringify(source)} is not an RE2 regular expression: ${(err as Error).message}.`)
  }
  return { source, matches: (topic) => compiled.matches(topic) }
}
