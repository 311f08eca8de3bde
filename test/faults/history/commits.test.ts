// The checker on hand-made histories of a group's committed offsets: real-time order only, excused
// by a reset that may lie between, or by concurrent commits landing in either order.
import { describe, expect, it } from 'vitest'
import { type CheckResult, checkHistory } from './checker.js'
import { commit, fetchCommitted, history, reset } from './hand-made.js'
import type { Op } from './history.js'

const check = (ops: Op[]): CheckResult => checkHistory(history(ops, []))

function expectBackwards(result: CheckResult, count: number, ...fragments: string[]): void {
  expect(result.ok).toBe(false)
  expect(result.counts['offset-backwards']).toBe(count)
  expect(result.anomalies.every((a) => a.kind === 'offset-backwards')).toBe(true)
  const messages = result.anomalies.map((a) => a.message)
  expect(messages.some((m) => fragments.every((f) => m.includes(f))), messages.join('\n')).toBe(true)
}

describe('checkHistory: committed offsets that go back', () => {
  it('a fetch invoked after a commit was acknowledged reads lower', () => {
    expectBackwards(check([commit('m0', 90, [-2, -1]), commit('m1', 100, [0, 10]), fetchCommitted(90, [20, 30])]), 1, 'group g t-0', 'read committed offset 90', "m1's commit of 100")
  })

  it('a fetch reads lower than a fetch that completed before it was invoked', () => {
    // The commit of 100 completes after b was invoked: a's read is the bound.
    const writers = [commit('m0', 90, [-4, -3]), commit('m0', 100, [-2, 12])]
    expectBackwards(check([...writers, fetchCommitted(100, [0, 5], { client: 'a' }), fetchCommitted(90, [10, 15], { client: 'b' })]), 1, 'b read committed offset 90', 'a read 100')
  })

  it('a fetch reads none (-1) after a commit', () => {
    expectBackwards(check([commit('m1', 5, [0, 1]), fetchCommitted(-1, [2, 3])]), 1, 'read committed offset -1')
  })

  it('a stale lower commit acknowledged after a higher one does not excuse the lower read', () => {
    const ops = [commit('m1', 100, [0, 5]), commit('m2', 90, [10, 15]), fetchCommitted(90, [20, 25])]
    expectBackwards(check(ops), 1, 'read committed offset 90', 'commit of 100')
  })

  it('a failed reset excuses nothing', () => {
    const ops = [commit('m0', 0, [-2, -1]), commit('m1', 100, [0, 10]), reset(0, [12, 14], { outcome: 'fail' }), fetchCommitted(0, [20, 30])]
    expectBackwards(check(ops), 1, 'read committed offset 0')
  })

  it('a reset before the commit excuses nothing', () => {
    const ops = [reset(0, [0, 1]), commit('m1', 100, [2, 10]), fetchCommitted(0, [20, 30])]
    expectBackwards(check(ops), 1, 'read committed offset 0')
  })

  it('only the same group and partition bound each other, and each fetch is counted', () => {
    const ops = [
      commit('m0', 5, [-4, -3]),
      commit('m0', 7, [-2, -1]),
      commit('m0', 5, [-2, -1], { group: 'other' }),
      commit('m1', 100, [0, 10]),
      commit('m1', 100, [0, 10], { partition: 1 }),
      fetchCommitted(5, [20, 30]), // back
      fetchCommitted(7, [40, 50]), // back (from 100), and above the 5 before
      fetchCommitted(5, [20, 30], { group: 'other' }), // another group: nothing committed there
      fetchCommitted(100, [20, 30], { partition: 1 }),
    ]
    expectBackwards(check(ops), 2, 'read committed offset 7')
  })
})

describe('checkHistory: committed offsets that legally look like going back', () => {
  it('a reset between lets the committed offset go back', () => {
    expect(check([commit('m1', 100, [0, 10]), reset(0, [12, 14]), fetchCommitted(0, [20, 30])]).ok).toBe(true)
  })

  it('a reset of unknown outcome invoked before the fetch may lie between', () => {
    expect(check([commit('m1', 100, [0, 10]), reset(0, [1, 2], { outcome: 'unknown' }), fetchCommitted(0, [20, 30])]).ok).toBe(true)
  })

  it('a reset of unknown outcome may take effect long after its client gave up', () => {
    expect(check([reset(0, [0, 1], { outcome: 'unknown' }), commit('m1', 100, [2, 10]), fetchCommitted(0, [20, 30])]).ok).toBe(true)
  })

  it('a reset concurrent with the fetch may lie between', () => {
    expect(check([commit('m1', 100, [-2, -1]), fetchCommitted(100, [0, 10]), reset(0, [15, 40]), fetchCommitted(0, [20, 30])]).ok).toBe(true)
  })

  it('a fetch overlapping a higher commit may read the lower value', () => {
    const ops = [commit('m1', 100, [0, 1]), commit('m1', 110, [2, 10]), fetchCommitted(100, [3, 4]), fetchCommitted(110, [5, 6]), fetchCommitted(110, [11, 12])]
    expect(check(ops).ok).toBe(true)
  })

  it('two concurrent commits may land in either order, and fetches see them so', () => {
    // 110 lands first, then 100: both reads are legal for a register written concurrently.
    const ops = [commit('m1', 100, [0, 10]), commit('m2', 110, [1, 9]), fetchCommitted(110, [2, 3]), fetchCommitted(100, [11, 12])]
    expect(check(ops).ok).toBe(true)
  })

  it('...but not once the lower commit is known to have landed before a later higher observation', () => {
    const ops = [commit('m1', 100, [0, 10]), commit('m2', 110, [1, 9]), fetchCommitted(110, [11, 12]), fetchCommitted(100, [13, 14])]
    expectBackwards(check(ops), 1, 'read committed offset 100', '110')
  })

  it('a commit of unknown outcome bounds nothing', () => {
    expect(check([commit('m0', 90, [-2, -1]), commit('m1', 100, [0, 10], { outcome: 'unknown' }), fetchCommitted(90, [20, 30])]).ok).toBe(true)
  })

  it('a fetch invoked before the commit completed may read the old offset', () => {
    expect(check([commit('m0', 90, [-2, -1]), commit('m1', 100, [0, 25]), fetchCommitted(90, [20, 30])]).ok).toBe(true)
  })
})
