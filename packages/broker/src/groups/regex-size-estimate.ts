// A bound on the size of the program an RE2 pattern compiles to, read from the pattern's text
// without compiling it. Compiling is where a short pattern costs: `\pL{1000}` repeated within the
// length limit takes some hundred milliseconds and megabytes to compile before its size can be
// checked, and a member may send a new pattern on every heartbeat. So the coordinator refuses a
// pattern whose estimate is over the limit before it ever compiles it.
//
// The estimate counts atoms (a literal, an escape, a class, `.`), each as one, and multiplies what a
// counted repetition `{n}`, `{n,}` or `{n,m}` applies to by its larger bound (plus one for `{n,}`),
// nested repetitions multiplying in turn, as RE2's compiler unrolls them. Alternatives are added up.
// It is not exact (RE2 adds a few instructions per group and alternation), and it need not be: it
// only has to grow with the compiled program, so that the limit it is held to stops the
// expensive patterns; the exact program size is checked again after compiling.

interface Frame {
  total: number
  /** The cost of the last atom or group, to which a quantifier that follows applies. */
  last: number
}

/** Where a character class that opens at `start` (`[`) ends: the index just past its `]`. */
function classEnd(source: string, start: number): number {
  let i = start + 1
  if (source[i] === '^') i++
  if (source[i] === ']') i++ // a leading ] is a literal
  while (i < source.length && source[i] !== ']') {
    if (source[i] === '\\') i += 2
    else if (source.startsWith('[:', i)) {
      const close = source.indexOf(':]', i + 2)
      i = close < 0 ? i + 1 : close + 2
    } else i++
  }
  return i + 1
}

/** Where an escape that starts at `start` (`\`) ends. */
function escapeEnd(source: string, start: number): number {
  const kind = source[start + 1]
  if ((kind === 'p' || kind === 'P' || kind === 'x') && source[start + 2] === '{') {
    const close = source.indexOf('}', start + 3)
    return close < 0 ? source.length : close + 1
  }
  if (kind === 'p' || kind === 'P') return start + 3 // a one-letter class name: \pL
  return start + 2
}

/** The larger bound of a counted repetition `{n}`, `{n,}`, `{n,m}` at `start`, or undefined if it is none. */
function countedRepetition(source: string, start: number): { end: number; times: number } | undefined {
  const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(start, start + 24))
  if (match === null) return undefined
  const min = Number(match[1])
  const max = match[2] === undefined ? min : match[3] === '' ? min + 1 : Number(match[3])
  return { end: start + match[0].length, times: Math.max(1, min, max) }
}

/** The estimated number of RE2 instructions `source` compiles to (see the top of this file). */
export function regexSizeEstimate(source: string): number {
  const stack: Frame[] = [{ total: 0, last: 0 }]
  const top = (): Frame => stack[stack.length - 1] as Frame
  const atom = (cost: number): void => {
    top().total += cost
    top().last = cost
  }
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    if (c === '\\') {
      i = escapeEnd(source, i)
      atom(1)
    } else if (c === '[') {
      i = classEnd(source, i)
      atom(1)
    } else if (c === '(') {
      stack.push({ total: 0, last: 0 })
      i++
      if (source[i] === '?') {
        // `(?flags:` or `(?P<name>` open a group; `(?flags)` sets flags and is no group at all.
        while (i < source.length && source[i] !== ':' && source[i] !== '>' && source[i] !== ')') i++
        if (source[i] === ')') stack.pop()
        i++
      }
    } else if (c === ')') {
      const group = stack.length > 1 ? (stack.pop() as Frame) : { total: 0, last: 0 }
      atom(group.total)
      i++
    } else if (c === '{') {
      const repetition = countedRepetition(source, i)
      if (repetition === undefined) {
        atom(1)
        i++
      } else {
        const frame = top()
        frame.total += frame.last * (repetition.times - 1)
        frame.last *= repetition.times
        i = repetition.end
      }
    } else if (c === '|' || c === '*' || c === '+' || c === '?' || c === '^' || c === '$') {
      i++ // alternatives add up in the frame's total; these quantifiers do not multiply
    } else {
      atom(1)
      i++
    }
  }
  // An unclosed group (RE2 refuses it when compiling) still counts.
  return stack.reduce((sum, frame) => sum + frame.total, 0)
}
