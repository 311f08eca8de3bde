// Subscription regexes (a member's subscribedTopicRegex), compiled with re2js: RE2's syntax and a
// linear-time matcher, so a client's pattern cannot stall the coordinator's thread however it is
// written (a backtracking engine takes exponential time on `(a+)+$`). RE2 has no lookaround and no
// backreferences; a pattern it rejects, or one longer than `subscribedTopicRegexCharsMax`, gets
// INVALID_REGULAR_EXPRESSION. A pattern matches whole topic names.
//
// Linear time is linear in the program's size too: a short pattern such as `\pL{1000}` repeated
// compiles to tens of thousands of instructions, and every match of every topic name then walks
// them. A program larger than `subscribedTopicRegexInstructionsMax` is refused as well: first by an
// estimate read from the pattern's text (regex-size-estimate.ts), so that an expensive pattern is
// never compiled at all (compiling the worst 1 024 characters takes some hundred milliseconds), then
// by the compiled program's exact size.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { RE2JS } from 're2js'
import { regexSizeEstimate } from './regex-size-estimate.js'

export interface TopicRegexLimits {
  /** The longest pattern taken, in UTF-16 code units. */
  subscribedTopicRegexCharsMax: number
  /** The largest compiled program taken, in RE2 instructions. */
  subscribedTopicRegexInstructionsMax: number
}

export interface TopicRegex {
  readonly source: string
  matches(topic: string): boolean
}

export function compileTopicRegex(source: string, limits: TopicRegexLimits): TopicRegex {
  const charsMax = limits.subscribedTopicRegexCharsMax
  if (source.length > charsMax) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex has ${source.length} characters; the broker takes at most ${charsMax}.`)
  }
  const estimate = regexSizeEstimate(source)
  if (estimate > limits.subscribedTopicRegexInstructionsMax) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex would compile to about ${estimate} RE2 instructions; the broker takes at most ` +
      `${limits.subscribedTopicRegexInstructionsMax} (large counted repetitions such as {1000} cost one each).`)
  }
  let compiled: ReturnType<typeof RE2JS.compile>
  try {
    compiled = RE2JS.compile(source)
  } catch (err) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex ${JSON.stringify(source)} is not an RE2 regular expression: ${(err as Error).message}.`)
  }
  const instructions = compiled.programSize()
  if (instructions > limits.subscribedTopicRegexInstructionsMax) {
    throw new FaecieError(ErrorCode.INVALID_REGULAR_EXPRESSION,
      `subscribedTopicRegex compiles to ${instructions} RE2 instructions; the broker takes at most ` +
      `${limits.subscribedTopicRegexInstructionsMax} (large counted repetitions such as {1000} cost one each).`)
  }
  return { source, matches: (topic) => compiled.matches(topic) }
}
