// Who leads what, as the nemesis sees it when it picks a fault's target (issue 15): the `metadata`
// answers of every running broker merged into one view. A broker cut off, paused a while ago, or just
// restarted may answer with a stale view (an old leader, an old controller), and the first broker in
// id order may be exactly that one: so each partition's leader is taken from the answer with the
// highest leader epoch (epochs only grow, with every change of leader), and the controller is the one
// most answers name (ties: the lowest id among the named ones).
//
//   mergeViews('t', [{ brokerId: 1, answer }, { brokerId: 2, answer }])
//     -> { controllerId: 2, partitions: Map { 0 => { leader: 3, leaderEpoch: 5, replicas: [3, 1, 2], from: 2 } } }
import type { MetadataResponse } from '@faecie/protocol'

export interface BrokerAnswer {
  /** Who answered. */
  brokerId: number
  answer: MetadataResponse
}

export interface PartitionView {
  /** -1: no leader in the freshest answer. */
  leader: number
  /** -1 when no answer carried one. */
  leaderEpoch: number
  replicas: number[]
  /** The broker whose answer this is. */
  from: number
}

export interface ClusterView {
  /** -1: no answer named a controller. */
  controllerId: number
  /** The topic's partitions by number; a partition no answer described is absent. */
  partitions: Map<number, PartitionView>
  /** The brokers that answered. */
  answered: number[]
}

export function mergeViews(topic: string, answers: BrokerAnswer[]): ClusterView {
  const partitions = new Map<number, PartitionView>()
  const votes = new Map<number, number>()
  for (const { brokerId, answer } of answers) {
    const controller = answer.controllerId ?? -1
    if (controller >= 0) votes.set(controller, (votes.get(controller) ?? 0) + 1)
    const described = answer.topics.find((t) => t.topic === topic)?.partitions ?? []
    for (const p of described) {
      const epoch = p.leaderEpoch ?? -1
      const seen = partitions.get(p.partition)
      // A higher epoch wins; at an equal epoch an answer that names a leader beats one that does not.
      if (seen !== undefined && (epoch < seen.leaderEpoch || (epoch === seen.leaderEpoch && (p.leader < 0 || seen.leader >= 0)))) continue
      partitions.set(p.partition, { leader: p.leader, leaderEpoch: epoch, replicas: [...(p.replicas ?? [])], from: brokerId })
    }
  }
  let controllerId = -1
  let best = 0
  for (const [id, count] of [...votes].sort((a, b) => a[0] - b[0])) {
    if (count > best) [controllerId, best] = [id, count]
  }
  return { controllerId, partitions, answered: answers.map((a) => a.brokerId) }
}

/** The partition's followers: its replicas but the leader. */
export function followersOf(view: PartitionView | undefined): number[] {
  return view === undefined ? [] : view.replicas.filter((id) => id !== view.leader)
}
