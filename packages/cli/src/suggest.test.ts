// The "did you mean" of mistyped words (suggest.ts).
import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance, nearest } from './suggest.js'

describe('nearest', () => {
  it('finds typos: a letter missing, extra, changed, or two swapped', () => {
    const commands = ['broker', 'topics', 'groups', 'produce', 'consume', 'perf']
    expect(nearest('topic', commands)).toBe('topics')
    expect(nearest('topcis', commands)).toBe('topics')
    expect(nearest('consumme', commands)).toBe('consume')
    expect(nearest('prodcue', commands)).toBe('produce')
    expect(nearest('PERF', commands)).toBe('perf')
  })

  it('suggests nothing for a word that is not near any', () => {
    expect(nearest('frobnicate', ['broker', 'topics', 'groups'])).toBeUndefined()
    expect(nearest('xy', ['perf'])).toBeUndefined()
  })

  it('counts edits as Damerau-Levenshtein does', () => {
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('abc', 'abc')).toBe(0)
    expect(editDistance('abc', 'acb')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})

describe('didYouMean', () => {
  it('phrases the suggestion, or says nothing', () => {
    expect(didYouMean('brokr', ['broker', 'topic'], (w) => `--${w}`)).toBe(' (did you mean --broker?)')
    expect(didYouMean('zzz', ['broker'])).toBe('')
  })
})
