// The controller's decisions about partition states, as a pure function: cluster state in, the
// partition-state writes that bring it in line with which brokers are alive out (Kafka's
// controller: offline replicas leave the ISR, OfflinePartitionLeaderElection, and, when asked,
// PreferredReplicaPartitionLeaderElection). controller.ts writes them by compare-and-swap.
//
// For each partition, with `live` the registered brokers:
//   - the ISR loses every broker that is not live, unless that would leave it empty: a partition
//     with no live ISR member keeps its last ISR and has leader -1 (never an unclean election: only
//     a broker of the ISR can lead, since only it surely has every acknowledged record);
//   - a leader that is not live (or -1) is replaced by the first replica, in assignment order, that
//     is a live ISR member;
//   - with `preferred`, a live ISR member that is the partition's first replica (its preferred
//     leader) takes the lead back;
//   - controlled shutdown (KIP-143's ControlledShutdown, KRaft's enterControlledShutdown): a broker
//     in `shuttingDown` (its registration says so) is live but not eligible. It loses the lead to
//     the first other live ISR member in assignment order and leaves the ISR, whenever the ISR has
//     a live member that is not shutting down; the preferred-leader check never picks it. A
//     partition whose live ISR holds only shutting-down brokers keeps them, and keeps its leader if
//     that one is live (nobody else holds every acknowledged record): such a broker waits, and stops
//     after its timeout. It is made the leader of a partition it did not lead only when the live ISR
//     holds nothing but shutting-down brokers (better than an offline partition, for a few seconds);
//   - any change bumps partitionEpoch by one; a change of leader (to -1 too) bumps leaderEpoch.
// Applied to its own output the function asks for nothing more (a fixed point), so the controller
// may run it after every change it sees.
import type { PartitionState } from './partition-state.js'
import type { Versioned } from './metadata-store.js'

export interface PartitionWrite {
  topic: string
  partition: number
  /** The state read, with its revision: the compare of the swap. */
  expected: Versioned<PartitionState>
  next: PartitionState
  reason: 'isr-shrink' | 'leader-election' | 'offline' | 'preferred-leader'
}

export interface DecisionInput {
  /** Broker ids with a registration in etcd (a live session). */
  live: ReadonlySet<number>
  /** By topic, then partition. */
  partitions: ReadonlyMap<string, ReadonlyMap<number, Versioned<PartitionState>>>
  /** Give leadership back to preferred replicas (the controller's periodic check). */
  preferred: boolean
  /** Live brokers in controlled shutdown (their registration's shuttingDown): not eligible. */
  shuttingDown?: ReadonlySet<number>
}

const NONE: ReadonlySet<number> = new Set()

/** The live brokers whose registration says they are shutting down. */
export function shuttingDownOf(brokers: ReadonlyMap<number, { shuttingDown?: boolean }>): Set<number> {
  return new Set([...brokers].filter(([, b]) => b.shuttingDown === true).map(([id]) => id))
}

/** The writes that bring every partition in line with `live`, in topic then partition order. */
export function decidePartitionWrites(input: DecisionInput): PartitionWrite[] {
  const writes: PartitionWrite[] = []
  const topics = [...input.partitions.keys()].sort()
  for (const topic of topics) {
    const partitions = input.partitions.get(topic)!
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const expected = partitions.get(partition)!
      const decided = decidePartition(expected.value, input.live, input.preferred, input.shuttingDown)
      if (decided !== undefined) writes.push({ topic, partition, expected, ...decided })
    }
  }
  return writes
}

/** The next state of one partition, or undefined when it is as it should be. */
export function decidePartition(state: PartitionState, live: ReadonlySet<number>, preferred: boolean,
  shuttingDown: ReadonlySet<number> = NONE): { next: PartitionState; reason: PartitionWrite['reason'] } | undefined {
  const liveIsr = state.isr.filter((b) => live.has(b))
  if (liveIsr.length === 0) {
    // Offline: nobody may lead; the last ISR is kept so that only one of them can lead again.
    if (state.leader === -1) return undefined
    return { next: { ...state, leader: -1, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }, reason: 'offline' }
  }
  // Those that may lead and stay in the ISR: live and not shutting down; when none is, every live member.
  const eligibleIsr = liveIsr.filter((b) => !shuttingDown.has(b))
  const keep = eligibleIsr.length > 0 ? eligibleIsr : liveIsr
  const isr = keep.length === state.isr.length ? state.isr : keep
  let leader = state.leader
  let reason: PartitionWrite['reason'] = 'isr-shrink'
  if (leader === -1 || !keep.includes(leader)) {
    // The first replica in assignment order that may lead (Kafka's choice); an ISR member missing
    // from the replicas cannot happen (asserted on every write), but would still lead.
    leader = state.replicas.find((b) => keep.includes(b)) ?? keep[0]!
    reason = 'leader-election'
  }
  const preferredLeader = state.replicas[0]
  if (preferred && preferredLeader !== undefined && leader !== preferredLeader && eligibleIsr.includes(preferredLeader)) {
    leader = preferredLeader
    reason = 'preferred-leader'
  }
  if (leader === state.leader && isr === state.isr) return undefined
  const leaderEpoch = leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1
  return { next: { ...state, leader, leaderEpoch, partitionEpoch: state.partitionEpoch + 1, isr: [...isr] }, reason }
}
