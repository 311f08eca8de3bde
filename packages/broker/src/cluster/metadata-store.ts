// The cluster's metadata in etcd (key layout: keys.ts): cluster id, broker registrations, topics
// with their ids, configs and replica assignments, each partition's state, producer-id blocks. Every
// write is one etcd transaction that compares the revision of what it changes, so a writer that
// read a stale value gets a CasConflictError and reads again; a controller's writes also compare
// the create revision of the election key (ControllerFence), so a deposed controller's writes fail
// with ControllerFencedError. This module only reads and writes etcd: who may write what, and when,
// is the election's (controller-election.ts) and, later, the reconciler's.
import { strict as assert } from 'node:assert'
import { randomBytes, randomUUID } from 'node:crypto'
import { Etcd3, type IKeyValue, type IOptions } from 'etcd3'
import { CAS_RETRIES_MAX, ClusterKeys, ETCD_TXN_OPS_MAX, PRODUCER_ID_BLOCK_SIZE } from './keys.js'
import { assertPartitionTransition, initialPartitionState, type PartitionState } from './partition-state.js'

export type { PartitionState } from './partition-state.js'

export interface BrokerRegistration {
  brokerId: number
  advertisedUrl: string
  rack: string | null
  registeredAt: string
  /** Set by the broker itself when it begins a controlled shutdown (SIGTERM): the controller moves its leaderships away. */
  shuttingDown?: boolean
}

/** The proof a controller carries: the create revision of the election key it created. */
export interface ControllerFence {
  brokerId: number
  createRevision: number
}

export interface TopicRecord {
  topicId: string
  partitions: number
  config: Record<string, string>
}

/** A value with the mod revision it was read at: what a compare-and-swap compares. */
export interface Versioned<T> {
  value: T
  modRevision: number
}

export interface NewTopic {
  topic: string
  config: Record<string, string>
  /** One list of broker ids per partition; the first is the preferred leader. */
  replicas: number[][]
}

export interface ProducerIdBlock {
  firstProducerId: bigint
  size: number
}

/** The key changed since it was read (or exists when it should not): read again and retry. */
export class CasConflictError extends Error {}
/** This broker is no longer the controller: its election key is gone or another broker's. */
export class ControllerFencedError extends Error {}
export class TopicExistsError extends Error {}
export class BrokerIdTakenError extends Error {}

/**
 * A client of the etcd cluster at `hosts` (client URLs: http://host:2379, or https:// with
 * `options.credentials`), logging in with `options.auth` if given (cluster/etcd-access.ts).
 */
export function connectEtcd(hosts: string[], options: Omit<IOptions, 'hosts'> = {}): Etcd3 {
  assert(hosts.length > 0, 'no etcd URL')
  return new Etcd3({ ...options, hosts })
}

export class EtcdMetadataStore {
  constructor(readonly client: Etcd3, readonly keys: ClusterKeys) {}

  /** The cluster id, created with `proposed` if this is the cluster's first start. */
  async getOrCreateClusterId(proposed: string = randomUUID()): Promise<string> {
    return this.#getOrCreateString(this.keys.clusterId(), proposed, 'cluster id')
  }

  /**
   * The secret a broker proves it is one of the cluster's brokers with, in its broker-to-broker
   * hello: made once, like the cluster id, but never told to a client (the cluster id is public).
   */
  async getOrCreateBrokerSecret(proposed: string = randomBytes(32).toString('base64url')): Promise<string> {
    return this.#getOrCreateString(this.keys.brokerSecret(), proposed, 'broker secret')
  }

