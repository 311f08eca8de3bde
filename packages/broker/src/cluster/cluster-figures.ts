// Small pure pieces of the cluster runtime (cluster-runtime.ts) over etcd's watched state: the
// leadership gate, the partition counts the metrics report, the push of a topic's changed config to
// this broker's replicas, and the mirror of etcd's topics to the coordinator's consumer groups.
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { LocalPartitionRole } from '../gateway/context.js'
import type { Limits } from '../gateway/limits.js'
import type { Logger } from '../log.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import { partitionConfigOf } from '../topics/config.js'
import type { ClusterState } from './cluster-state.js'
import type { PartitionState } from './metadata-store.js'

/**
 * The leadership gate: the reconciler applied leadership at the epoch etcd names now, and the
 * broker's session is live at this instant (BrokerSession.liveNow, read from the monotonic clock).
 */
export function isLeaderNow(brokerId: number, applied: LocalPartitionRole | undefined, state: PartitionState | undefined, sessionLiveNow: boolean): boolean {
  return sessionLiveNow && applied !== undefined && applied.role === 'leader' && state !== undefined &&
    state.leader === brokerId && applied.leader === brokerId && applied.leaderEpoch === state.leaderEpoch
}

/** Partitions `brokerId` leads (in etcd) whose ISR is smaller than their replicas (Kafka's UnderReplicatedPartitions). */
export function underReplicatedLedBy(state: ClusterState, brokerId: number): number {
  let count = 0
  for (const partitions of state.partitions.values()) {
    for (const { value } of partitions.values()) if (value.leader === brokerId && value.isr.length < value.replicas.length) count++
  }
  return count
}

/** Partitions without a leader (Kafka's OfflinePartitionsCount, which the controller reports). */
export function offlinePartitionCount(state: ClusterState): number {
  let count = 0
  for (const partitions of state.partitions.values()) for (const { value } of partitions.values()) if (value.leader === -1) count++
  return count
}

/**
 * Pushes a topic's config, when etcd's copy changed, to this broker's replicas of it (a replica is
 * opened by the reconciler with the config of that moment; alterTopicConfig changes it later).
 */
export class TopicConfigPush {
  /** Each topic's config as last seen (JSON) at its key's mod revision. */
  readonly #seen = new Map<string, { modRevision: number; json: string }>()

  constructor(private readonly o: {
    partitions: Pick<PartitionManager, 'updateConfig'>
    limits: Pick<Limits, 'batchBytesMax'>
    logger: Logger
    hasReplica: (topic: string, partition: number) => boolean
  }) {}

  apply(state: ClusterState): void {
    for (const name of this.#seen.keys()) if (!state.topics.has(name)) this.#seen.delete(name)
    for (const [name, record] of state.topics) {
      const known = this.#seen.get(name)
      if (known?.modRevision === record.modRevision) continue
      const json = JSON.stringify(record.value.config)
      this.#seen.set(name, { modRevision: record.modRevision, json })
      if (known === undefined || known.json === json) continue
      const config = partitionConfigOf(record.value.config, this.o.limits)
      for (let p = 0; p < record.value.partitions; p++) {
        if (!this.o.hasReplica(name, p)) continue
        this.o.partitions.updateConfig(name, p, config)
          .catch((err: unknown) => this.o.logger.warn({ err, topic: name, partition: p }, 'a topic config change not applied to a replica'))
      }
    }
  }
}

/**
 * Keeps `send` told of etcd's topics (the coordinator's consumer groups see them): once at start,
 * then after each change of a topic key, one call at a time; changes while one is on its way make
 * one more call after it, with the list of that moment. A put raises the largest mod revision and a
 * delete shrinks the map, so (largest revision, count) changes with every topic change.
 */
export class TopicsMirror {
  #sent = ''
  #inFlight = false
  #dirty = false

  constructor(private readonly o: {
    state: () => ClusterState
    topics: () => TopicMeta[]
    send: (topics: TopicMeta[]) => Promise<unknown>
    logger: Logger
  }) {}

  /** Call on every state change; resolves once the list of this moment (or a later one) was sent. */
  async changed(): Promise<void> {
    if (this.#signature() === this.#sent) return
    if (this.#inFlight) {
      this.#dirty = true
      return
    }
    this.#inFlight = true
    try {
      do {
        this.#dirty = false
        this.#sent = this.#signature()
        await this.o.send(this.o.topics()).catch((err: unknown) => {
          this.#sent = ''
          this.o.logger.warn({ err }, 'the coordinator was not told of the cluster\'s topics')
        })
      } while (this.#dirty)
    } finally {
      this.#inFlight = false
    }
  }

  #signature(): string {
    const { topics } = this.o.state()
    let max = 0
    for (const record of topics.values()) max = Math.max(max, record.modRevision)
    return `${max}/${topics.size}`
  }
}
