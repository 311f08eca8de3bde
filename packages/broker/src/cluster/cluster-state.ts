// What etcd says about the cluster, as one typed value kept current: the snapshot a reconciler
// compares with what its broker runs. `readClusterState` reads every key under the cluster's prefix
// at one revision (in pages of `pageKeysMax` keys, each page read at the first page's revision, so
// the whole is one consistent cut); `ClusterStateWatch` then watches the prefix from the next
// revision, so no change falls between the read and the watch, and applies each change
// (`applyChange`) before it emits 'change'. A value faecie cannot read (someone wrote the key by
// hand) is left out and logged, never a crash.
import { EventEmitter } from 'node:events'
import { Range, type Etcd3, type IKeyValue, type Watcher } from 'etcd3'
import type { Logger } from '../log.js'
import { parseClusterKey, type ClusterKeys } from './keys.js'
import { revision, type BrokerRegistration, type ControllerFence, type PartitionState, type TopicRecord, type Versioned } from './metadata-store.js'

/** Keys read per range request of a snapshot. */
export const SNAPSHOT_PAGE_KEYS_MAX = 1000

export interface ClusterState {
  /** The etcd revision this state is as of (for a watched state: the last change applied). */
  revision: number
  clusterId: string | undefined
  brokers: Map<number, BrokerRegistration>
  controller: ControllerFence | undefined
  topics: Map<string, Versioned<TopicRecord>>
  assignments: Map<string, number[][]>
  /** By topic, then partition. */
  partitions: Map<string, Map<number, Versioned<PartitionState>>>
  /** The replication throttle of moving replicas (bytes/s per broker), or null: none. */
  reassignmentThrottleBytesPerSec: number | null
}

export function emptyClusterState(): ClusterState {
  return { revision: 0, clusterId: undefined, brokers: new Map(), controller: undefined, topics: new Map(), assignments: new Map(), partitions: new Map(),
    reassignmentThrottleBytesPerSec: null }
}

/** Every key of the cluster, read at one revision. */
export async function readClusterState(client: Etcd3, keys: ClusterKeys, logger: Logger, pageKeysMax = SNAPSHOT_PAGE_KEYS_MAX): Promise<ClusterState> {
  const state = emptyClusterState()
  const { end } = Range.prefix(keys.prefix)
  let start: Buffer = Buffer.from(keys.prefix)
  let atRevision: number | undefined
  for (;;) {
    const builder = client.getAll().inRange(new Range(start, end)).limit(pageKeysMax)
    if (atRevision !== undefined) builder.revision(atRevision)
    const page = await builder.exec()
    atRevision ??= revision(page.header.revision)
    for (const kv of page.kvs) applyChange(state, keys, 'put', kv, logger)
    const last = page.kvs.at(-1)
    if (!page.more || last === undefined) break
    start = Buffer.concat([last.key, Buffer.from([0])])
  }
  state.revision = atRevision
  return state
}

/** Applies one put or delete of a key under the cluster's prefix to `state`. */
export function applyChange(state: ClusterState, keys: ClusterKeys, change: 'put' | 'delete', kv: IKeyValue, logger: Logger): void {
  const key = kv.key.toString()
  const parsed = parseClusterKey(keys, key)
  state.revision = Math.max(state.revision, revision(kv.mod_revision))
  if (parsed === undefined) return
  let value: unknown
  if (change === 'put') {
    try {
      value = JSON.parse(kv.value.toString())
    } catch {
      logger.warn({ key }, 'a cluster key that is not JSON: left out')
      return
    }
  }
  const versioned = <T>(v: unknown): Versioned<T> => ({ value: v as T, modRevision: revision(kv.mod_revision) })
  switch (parsed.kind) {
    case 'cluster-id':
      state.clusterId = typeof value === 'string' ? value : undefined
      break
    case 'broker':
      if (change === 'put') state.brokers.set(parsed.brokerId, value as BrokerRegistration)
      else state.brokers.delete(parsed.brokerId)
      break
    case 'controller':
      state.controller = change === 'put' ? { brokerId: (value as { brokerId: number }).brokerId, createRevision: revision(kv.create_revision) } : undefined
      break
    case 'topic':
      if (change === 'put') state.topics.set(parsed.topic, versioned<TopicRecord>(value))
      else state.topics.delete(parsed.topic)
      break
    case 'assignment':
      if (change === 'put') state.assignments.set(parsed.topic, (value as { replicas: number[][] }).replicas)
      else state.assignments.delete(parsed.topic)
      break
    case 'partition': {
      const partitions = state.partitions.get(parsed.topic) ?? new Map<number, Versioned<PartitionState>>()
      if (change === 'put') partitions.set(parsed.partition, versioned<PartitionState>(value))
      else partitions.delete(parsed.partition)
      if (partitions.size > 0) state.partitions.set(parsed.topic, partitions)
      else state.partitions.delete(parsed.topic)
      break
    }
    case 'producer-id-block':
      break
    case 'reassignment-throttle': {
      const rate = change === 'put' ? (value as { throttleBytesPerSec?: unknown }).throttleBytesPerSec : null
      state.reassignmentThrottleBytesPerSec = typeof rate === 'number' && Number.isSafeInteger(rate) && rate > 0 ? rate : null
      break
    }
  }
}

/** A ClusterState kept current by a watch on the cluster's prefix. Events: 'change' (state). */
export class ClusterStateWatch extends EventEmitter {
  private constructor(readonly state: ClusterState, readonly keys: ClusterKeys, readonly watcher: Watcher) {
    super()
  }

  static async start(client: Etcd3, keys: ClusterKeys, logger: Logger): Promise<ClusterStateWatch> {
    const state = await readClusterState(client, keys, logger)
    const watcher = await client.watch().prefix(keys.prefix).startRevision(String(state.revision + 1)).create()
    const watch = new ClusterStateWatch(state, keys, watcher)
    watcher.on('put', (kv) => watch.#apply('put', kv, logger))
    watcher.on('delete', (kv) => watch.#apply('delete', kv, logger))
    watcher.on('error', (err) => logger.warn({ err }, 'cluster state watch failed'))
    return watch
  }

  #apply(change: 'put' | 'delete', kv: IKeyValue, logger: Logger): void {
    applyChange(this.state, this.keys, change, kv, logger)
    this.emit('change', this.state)
  }

  close(): Promise<void> {
    return this.watcher.cancel()
  }
}
