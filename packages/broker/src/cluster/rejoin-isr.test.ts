// A joining broker gives up its ISR seats (rejoin-isr.ts): the pure rule, case by case, and that every
// state it writes is a legal transition (the store asserts the same on write).
import { describe, expect, it } from 'vitest'
import { leaveIsr } from './rejoin-isr.js'
import { assertPartitionTransition, type PartitionState } from './partition-state.js'

const base: PartitionState = { leader: 1, leaderEpoch: 4, partitionEpoch: 9, isr: [1, 2, 3], replicas: [1, 2, 3] }

function left(state: PartitionState, brokerId: number): PartitionState | undefined {
  const next = leaveIsr(state, brokerId)
  if (next !== undefined) assertPartitionTransition('t-0', state, next)
  return next
}

describe('leaveIsr', () => {
  it('a follower leaves the ISR; the leader and its epoch stay', () => {
    expect(left(base, 2)).toEqual({ ...base, isr: [1, 3], partitionEpoch: 10 })
  })

  it('the leader leaves too: no leader, at a new epoch, for the controller to elect one of the others', () => {
    expect(left(base, 1)).toEqual({ ...base, leader: -1, leaderEpoch: 5, isr: [2, 3], partitionEpoch: 10 })
  })

  it('the only member that leads stays, at a new epoch', () => {
    expect(left({ ...base, isr: [1] }, 1)).toEqual({ ...base, isr: [1], leaderEpoch: 5, partitionEpoch: 10 })
  })

  it('changes nothing for the only member of an offline partition, nor for a broker not in the ISR', () => {
    expect(left({ ...base, leader: -1, isr: [3] }, 3)).toBeUndefined()
    expect(left({ ...base, isr: [1, 3] }, 2)).toBeUndefined()
  })
})
