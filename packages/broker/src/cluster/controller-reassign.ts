// The controller's decisions about partition reassignments (KIP-455) and preferred-leader elections,
// as pure functions of a partition's state: controller-reassign-admin.ts runs them for the ops
// (alterPartitionReassignments, electLeaders) and controller.ts for its passes (completions); every
// write is a fenced compare-and-swap (metadata-store.ts).
//
//   original O = replicas - adding (as Kafka: what a cancel goes back to; the replicas when no move runs)
//   alter, target T: replicas = T ++ (O - T) ++ kept, adding = T - O, removing = (O - T) ++ kept,
//     partitionEpoch + 1, the leader unchanged. A new target while a move runs replaces it, still from
//     O: replicas an earlier move was adding that are in neither O nor T are dropped at once (from the
//     ISR too), except `kept`: the current leader (never dropped that way; it stays removing until
//     the completion moves the leadership) and in-sync ones when the partition has no leader or they
//     are its only live in-sync replicas (never delete copies it needs). T equal to the current target
//     changes nothing. A kept replica counts as original from then on (a cancel keeps it).
//   cancel (target null): back to replicas - adding (in that order), adding left out of the ISR;
//     refused (ELIGIBLE_LEADERS_NOT_AVAILABLE) when that leaves the ISR empty (only the new replicas
//     are in sync: giving them up would be unclean) or leaves no live ISR member while there is one
//     now (the live copies are being added: the cancel would take the partition offline and delete them).
//   complete (the controller's pass), once every adding replica is in the ISR:
//     replicas = T, ISR = ISR & T, leader kept if in T, else the first live member of the new ISR in T
//     order at a new leader epoch; adding and removing cleared. Waits while the new ISR would be empty
//     or has no live member to lead.
//   preferred election: replicas[0] leads if it is live (registered, not shutting down) and in the ISR.
// A leader change always bumps leaderEpoch; never an unclean election (a leader always comes from the ISR).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClusterState } from './cluster-state.js'
import type { Versioned } from './metadata-store.js'
import { isReassigning, targetReplicas, type PartitionState } from './partition-state.js'

export type AlterDecision = { kind: 'write'; next: PartitionState } | { kind: 'noop' } | { kind: 'error'; error: FaecieError }
export type ElectDecision = { kind: 'write'; next: PartitionState } | { kind: 'error'; error: FaecieError }

/** Brokers that may lead: registered, and not shutting down (a controlled shutdown moves leadership away). */
export function eligibleBrokers(state: Pick<ClusterState, 'brokers'>): Set<number> {
  return new Set([...state.brokers.values()].filter((b) => b.shuttingDown !== true).map((b) => b.brokerId))
}

/** The state `state` with these moves (absent when empty, as etcd keeps a partition not moving). */
function withMoves(state: Omit<PartitionState, 'addingReplicas' | 'removingReplicas'>, adding: number[], removing: number[]): PartitionState {
  const next: PartitionState = { leader: state.leader, leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch, isr: state.isr, replicas: state.replicas }
  if (adding.length > 0) next.addingReplicas = adding
  if (removing.length > 0) next.removingReplicas = removing
  return next
}

/** The first of `order` in `isr` that is live, or -1. */
function pickLeader(order: number[], isr: number[], live: ReadonlySet<number>): number {
  return order.find((b) => isr.includes(b) && live.has(b)) ?? -1
}

/** A replica list a client sent: at least one broker, none twice, every one registered. */
export function checkTarget(name: string, target: number[], registered: ReadonlySet<number>): FaecieError | undefined {
  if (target.length === 0) return invalid(`${name}: an empty replica list.`)
  if (new Set(target).size !== target.length) return invalid(`${name}: replica list ${JSON.stringify(target)} names a broker twice.`)
  const unknown = target.filter((b) => !registered.has(b))
  if (unknown.length > 0) return invalid(`${name}: replica list ${JSON.stringify(target)} names broker(s) ${unknown.join(', ')}, not registered.`)
  return undefined
}

