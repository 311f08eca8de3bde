// listPartitionReassignments (KIP-455) from the cluster state a broker watches: every partition whose
// state names replicas being added or removed, with its replicas, ISR and leader, so that a watcher
// sees a move progress; and the replication throttle in force. Any broker answers from its own watch
// of etcd, so an answer may trail the controller's last write by a watch event.
import type { OngoingReassignment, OpRequest, OpResponse } from '@faecie/protocol'
import type { ClusterState } from './cluster-state.js'
import { isReassigning } from './partition-state.js'

export function listReassignments(state: ClusterState, request: OpRequest<'listPartitionReassignments'>): OpResponse<'listPartitionReassignments'> {
  const wanted = request.topics === undefined ? undefined : new Set(request.topics)
  const reassignments: OngoingReassignment[] = []
  for (const topic of [...state.partitions.keys()].sort()) {
    if ((wanted !== undefined && !wanted.has(topic)) || !state.topics.has(topic)) continue
    const partitions = state.partitions.get(topic)!
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const p = partitions.get(partition)!.value
      if (!isReassigning(p)) continue
      reassignments.push({ topic, partition, replicas: [...p.replicas], addingReplicas: [...(p.addingReplicas ?? [])],
        removingReplicas: [...(p.removingReplicas ?? [])], isr: [...p.isr], leader: p.leader })
    }
  }
  return { reassignments, throttleBytesPerSec: state.reassignmentThrottleBytesPerSec }
}
