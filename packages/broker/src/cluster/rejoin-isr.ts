// What a broker does with its seats in the ISRs when it joins the cluster (at start, and after its
// etcd session was lost and made anew), before it serves anything: it gives them up. The controller
// removes a broker from every ISR when its registration goes, but it may never see it go: a broker
// restarted, or cut off and back, re-registers under a new lease, and if that happened between two
// of the controller's passes the controller sees it registered throughout (there is no broker epoch
// in the ISR, unlike Kafka's KIP-903). Its log may meanwhile be shorter than when it was counted in
// sync (a data dir emptied or replaced, a power loss under flush=interval), and an ISR member is
// electable: so a joining broker counts as out of sync until it has caught up, and the leader's
// ordinary expand puts it back.
//
// Per partition whose ISR names this broker (read fresh, written by compare-and-swap on its
// revision, retried on a conflict):
//   - other members left: it leaves the ISR; if it led, the partition gets leader -1 at a new leader
//     epoch and the controller elects one of those members (an unclean choice is never made);
//   - it is the only member and the leader: it stays, at a new leader epoch, so that its followers
//     truncate against the epoch it leads now and not one it may have lost part of;
//   - it is the only member and not the leader (an offline partition): nothing; the controller
//     elects it, the only broker that may hold the partition's acknowledged records.
import type { Logger } from '../log.js'
import type { ClusterState } from './cluster-state.js'
import { CAS_RETRIES_MAX } from './keys.js'
import { CasConflictError, type EtcdMetadataStore, type PartitionState } from './metadata-store.js'

/** The state after `brokerId` gives up its seat in the ISR; undefined when nothing changes. */
export function leaveIsr(state: PartitionState, brokerId: number): PartitionState | undefined {
  if (!state.isr.includes(brokerId)) return undefined
  const others = state.isr.filter((id) => id !== brokerId)
  const led = state.leader === brokerId
  if (others.length === 0) return led ? { ...state, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 } : undefined
  return {
    ...state,
    isr: others,
    leader: led ? -1 : state.leader,
    leaderEpoch: led ? state.leaderEpoch + 1 : state.leaderEpoch,
    partitionEpoch: state.partitionEpoch + 1,
  }
}

/** Gives up this broker's ISR seats in every partition `state` shows it in; returns how many changed. */
export async function leaveIsrsOnJoin(store: Pick<EtcdMetadataStore, 'getPartition' | 'updatePartition'>, state: ClusterState,
  brokerId: number, logger: Logger): Promise<number> {
  const named: [string, number][] = []
  for (const [topic, partitions] of state.partitions) {
    for (const [partition, versioned] of partitions) if (versioned.value.isr.includes(brokerId)) named.push([topic, partition])
  }
  let changed = 0
  await Promise.all(named.map(async ([topic, partition]) => {
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      const current = await store.getPartition(topic, partition)
      const next = current === undefined ? undefined : leaveIsr(current.value, brokerId)
      if (current === undefined || next === undefined) return
      try {
        await store.updatePartition(topic, partition, current, next)
        changed++
        logger.info({ partition: `${topic}-${partition}`, isr: next.isr, leader: next.leader, leaderEpoch: next.leaderEpoch },
          'joining: left the ISR until caught up')
        return
      } catch (err) {
        if (!(err instanceof CasConflictError)) throw err
      }
    }
    throw new Error(`partition ${topic}-${partition}: the ISR could not be left after ${CAS_RETRIES_MAX} conflicting writes`)
  }))
  return changed
}
