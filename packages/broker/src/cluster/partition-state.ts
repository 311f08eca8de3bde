// A partition's state in etcd (partitions/<topic>/<p>, keys.ts) and the rules every change of it
// obeys, asserted on every write (metadata-store.ts) and property-tested against the controller's
// decisions (controller-decisions.test.ts):
//   - the partition epoch goes up by exactly one per change;
//   - the leader epoch never goes back, and a new leader (or none: -1) comes with a higher one;
//   - the leader is in the ISR, or -1;
//   - the ISR is within the replicas and never empty (a partition with no live ISR member keeps its last ISR);
//   - the replicas name each broker once; a reassignment's adding and removing replicas (KIP-455) are
//     within the replicas and disjoint, and the target (replicas minus removing) is never empty.

import { strict as assert } from 'node:assert'

export interface PartitionState {
  /** The leading broker, or -1 when no replica of the ISR is alive. */
  leader: number
  leaderEpoch: number
  partitionEpoch: number
  isr: number[]
  /** While a reassignment runs (KIP-455): the target first, then the replicas being removed. */
  replicas: number[]
  /** A reassignment in progress: the target's brokers that were not replicas before. Absent: none. */
  addingReplicas?: number[]
  /** A reassignment in progress: the replicas of before that the target drops. Absent: none. */
  removingReplicas?: number[]
}

/** A new partition: led by its first replica (the preferred leader), every replica in the ISR. */
export function initialPartitionState(replicas: number[]): PartitionState {
  assert(replicas.length > 0 && new Set(replicas).size === replicas.length, `bad replica list ${JSON.stringify(replicas)}`)
  return { leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0, isr: [...replicas], replicas: [...replicas] }
}

/** Asserts the invariants of one state on its own. */
export function assertPartitionState(name: string, state: PartitionState): void {
  assert(state.leader === -1 || state.isr.includes(state.leader), `${name}: leader ${state.leader} not in the ISR ${JSON.stringify(state.isr)}`)
  assert(state.isr.length > 0, `${name}: empty ISR`)
  assert(new Set(state.isr).size === state.isr.length, `${name}: ISR ${JSON.stringify(state.isr)} names a broker twice`)
  assert(state.isr.every((b) => state.replicas.includes(b)), `${name}: ISR ${JSON.stringify(state.isr)} not within replicas ${JSON.stringify(state.replicas)}`)
  assert(state.replicas.length > 0 && new Set(state.replicas).size === state.replicas.length, `${name}: bad replica list ${JSON.stringify(state.replicas)}`)
  const adding = state.addingReplicas ?? []
  const removing = state.removingReplicas ?? []
  const where = `${name}: adding ${JSON.stringify(adding)}, removing ${JSON.stringify(removing)}, replicas ${JSON.stringify(state.replicas)}`
  assert([...adding, ...removing].every((b) => state.replicas.includes(b)), `${where}: a moving replica not among the replicas`)
  assert(new Set([...adding, ...removing]).size === adding.length + removing.length, `${where}: a replica named twice, or both added and removed`)
  assert(removing.length < state.replicas.length, `${where}: the target would be empty`)
}

/** Whether a reassignment (KIP-455) is in progress. */
export function isReassigning(state: PartitionState): boolean {
  return (state.addingReplicas?.length ?? 0) > 0 || (state.removingReplicas?.length ?? 0) > 0
}

/** The replicas a partition is moving to (all of them when no move runs): replicas minus those being removed. */
export function targetReplicas(state: PartitionState): number[] {
  const removing = state.removingReplicas ?? []
  return state.replicas.filter((b) => !removing.includes(b))
}

/** Asserts that `to` may follow `from`. */
export function assertPartitionTransition(name: string, from: PartitionState, to: PartitionState): void {
  assert(to.partitionEpoch === from.partitionEpoch + 1, `${name}: partition epoch ${from.partitionEpoch} -> ${to.partitionEpoch}`)
  assert(to.leaderEpoch >= from.leaderEpoch, `${name}: leader epoch went back from ${from.leaderEpoch} to ${to.leaderEpoch}`)
  assert(to.leader !== from.leader ? to.leaderEpoch > from.leaderEpoch : true, `${name}: new leader ${to.leader} without a new leader epoch`)
  assertPartitionState(name, to)
}
