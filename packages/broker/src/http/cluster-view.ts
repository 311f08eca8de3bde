// The cluster as GET /v1/cluster answers it (issue 14), computed here from
// plain inputs (the registered brokers, the controller, each partition's state in etcd) so that the
// rules are unit-tested without a cluster (cluster-view.test.ts). The routes are cluster-routes.ts.
//
// Per broker: `state` is live, shuttingDown (its registration says so: controlled shutdown), or
// offline (named in some partition's replicas but not registered: killed, or its session expired);
// `leaderships` counts the partitions it leads; `underReplicated` counts the partitions it leads whose
// ISR is smaller than their target replica set (Kafka's UnderReplicatedPartitions; while a move runs
// the target is the replicas minus those being removed, as in KIP-455, so a move alone is not
// under-replication). Partitions without a leader are offline and counted once, cluster-wide.

/** A registered broker as describeCluster names it. */
export interface RegisteredBroker {
  brokerId: number
  url: string
  rack: string | null
  shuttingDown?: boolean
}

/** One partition's state in etcd (cluster/partition-state.ts), as the view needs it. */
export interface PartitionReplicas {
  topic: string
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
  addingReplicas?: number[]
  removingReplicas?: number[]
}

export type BrokerState = 'live' | 'shuttingDown' | 'offline'

export interface ClusterBrokerView {
  brokerId: number
  /** ws://HOST:PORT as clients reach it; null for an offline broker (no registration to tell). */
  url: string | null
  rack: string | null
  state: BrokerState
  controller: boolean
  leaderships: number
  underReplicated: number
}

export interface UnderReplicatedPartition {
  topic: string
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}

export interface ClusterView {
  controllerId: number
  brokers: ClusterBrokerView[]
  partitions: number
  underReplicatedPartitions: number
  offlinePartitions: number
  /** The under-replicated and offline partitions, the first `listedMax` (by topic, partition). */
  underReplicated: UnderReplicatedPartition[]
  /** True when more partitions are under-replicated or offline than `underReplicated` lists. */
  underReplicatedTruncated: boolean
}

/** The size of the replica set a partition should have in sync: the move's target while one runs. */
export function targetReplicaCount(p: PartitionReplicas): number {
  return p.replicas.length - (p.removingReplicas?.length ?? 0)
}

/** Whether the partition's leader has fewer in-sync replicas than its target replica set. */
export function isUnderReplicated(p: PartitionReplicas): boolean {
  return p.leader >= 0 && p.isr.length < targetReplicaCount(p)
}

/** The cluster's summary; `listedMax` bounds the list of unhealthy partitions. */
export function clusterView(brokers: RegisteredBroker[], controllerId: number, partitions: Iterable<PartitionReplicas>, listedMax: number): ClusterView {
  if (!Number.isSafeInteger(listedMax) || listedMax < 0) throw new RangeError(`listedMax must be a whole number >= 0, not ${listedMax}`)
  const views = new Map<number, ClusterBrokerView>()
  for (const b of brokers) {
    views.set(b.brokerId, { brokerId: b.brokerId, url: b.url, rack: b.rack, state: b.shuttingDown === true ? 'shuttingDown' : 'live',
      controller: b.brokerId === controllerId, leaderships: 0, underReplicated: 0 })
  }
  const offlineBroker = (brokerId: number): ClusterBrokerView => {
    let view = views.get(brokerId)
    if (view === undefined) {
      view = { brokerId, url: null, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 }
      views.set(brokerId, view)
    }
    return view
  }
  let count = 0
  let underReplicatedCount = 0
  let offline = 0
  const unhealthy: UnderReplicatedPartition[] = []
  for (const p of partitions) {
    count++
    for (const id of p.replicas) offlineBroker(id)
    const under = isUnderReplicated(p)
    if (p.leader >= 0) {
      const leader = offlineBroker(p.leader)
      leader.leaderships++
      if (under) leader.underReplicated++
    } else {
      offline++
    }
    if (under) underReplicatedCount++
    if (under || p.leader < 0) unhealthy.push({ topic: p.topic, partition: p.partition, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })
  }
  unhealthy.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  return {
    controllerId,
    brokers: [...views.values()].sort((a, b) => a.brokerId - b.brokerId),
    partitions: count,
    underReplicatedPartitions: underReplicatedCount,
    offlinePartitions: offline,
    underReplicated: unhealthy.slice(0, listedMax),
    underReplicatedTruncated: unhealthy.length > listedMax,
  }
}