  async #getOrCreateString(key: string, proposed: string, what: string): Promise<string> {
    await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(JSON.stringify(proposed))).commit()
    const text = await this.client.get(key).string()
    assert(text !== null, `${key} missing after it was created`)
    let id: unknown
    try {
      id = JSON.parse(text)
    } catch {
      id = undefined
    }
    if (typeof id !== 'string' || id === '') throw new Error(`${key} holds no ${what}, but ${JSON.stringify(text).slice(0, 80)}: faecie did not write it`)
    return id
  }

  /** Registers a broker under a lease; another live registration of the same id is refused. */
  async registerBroker(registration: BrokerRegistration, leaseId: string): Promise<void> {
    const key = this.keys.broker(registration.brokerId)
    const result = await this.client.if(key, 'Create', '==', 0)
      .then(this.client.put(key).value(JSON.stringify(registration)).lease(leaseId)).commit()
    if (!result.succeeded) {
      const holder = await this.client.get(key).string()
      throw new BrokerIdTakenError(`broker id ${registration.brokerId} is registered by a live broker session (${holder ?? 'since expired'}); ` +
        'another broker runs with this id, or the previous process of this one has not timed out yet')
    }
  }

  /** A broker's registration as etcd holds it now, with its mod revision; undefined: not registered. */
  async getBrokerRegistration(brokerId: number): Promise<Versioned<BrokerRegistration> | undefined> {
    const kv = await this.#getKv(this.keys.broker(brokerId))
    return kv === undefined ? undefined : { value: JSON.parse(kv.value.toString()) as BrokerRegistration, modRevision: revision(kv.mod_revision) }
  }

  /**
   * Controlled shutdown: sets shuttingDown in this broker's own registration, by compare-and-swap on
   * the key's mod revision and under the same lease (so it still goes with the session). False when
   * the registration is gone or belongs to another lease (the session was lost): nothing to mark.
   */
  async markBrokerShuttingDown(brokerId: number, leaseId: string): Promise<boolean> {
    const key = this.keys.broker(brokerId)
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      const kv = await this.#getKv(key)
      if (kv === undefined || String(kv.lease) !== String(leaseId)) return false
      const registration = JSON.parse(kv.value.toString()) as BrokerRegistration
      if (registration.shuttingDown === true) return true
      const result = await this.client.if(key, 'Mod', '==', revision(kv.mod_revision))
        .then(this.client.put(key).value(JSON.stringify({ ...registration, shuttingDown: true })).lease(leaseId)).commit()
      if (result.succeeded) return true
    }
    throw new CasConflictError(`broker ${brokerId}'s registration kept changing: shuttingDown not set after ${CAS_RETRIES_MAX} attempts`)
  }

  async listBrokers(): Promise<BrokerRegistration[]> {
    const all = await this.client.getAll().prefix(this.keys.brokersPrefix()).strings()
    return Object.values(all).map((text) => JSON.parse(text) as BrokerRegistration).sort((a, b) => a.brokerId - b.brokerId)
  }

  /** The controller's registration and its epoch (the election key's create revision), if there is one. */
  async getController(): Promise<ControllerFence | undefined> {
    const kv = await this.#getKv(this.keys.controller())
    if (kv === undefined) return undefined
    return { brokerId: (JSON.parse(kv.value.toString()) as { brokerId: number }).brokerId, createRevision: revision(kv.create_revision) }
  }

  /**
   * Makes `brokerId` the controller if there is none: the election key is created under the
   * broker's lease, and its create revision is the new controller's fence (and epoch). Otherwise
   * the current controller, if any is left by the time it is read.
   */
  async claimController(brokerId: number, leaseId: string, nowMs: number): Promise<{ elected: boolean; controller: ControllerFence | undefined }> {
    const key = this.keys.controller()
    const value = JSON.stringify({ brokerId, electedAt: new Date(nowMs).toISOString() })
    const result = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value).lease(leaseId)).commit()
    if (result.succeeded) return { elected: true, controller: { brokerId, createRevision: revision(result.header.revision) } }
    return { elected: false, controller: await this.getController() }
  }

  /** Deletes the election key if it is still `fence`'s (a controller stepping down). */
  async resignController(fence: ControllerFence): Promise<boolean> {
    const result = await this.#fenced(fence).then(this.client.delete().key(this.keys.controller())).commit()
    return result.succeeded
  }

  /**
   * Creates a topic with its config, its replica assignment, and every partition's first state
   * (leader: the first replica; ISR: all replicas). The topic key and the first partitions are one
   * transaction; a topic with more partitions than one transaction holds gets the rest in more,
   * each fenced, and a partition state already there is left alone (a new controller finishing a
   * creation its predecessor began).
   */
  async createTopic(fence: ControllerFence, topic: NewTopic): Promise<string> {
    assert(topic.replicas.length > 0, `topic ${topic.topic} needs at least one partition`)
    for (const replicas of topic.replicas) {
      assert(replicas.length > 0 && new Set(replicas).size === replicas.length, `${topic.topic}: bad replica list ${JSON.stringify(replicas)}`)
    }
    const record: TopicRecord = { topicId: randomUUID(), partitions: topic.replicas.length, config: topic.config }
    const topicKey = this.keys.topic(topic.topic)
    const firstChunk = ETCD_TXN_OPS_MAX - 2
    const result = await this.#fenced(fence).and(topicKey, 'Create', '==', 0)
      .then(
        this.client.put(topicKey).value(JSON.stringify(record)),
        this.client.put(this.keys.assignment(topic.topic)).value(JSON.stringify({ replicas: topic.replicas })),
        ...topic.replicas.slice(0, firstChunk).map((replicas, p) => this.#putInitialPartition(topic.topic, p, replicas)),
      ).commit()
    if (!result.succeeded) {
      await this.#throwIfFenced(fence)
      throw new TopicExistsError(`topic ${topic.topic} already exists`)
    }
    await this.createMissingPartitions(fence, topic.topic, topic.replicas, firstChunk)
    return record.topicId
  }

  /**
   * Creates the state of each partition from `from` on that has none, each in a fenced transaction
   * (also how a new controller finishes a topic creation its predecessor began).
   */
  async createMissingPartitions(fence: ControllerFence, topic: string, replicas: number[][], from: number): Promise<void> {
    for (let p = from; p < replicas.length; p++) {
      const result = await this.#fenced(fence).and(this.keys.partition(topic, p), 'Create', '==', 0)
        .then(this.#putInitialPartition(topic, p, replicas[p]!)).commit()
      if (!result.succeeded) await this.#throwIfFenced(fence)
    }
  }

  #putInitialPartition(topic: string, partition: number, replicas: number[]) {
    const state: PartitionState = initialPartitionState(replicas)
    return this.client.put(this.keys.partition(topic, partition)).value(JSON.stringify(state))
  }

  async getTopic(topic: string): Promise<Versioned<TopicRecord> | undefined> {
    const kv = await this.#getKv(this.keys.topic(topic))
    return kv === undefined ? undefined : { value: JSON.parse(kv.value.toString()) as TopicRecord, modRevision: revision(kv.mod_revision) }
  }

  async listTopics(): Promise<Map<string, TopicRecord>> {
    const prefix = this.keys.topicsPrefix()
    const all = await this.client.getAll().prefix(prefix).strings()
    return new Map(Object.entries(all).map(([key, text]) => [key.slice(prefix.length), JSON.parse(text) as TopicRecord]))
  }

  async getAssignment(topic: string): Promise<number[][] | undefined> {
    const text = await this.client.get(this.keys.assignment(topic)).string()
    return text === null ? undefined : (JSON.parse(text) as { replicas: number[][] }).replicas
  }

  /** Replaces a topic's config if the topic is still at `expected`'s revision. */
  async updateTopicConfig(fence: ControllerFence, topic: string, expected: Versioned<TopicRecord>, config: Record<string, string>): Promise<Versioned<TopicRecord>> {
    const key = this.keys.topic(topic)
    const value: TopicRecord = { ...expected.value, config }
    const result = await this.#fenced(fence).and(key, 'Mod', '==', expected.modRevision)
      .then(this.client.put(key).value(JSON.stringify(value))).commit()
    if (!result.succeeded) {
      await this.#throwIfFenced(fence)
      throw new CasConflictError(`topic ${topic} changed since revision ${expected.modRevision}`)
    }
    return { value, modRevision: revision(result.header.revision) }
  }

  /** Deletes a topic still at `expected`'s revision: record, assignment, partition states (a range), one fenced transaction. */
  async deleteTopic(fence: ControllerFence, topic: string, expected: Versioned<TopicRecord>): Promise<void> {
    const key = this.keys.topic(topic)
    const result = await this.#fenced(fence).and(key, 'Mod', '==', expected.modRevision)
      .then(this.client.delete().key(key), this.client.delete().key(this.keys.assignment(topic)),
        this.client.delete().prefix(this.keys.partitionsPrefix(topic))).commit()
    if (!result.succeeded) await this.#throwConflict(fence, `topic ${topic} changed since revision ${expected.modRevision}`)
  }

  /**
   * Grows a topic still at `expected`'s revision, whose assignment is still at `assignmentModRevision`
   * (a reassignment rewrites it), to `replicas.length` partitions: the record, the whole assignment
   * (the existing partitions' lists unchanged) and the new partitions' first states.
   */
  async addPartitions(fence: ControllerFence, topic: string, expected: Versioned<TopicRecord>, replicas: number[][],
    assignmentModRevision: number): Promise<Versioned<TopicRecord>> {
    const from = expected.value.partitions
    assert(replicas.length > from, `${topic}: ${replicas.length} partitions is not more than ${from}`)
    const key = this.keys.topic(topic)
    const assignmentKey = this.keys.assignment(topic)
    const value: TopicRecord = { ...expected.value, partitions: replicas.length }
    const chunkEnd = from + ETCD_TXN_OPS_MAX - 2
    const result = await this.#fenced(fence).and(key, 'Mod', '==', expected.modRevision).and(assignmentKey, 'Mod', '==', assignmentModRevision)
      .then(this.client.put(key).value(JSON.stringify(value)),
        this.client.put(assignmentKey).value(JSON.stringify({ replicas })),
        ...replicas.slice(from, chunkEnd).map((r, i) => this.#putInitialPartition(topic, from + i, r))).commit()
    if (!result.succeeded) await this.#throwConflict(fence, `topic ${topic} or its assignment changed since revision ${expected.modRevision}`)
    await this.createMissingPartitions(fence, topic, replicas, chunkEnd)
    return { value, modRevision: revision(result.header.revision) }
  }

  async getPartition(topic: string, partition: number): Promise<Versioned<PartitionState> | undefined> {
    const kv = await this.#getKv(this.keys.partition(topic, partition))
    return kv === undefined ? undefined : { value: JSON.parse(kv.value.toString()) as PartitionState, modRevision: revision(kv.mod_revision) }
  }

  /** Every partition state of a topic, by partition (one range read). */
  async getPartitions(topic: string): Promise<Map<number, PartitionState>> {
    const prefix = this.keys.partitionsPrefix(topic)
    const all = await this.client.getAll().prefix(prefix).strings()
    return new Map(Object.entries(all).map(([key, text]) => [Number(key.slice(prefix.length)), JSON.parse(text) as PartitionState]))
  }

  /**
   * Moves a partition from `expected` to `next` if nobody changed it since `expected` was read:
   * the controller (leader elections, passing `fence`) and a partition's leader (ISR changes,
   * without one) both write this way. The partition epoch goes up by exactly one per change.
   */
  async updatePartition(topic: string, partition: number, expected: Versioned<PartitionState>, next: PartitionState,
    fence?: ControllerFence, unchangedBrokers: readonly Versioned<BrokerRegistration>[] = []): Promise<Versioned<PartitionState>> {
    assertPartitionTransition(`${topic}-${partition}`, expected.value, next)
    const key = this.keys.partition(topic, partition)
    let txn = fence === undefined ? this.client.if(key, 'Mod', '==', expected.modRevision) : this.#fenced(fence).and(key, 'Mod', '==', expected.modRevision)
    // Registrations the change was decided on (an ISR expansion checked they are not shutting down):
    // one that changed since (flagged shuttingDown, gone) fails the write as a conflict.
    for (const b of unchangedBrokers) txn = txn.and(this.keys.broker(b.value.brokerId), 'Mod', '==', b.modRevision)
    const result = await txn.then(this.client.put(key).value(JSON.stringify(next))).commit()
    if (!result.succeeded) {
      if (fence !== undefined) await this.#throwIfFenced(fence)
      throw new CasConflictError(`partition ${topic}-${partition} changed since revision ${expected.modRevision}`)
    }
    return { value: next, modRevision: revision(result.header.revision) }
  }

  /** A topic's replica assignment with the mod revision a compare-and-swap needs. */
  async getAssignmentVersioned(topic: string): Promise<Versioned<number[][]> | undefined> {
    const kv = await this.#getKv(this.keys.assignment(topic))
    return kv === undefined ? undefined : { value: (JSON.parse(kv.value.toString()) as { replicas: number[][] }).replicas, modRevision: revision(kv.mod_revision) }
  }

  /**
   * A reassignment's write (controller-reassign.ts): the partition from `expected` to `next` and the
   * topic's assignment with the partition's list made `next.replicas`, in one transaction fenced by
   * the controller epoch that compares both keys' revisions (so assignments/<topic> stays in step).
   */
  async updatePartitionReplicas(fence: ControllerFence, topic: string, partition: number, expected: Versioned<PartitionState>,
    next: PartitionState, assignment: Versioned<number[][]>): Promise<void> {
    assertPartitionTransition(`${topic}-${partition}`, expected.value, next)
    assert(partition < assignment.value.length, `${topic}-${partition}: not in the assignment of ${assignment.value.length} partitions`)
    const replicas = assignment.value.map((r, p) => (p === partition ? [...next.replicas] : r))
    const key = this.keys.partition(topic, partition)
    const assignmentKey = this.keys.assignment(topic)
    const result = await this.#fenced(fence).and(key, 'Mod', '==', expected.modRevision).and(assignmentKey, 'Mod', '==', assignment.modRevision)
      .then(this.client.put(key).value(JSON.stringify(next)), this.client.put(assignmentKey).value(JSON.stringify({ replicas }))).commit()
    if (!result.succeeded) await this.#throwConflict(fence, `partition ${topic}-${partition} or its assignment changed since it was read`)
  }

  /** The replication throttle of moving replicas (bytes/s per broker) set, or removed with null; compare-and-swap on the key. */
  async setReassignmentThrottle(fence: ControllerFence, bytesPerSec: number | null): Promise<void> {
    assert(bytesPerSec === null || (Number.isSafeInteger(bytesPerSec) && bytesPerSec > 0), `bad throttle ${bytesPerSec}`)
    const key = this.keys.reassignmentThrottle()
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      const kv = await this.#getKv(key)
      if (kv === undefined && bytesPerSec === null) return
      const compare = kv === undefined ? this.#fenced(fence).and(key, 'Create', '==', 0) : this.#fenced(fence).and(key, 'Mod', '==', revision(kv.mod_revision))
      const op = bytesPerSec === null ? this.client.delete().key(key) : this.client.put(key).value(JSON.stringify({ throttleBytesPerSec: bytesPerSec }))
      const result = await compare.then(op).commit()
      if (result.succeeded) return
      await this.#throwIfFenced(fence)
    }
    throw new CasConflictError(`the reassignment throttle kept changing: gave up after ${CAS_RETRIES_MAX} attempts`)
  }

  /** The next block of producer ids, for this broker alone: a CAS on the cluster's counter. */
  async allocateProducerIdBlock(brokerId: number): Promise<ProducerIdBlock> {
    const key = this.keys.producerIdBlock()
    for (let attempt = 0; attempt < CAS_RETRIES_MAX; attempt++) {
      const kv = await this.#getKv(key)
      const first = kv === undefined ? 0n : BigInt((JSON.parse(kv.value.toString()) as { firstProducerId: string }).firstProducerId)
      const next = first + BigInt(PRODUCER_ID_BLOCK_SIZE)
      assert(next <= 2n ** 63n - 1n, `producer ids exhausted at ${first}`)
      const compare = kv === undefined ? this.client.if(key, 'Create', '==', 0) : this.client.if(key, 'Mod', '==', revision(kv.mod_revision))
      const result = await compare.then(this.client.put(key).value(JSON.stringify({ firstProducerId: next.toString(), brokerId }))).commit()
      if (result.succeeded) return { firstProducerId: first, size: PRODUCER_ID_BLOCK_SIZE }
    }
    throw new CasConflictError(`could not allocate a producer-id block in ${CAS_RETRIES_MAX} attempts: too many brokers racing`)
  }

  /** A transaction that goes through only while `fence`'s election key is still the one it created. */
  #fenced(fence: ControllerFence) {
    return this.client.if(this.keys.controller(), 'Create', '==', fence.createRevision)
  }

  async #throwIfFenced(fence: ControllerFence): Promise<void> {
    const current = await this.getController()
    if (current?.createRevision !== fence.createRevision) {
      throw new ControllerFencedError(`broker ${fence.brokerId} is no longer the controller (epoch ${fence.createRevision}; ` +
        `now ${current === undefined ? 'none' : `broker ${current.brokerId}, epoch ${current.createRevision}`})`)
    }
  }

  async #throwConflict(fence: ControllerFence, message: string): Promise<never> {
    await this.#throwIfFenced(fence)
    throw new CasConflictError(message)
  }

  async #getKv(key: string): Promise<IKeyValue | undefined> {
    const response = await this.client.get(key).exec()
    return response.kvs[0]
  }
}

/** etcd revisions are int64 strings; ours stay far below 2^53. */
export function revision(text: string | number): number {
  const value = Number(text)
  assert(Number.isSafeInteger(value) && value >= 0, `etcd revision out of range: ${text}`)
  return value
}
