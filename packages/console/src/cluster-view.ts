// What the console shows of a cluster, computed from the ops' answers (describeCluster, metadata,
// listPartitionReassignments) by plain functions, unit-tested in cluster-view.test.ts. The broker's
// GET /v1/cluster applies the same rules (packages/broker/src/http/cluster-view.ts):
//   - a broker is live, shutting down (controlled shutdown), or offline: named in some partition's
//     replicas but not registered (killed, or its session ran out);
//   - leaderships: the partitions it leads; under-replicated: those it leads whose ISR is smaller than
//     the target replica set (while a move runs, the replicas minus those being removed: KIP-455);
//   - partitions without a leader are offline, counted once for the cluster.
// Counts cover the topics metadata lists (internal topics are left out, as everywhere in the console).
// A single broker answers describeCluster as a cluster of one: itself, live, the controller.
import { ErrorCode, FaecieError, type DescribeClusterResponse, type MetadataPartition, type MetadataTopic, type OngoingReassignment } from '@faecie/protocol'

export type BrokerState = 'live' | 'shuttingDown' | 'offline'

export interface BrokerRow {
  brokerId: number
  /** ws://HOST:PORT; undefined for an offline broker. */
  url: string | undefined
  rack: string | null
  state: BrokerState
  controller: boolean
  leaderships: number
  underReplicated: number
}

export interface ClusterSummary {
  mode: 'single' | 'cluster'
  controllerId: number
  brokers: BrokerRow[]
  partitions: number
  underReplicated: number
  offline: number
}

/** How often the reassignments view asks while a move runs, and while none does. */
export const REASSIGNMENT_REFRESH_RUNNING_MS = 2_000
export const REASSIGNMENT_REFRESH_IDLE_MS = 10_000

/** A partition's move as the topic page and the reassignments view need it. */
export interface PartitionMove {
  addingReplicas: number[]
  removingReplicas: number[]
}

/** How many replicas should be in sync: the move's target while one runs. */
export function targetReplicaCount(replicas: number[], move?: PartitionMove): number {
  return replicas.length - (move?.removingReplicas.length ?? 0)
}

export function isUnderReplicated(p: Pick<MetadataPartition, 'leader' | 'replicas' | 'isr'>, move?: PartitionMove): boolean {
  const replicas = p.replicas ?? [p.leader]
  const isr = p.isr ?? [p.leader]
  return p.leader >= 0 && isr.length < targetReplicaCount(replicas, move)
}

/** The moves in progress by `topic-partition`. */
export function movesByPartition(moves: OngoingReassignment[]): Map<string, OngoingReassignment> {
  return new Map(moves.map((m) => [`${m.topic}-${m.partition}`, m]))
}

/** Every broker (registered, or named in replicas), with its state, leaderships and under-replicated count. */
export function summarizeCluster(cluster: DescribeClusterResponse, topics: MetadataTopic[], moves: OngoingReassignment[] = []): ClusterSummary {
  const rows = new Map<number, BrokerRow>()
  for (const b of cluster.brokers) {
    rows.set(b.brokerId, { brokerId: b.brokerId, url: b.url, rack: b.rack, state: b.shuttingDown === true ? 'shuttingDown' : 'live',
      controller: b.brokerId === cluster.controllerId, leaderships: 0, underReplicated: 0 })
  }
  const row = (brokerId: number): BrokerRow => {
    let found = rows.get(brokerId)
    if (found === undefined) {
      found = { brokerId, url: undefined, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 }
      rows.set(brokerId, found)
    }
    return found
  }
  const byPartition = movesByPartition(moves)
  let partitions = 0
  let underReplicated = 0
  let offline = 0
  for (const t of topics) {
    if (t.internal) continue
    for (const p of t.partitions) {
      partitions++
      for (const id of p.replicas ?? []) row(id)
      if (p.leader < 0) {
        offline++
        continue
      }
      const leader = row(p.leader)
      leader.leaderships++
      if (isUnderReplicated(p, byPartition.get(`${t.topic}-${p.partition}`))) {
        leader.underReplicated++
        underReplicated++
      }
    }
  }
  return { mode: cluster.mode, controllerId: cluster.controllerId, brokers: [...rows.values()].sort((a, b) => a.brokerId - b.brokerId), partitions, underReplicated, offline }
}

/** The label of a broker's state. */
export function stateLabel(state: BrokerState): string {
  return state === 'shuttingDown' ? 'shutting down' : state
}

/** listPartitionReassignments refused because the broker does not have it (yet): nothing to show. */
export function isNotBuilt(err: unknown): boolean {
  return err instanceof FaecieError && (err.code === ErrorCode.UNSUPPORTED_VERSION || /UNKNOWN_OP/.test(err.errorName) || /not built yet/.test(err.message))
}

/** One replica list as text: `1, 2, 3`; replicas being added marked `+4`, being removed `-3`. */
export function replicaList(replicas: number[], move?: PartitionMove): string {
  if (replicas.length === 0) return '–'
  return replicas.map((id) => (move?.addingReplicas.includes(id) === true ? `+${id}` : move?.removingReplicas.includes(id) === true ? `-${id}` : String(id))).join(', ')
}

/** How far a move is: the adding replicas that are in the ISR already, of all adding. */
export function moveProgress(move: OngoingReassignment): { inSync: number; adding: number } {
  return { inSync: move.addingReplicas.filter((id) => move.isr.includes(id)).length, adding: move.addingReplicas.length }
}

/** The move's target: its replicas without those being removed. */
export function moveTarget(move: PartitionMove & { replicas: number[] }): number[] {
  return move.replicas.filter((id) => !move.removingReplicas.includes(id))
}
