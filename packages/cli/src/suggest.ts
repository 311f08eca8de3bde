// "Did you mean": the known word nearest to a mistyped command, action, flag or property, by edit
// distance (Damerau-Levenshtein: a swap of two neighbours counts once, so `topcis` finds `topics`),
// when it is near enough to be a typo rather than another word.

/** Edits allowed for a word of this length: 1 up to 4 characters, then 2, then a third of it. */
function editsAllowed(length: number): number {
  return length <= 4 ? 1 : length <= 8 ? 2 : Math.floor(length / 3)
}

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/** The known word nearest to `word` if it is near enough to be a typo of it, else undefined. */
export function nearest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= editsAllowed(word.length) ? best : undefined
}

/** ` (did you mean "x"?)`, or nothing when no known word is near. */
export function didYouMean(word: string, known: Iterable<string>, show: (w: string) => string = (w) => JSON.stringify(w)): string {
  const match = nearest(word, known)
  return match === undefined ? '' : ` (did you mean ${show(match)}?)`
}
