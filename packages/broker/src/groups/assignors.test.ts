// The assignors against properties over random groups (fast-check; a failure prints its seed):
// every subscribed partition goes to exactly one member that subscribes to it; the same input gives
// the same output whatever the members' order; with equal subscriptions counts differ by at most
// one; and the uniform assignor is sticky: when a member joins, the others only lose partitions.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Assignment, pairsOf, sizeOf } from './assignment.js'
import { ASSIGNORS, type AssignorMember, rangeAssignor, uniformAssignor } from './assignors.js'

const topicNames = ['a', 'b', 'c']
const arbCounts = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 3, maxLength: 3 })
  .map((counts) => new Map(counts.map((c, i) => [topicNames[i]!, c])))
const arbMembers = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }).chain((ids) =>
  fc.tuple(...ids.map((id) => fc.subarray(topicNames, { minLength: 1 }).map((topics): AssignorMember => ({ memberId: id, topics })))))

function checkValid(members: readonly AssignorMember[], counts: Map<string, number>, result: Map<string, Assignment>): void {
  const seen = new Set<string>()
  for (const m of members) {
    for (const [t, p] of pairsOf(result.get(m.memberId)!)) {
      expect(m.topics).toContain(t)
      expect(p).toBeLessThan(counts.get(t)!)
      expect(seen.has(`${t}:${p}`)).toBe(false)
      seen.add(`${t}:${p}`)
    }
  }
  for (const [t, n] of counts) {
    if (!members.some((m) => m.topics.includes(t))) continue
    for (let p = 0; p < n; p++) expect(seen.has(`${t}:${p}`)).toBe(true)
  }
}

describe.each(Object.entries(ASSIGNORS))('%s assignor', (_name, assign) => {
  it('gives every subscribed partition to exactly one subscriber', () => {
    fc.assert(fc.property(arbMembers, arbCounts, (members, counts) => {
      checkValid(members, counts, assign({ members, partitionCounts: counts, previous: new Map() }))
    }), { numRuns: 200 })
  })

  it('is deterministic whatever the order of members', () => {
    fc.assert(fc.property(arbMembers, arbCounts, (members, counts) => {
      const one = assign({ members, partitionCounts: counts, previous: new Map() })
      const two = assign({ members: [...members].reverse(), partitionCounts: counts, previous: new Map() })
      expect([...two].sort()).toEqual([...one].sort())
    }), { numRuns: 100 })
  })

  it('balances equal subscriptions within one partition', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), (memberCount, partitions) => {
      const members = Array.from({ length: memberCount }, (_, i) => ({ memberId: `m${i}`, topics: ['a'] }))
      const result = assign({ members, partitionCounts: new Map([['a', partitions]]), previous: new Map() })
      const sizes = [...result.values()].map(sizeOf)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    }), { numRuns: 100 })
  })
})

describe('uniform assignor stickiness', () => {
  it('a joining member takes only from others; nobody loses what it could keep', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 48 }), (memberCount, partitions) => {
      const counts = new Map([['a', partitions], ['b', Math.max(1, partitions >> 1)]])
      const members = Array.from({ length: memberCount }, (_, i) => ({ memberId: `m${i}`, topics: ['a', 'b'] }))
      const before = uniformAssignor({ members, partitionCounts: counts, previous: new Map() })
      const after = uniformAssignor({ members: [...members, { memberId: 'new', topics: ['a', 'b'] }], partitionCounts: counts, previous: before })
      let moved = 0
      for (const m of members) {
        const kept = [...pairsOf(after.get(m.memberId)!)]
        for (const [t, p] of kept) expect(before.get(m.memberId)!.get(t)).toContain(p)
        moved += sizeOf(before.get(m.memberId)!) - kept.length
      }
      expect(moved).toBe(sizeOf(after.get('new')!))
      const sizes = [...after.values()].map(sizeOf)
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
    }), { numRuns: 150 })
  })

  it('a leaving member\'s partitions are the only ones that move', () => {
    const members = ['x', 'y', 'z'].map((memberId) => ({ memberId, topics: ['a'] }))
    const counts = new Map([['a', 6]])
    const before = uniformAssignor({ members, partitionCounts: counts, previous: new Map() })
    const after = uniformAssignor({ members: members.slice(0, 2), partitionCounts: counts, previous: before })
    for (const id of ['x', 'y']) for (const [t, p] of pairsOf(before.get(id)!)) expect(after.get(id)!.get(t)).toContain(p)
    expect(sizeOf(after.get('x')!) + sizeOf(after.get('y')!)).toBe(6)
  })
})

describe('range assignor', () => {
  it('hands out contiguous ranges, the first members one more', () => {
    const members = ['m2', 'm1', 'm3'].map((memberId) => ({ memberId, topics: ['a'] }))
    const result = rangeAssignor({ members, partitionCounts: new Map([['a', 7]]), previous: new Map() })
    expect(result.get('m1')!.get('a')).toEqual([0, 1, 2])
    expect(result.get('m2')!.get('a')).toEqual([3, 4])
    expect(result.get('m3')!.get('a')).toEqual([5, 6])
  })
})
