// Replica placement: Kafka's round-robin from a start index, followers shifted, rack alternation,
// and the refusals.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { placeReplicas, rackAlternated, type PlacementBroker } from './placement.js'

const noRacks = (ids: number[]): PlacementBroker[] => ids.map((brokerId) => ({ brokerId, rack: null }))

describe('replica placement', () => {
  it("matches Kafka's rack-unaware assignment for a fixed start index", () => {
    // Kafka's AdminUtilsTest (testReplicaAssignment): 5 brokers, 10 partitions, rf 3, start index 0.
    expect(placeReplicas({ brokers: noRacks([0, 1, 2, 3, 4]), partitions: 10, replicationFactor: 3, startIndex: 0 })).toEqual([
      [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1], [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
    ])
  })

  it('spreads preferred leaders evenly and never repeats a broker in a partition', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (n, partitions, rfSeed, start) => {
      const rf = 1 + (rfSeed % n)
      const ids = Array.from({ length: n }, (_, i) => 10 + i)
      const placed = placeReplicas({ brokers: noRacks(ids), partitions, replicationFactor: rf, randomInt: (k) => start % k })
      expect(placed).toHaveLength(partitions)
      const leaders = new Map<number, number>()
      for (const r of placed) {
        expect(new Set(r).size).toBe(rf)
        expect(r.every((b) => ids.includes(b))).toBe(true)
        leaders.set(r[0]!, (leaders.get(r[0]!) ?? 0) + 1)
      }
      const counts = [...leaders.values()]
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
    }))
  })

  it('continues a topic: partitions added later follow on from the first ones', () => {
    const brokers = noRacks([1, 2, 3, 4])
    const all = placeReplicas({ brokers, partitions: 9, replicationFactor: 2, startIndex: 2 })
    const more = placeReplicas({ brokers, partitions: 4, replicationFactor: 2, startIndex: 2, firstPartition: 5 })
    expect(more).toEqual(all.slice(5))
  })

  it('alternates racks, putting each replica of a partition on a different rack when it can', () => {
    const brokers: PlacementBroker[] = [
      { brokerId: 0, rack: 'a' }, { brokerId: 1, rack: 'b' }, { brokerId: 2, rack: 'c' }, { brokerId: 3, rack: 'a' },
      { brokerId: 4, rack: 'a' }, { brokerId: 5, rack: 'c' },
    ]
    expect(rackAlternated(brokers).map((b) => b.brokerId)).toEqual([0, 1, 2, 3, 5, 4])
    const rackOf = new Map(brokers.map((b) => [b.brokerId, b.rack]))
    for (const start of [0, 1, 2, 3, 4, 5]) {
      const placed = placeReplicas({ brokers, partitions: 12, replicationFactor: 3, startIndex: start })
      for (const r of placed) expect(new Set(r.map((b) => rackOf.get(b))).size).toBe(3)
    }
    // More replicas than racks: every rack used, then any broker not used yet.
    for (const r of placeReplicas({ brokers, partitions: 12, replicationFactor: 5, startIndex: 1 })) {
      expect(new Set(r).size).toBe(5)
      expect(new Set(r.map((b) => rackOf.get(b))).size).toBe(3)
    }
  })

  it('refuses a replication factor above the broker count, or below 1', () => {
    for (const rf of [0, 4, 1.5]) {
      let caught: unknown
      try {
        placeReplicas({ brokers: noRacks([1, 2, 3]), partitions: 1, replicationFactor: rf })
      } catch (err) {
        caught = err
      }
      expect(caught instanceof FaecieError && caught.code).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
    }
  })
})
