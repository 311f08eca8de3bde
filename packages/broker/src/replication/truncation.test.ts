// truncationStep over every case of truncation.ts's table, and against a brute-force answer: the
// longest common prefix of two logs' epochs (offset by offset) is never cut, and nothing past it survives.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ModelLog } from './test-leader.js'
import { truncationStep } from './truncation.js'

describe('truncationStep', () => {
  it('follows the table', () => {
    expect(truncationStep({ leaderEpoch: -1, endOffset: -1 }, undefined, 9)).toEqual({ offset: 0, done: true })
    expect(truncationStep({ leaderEpoch: 2, endOffset: 5 }, { leaderEpoch: -1, endOffset: -1 }, 9)).toEqual({ offset: 0, done: true })
    expect(truncationStep({ leaderEpoch: 2, endOffset: 5 }, { leaderEpoch: 2, endOffset: 7 }, 9)).toEqual({ offset: 5, done: true })
    expect(truncationStep({ leaderEpoch: 2, endOffset: 8 }, { leaderEpoch: 2, endOffset: 7 }, 9)).toEqual({ offset: 7, done: true })
    expect(truncationStep({ leaderEpoch: 3, endOffset: 8 }, { leaderEpoch: 1, endOffset: 4 }, 9)).toEqual({ offset: 4, done: false, nextEpoch: 1 })
    expect(() => truncationStep({ leaderEpoch: 1, endOffset: 8 }, { leaderEpoch: 2, endOffset: 4 }, 9)).toThrow(/largest/)
  })

  // Logs as histories: epochs non-decreasing along each log, and the two agree wherever both have the
  // same epoch at the same offset up to where one of them diverged (as logs written by leaders do).
  const histories = fc.record({
    common: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 }),
    leaderTail: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 }),
    followerTail: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 }),
  })

  it('keeps the common prefix and cuts everything after the first difference', () => {
    fc.assert(fc.property(histories, ({ common, leaderTail, followerTail }) => {
      const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
      const base = sorted(common)
      const top = base.length === 0 ? 0 : base[base.length - 1]!
      // Divergent tails use epochs above the common part, each tail its own set (leaders of different epochs).
      const leaderEpochs = [...base, ...sorted(leaderTail).map((e) => top + 1 + 2 * e)]
      const followerEpochs = [...base, ...sorted(followerTail).map((e) => top + 2 + 2 * e)]
      const leader = Object.assign(new ModelLog(), { epochs: leaderEpochs })
      const follower = Object.assign(new ModelLog(), { epochs: [...followerEpochs] })
      let ask = follower.latestEpoch
      for (let round = 0; round < 20 && ask >= 0; round++) {
        const l = leader.endOf(ask)
        const own = l.leaderEpoch < 0 ? undefined : follower.endOf(l.leaderEpoch)
        const step = truncationStep(l, own, follower.logEndOffset)
        follower.epochs.length = Math.min(follower.epochs.length, step.offset)
        if (step.done) break
        ask = step.nextEpoch
      }
      let prefix = 0
      while (prefix < leaderEpochs.length && prefix < followerEpochs.length && leaderEpochs[prefix] === followerEpochs[prefix]) prefix++
      expect(follower.epochs).toEqual(followerEpochs.slice(0, prefix))
    }))
  })
})