/** What alterPartitionReassignments does to one partition (target null: cancel). */
export function decideAlter(name: string, state: PartitionState, target: number[] | null, registered: ReadonlySet<number>,
  live: ReadonlySet<number>): AlterDecision {
  if (target === null) return decideCancel(name, state, live)
  const bad = checkTarget(name, target, registered)
  if (bad !== undefined) return { kind: 'error', error: bad }
  if (same(target, targetReplicas(state))) return { kind: 'noop' }
  const original = originalReplicas(state)
  const stray = state.replicas.filter((b) => !original.includes(b) && !target.includes(b))
  // In-sync strays stay when dropping them would leave no live in-sync replica while there is one now,
  // or the partition has no leader (never delete the copies a partition may need to come back).
  const isrAfter = state.isr.filter((b) => !stray.includes(b) || b === state.leader)
  const keepInSync = state.leader === -1 || (state.isr.some((b) => live.has(b)) && !isrAfter.some((b) => live.has(b)))
  const kept = stray.filter((b) => b === state.leader || (keepInSync && state.isr.includes(b)))
  const dropped = stray.filter((b) => !kept.includes(b))
  const adding = target.filter((b) => !original.includes(b))
  const removing = [...original.filter((b) => !target.includes(b)), ...kept]
  const replicas = [...target, ...removing]
  const isr = state.isr.filter((b) => !dropped.includes(b))
  return { kind: 'write', next: withMoves({ ...state, isr, replicas, partitionEpoch: state.partitionEpoch + 1 }, adding, removing) }
}

/** What a cancel goes back to: the replicas minus those being added (Kafka's origin replicas). */
export function originalReplicas(state: PartitionState): number[] {
  const adding = state.addingReplicas ?? []
  return state.replicas.filter((b) => !adding.includes(b))
}

function decideCancel(name: string, state: PartitionState, live: ReadonlySet<number>): AlterDecision {
  if (!isReassigning(state)) return { kind: 'error', error: new FaecieError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `No reassignment of ${name} is in progress.`) }
  const adding = state.addingReplicas ?? []
  const replicas = originalReplicas(state)
  const isr = state.isr.filter((b) => !adding.includes(b))
  if (isr.length === 0) {
    return { kind: 'error', error: new FaecieError(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      `${name}: only the replicas being added (${adding.join(', ')}) are in sync; cancelling would leave no in-sync replica (never an unclean election).`) }
  }
  if (state.isr.some((b) => live.has(b)) && !isr.some((b) => live.has(b))) {
    return { kind: 'error', error: new FaecieError(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
      `${name}: the only live in-sync replicas (${state.isr.filter((b) => live.has(b)).join(', ')}) are being added; cancelling would take the partition offline and delete them.`) }
  }
  const leader = isr.includes(state.leader) ? state.leader : pickLeader(replicas, isr, live)
  const leaderEpoch = leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1
  return { kind: 'write', next: withMoves({ leader, leaderEpoch, partitionEpoch: state.partitionEpoch + 1, isr, replicas }, [], []) }
}

/** The state that completes a running move, or undefined: not moving, or not ready yet. */
export function decideCompletion(state: PartitionState, live: ReadonlySet<number>): PartitionState | undefined {
  if (!isReassigning(state)) return undefined
  if (!(state.addingReplicas ?? []).every((b) => state.isr.includes(b))) return undefined
  const target = targetReplicas(state)
  const isr = state.isr.filter((b) => target.includes(b))
  if (isr.length === 0) return undefined
  const leader = target.includes(state.leader) ? state.leader : pickLeader(target, isr, live)
  if (leader === -1) return undefined
  const leaderEpoch = leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1
  return withMoves({ leader, leaderEpoch, partitionEpoch: state.partitionEpoch + 1, isr, replicas: target }, [], [])
}

export interface CompletionWrite {
  topic: string
  partition: number
  expected: Versioned<PartitionState>
  next: PartitionState
}

/** Every move ready to complete, in topic then partition order. */
export function decideCompletions(partitions: ReadonlyMap<string, ReadonlyMap<number, Versioned<PartitionState>>>,
  live: ReadonlySet<number>): CompletionWrite[] {
  const writes: CompletionWrite[] = []
  for (const topic of [...partitions.keys()].sort()) {
    const byPartition = partitions.get(topic)!
    for (const partition of [...byPartition.keys()].sort((a, b) => a - b)) {
      const expected = byPartition.get(partition)!
      const next = decideCompletion(expected.value, live)
      if (next !== undefined) writes.push({ topic, partition, expected, next })
    }
  }
  return writes
}

/** electLeaders(preferred) for one partition. */
export function decidePreferredElection(name: string, state: PartitionState, live: ReadonlySet<number>): ElectDecision {
  const preferred = state.replicas[0]!
  if (state.leader === preferred) return { kind: 'error', error: new FaecieError(ErrorCode.ELECTION_NOT_NEEDED, `${name} is led by its preferred replica, broker ${preferred}.`) }
  if (!live.has(preferred) || !state.isr.includes(preferred)) {
    return { kind: 'error', error: new FaecieError(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
      `${name}: the preferred replica, broker ${preferred}, is ${live.has(preferred) ? `not in the ISR ${JSON.stringify(state.isr)}` : 'not alive (or shutting down)'}.`) }
  }
  return { kind: 'write', next: { ...state, leader: preferred, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 } }
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function invalid(message: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message)
}
