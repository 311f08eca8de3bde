// subscribe()'s names and RegExps become one RE2 pattern that the coordinator matches against whole
// topic names: a name matches only itself, and a RegExp's i, m and s flags travel inline, so that
// /orders/i still matches `ORDERS` on the broker. Checked with re2js, the coordinator's engine.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { subscriptionRegex } from '../src/consumer/group-consumer.js'

// re2js is the broker's dependency (groups/topic-regex.ts): load it from there.
const requireFromBroker = createRequire(new URL('../../broker/package.json', import.meta.url))
const { RE2JS } = requireFromBroker('re2js') as typeof import('re2js')

function matcher(names: string[], patterns: RegExp[]): (topic: string) => boolean {
  const compiled = RE2JS.compile(subscriptionRegex(names, patterns))
  return (topic) => compiled.matches(topic)
}

describe('subscriptionRegex', () => {
  it('matches names literally and RegExps whole', () => {
    const matches = matcher(['a.b', 'c+'], [/orders-\d+/])
    expect(['a.b', 'c+', 'orders-12'].map(matches)).toEqual([true, true, true])
    expect(['axb', 'cc', 'orders-x', 'my-orders-1'].map(matches)).toEqual([false, false, false, false])
  })

  it('keeps the case-insensitive and dotAll flags of a RegExp, for that RegExp only', () => {
    const matches = matcher(['Exact'], [/orders/i, /a.b/s])
    expect(['ORDERS', 'Orders', 'a\nb', 'Exact'].map(matches)).toEqual([true, true, true, true])
    expect(['EXACT', 'A.B'].map(matches)).toEqual([false, false])
    expect(subscriptionRegex([], [/x/gyu])).toBe('(?:x)')
  })
})
