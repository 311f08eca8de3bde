// A cluster of brokers in memory for the routing tests: each broker is reached through an injected
// transport by its URL (ws://b<ID>:1/v1/ws), answers hello with its id, metadata with the leaders
// the test sets, and produce / fetch / listOffsets / subscribe only for partitions it leads (else
// NOT_LEADER_OR_FOLLOWER, as a real follower does). The partitions' logs and the idempotent
// producers' sequence state are shared by all brokers, as replication makes them: a new leader
// answers a batch the old one wrote as a duplicate, with its first offset. Every frame a broker
// gets is recorded with the broker's id, so tests can assert where each request went.
import { ErrorCode, FaecieError, PROTOCOL_VERSION, decodeBatch, decodeFrame, encodeFrame, type ProduceRequest } from '@faecie/protocol'
import type { TransportFactory, TransportHandlers } from '../src/transport.js'

const LIMITS = { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 16, subscriptionsMax: 8, maxWaitMsMax: 1000 }

type Frame = Record<string, unknown> & { id: number; op: string }

export interface SeenFrame {
  brokerId: number
  op: string
  frame: Frame
}

interface StoredBatch {
  baseOffset: number
  count: number
  bytes: Uint8Array
  values: string[]
}

interface Subscription {
  brokerId: number
  sub: number
  topic: string
  partition: number
  offset: number
  handlers: TransportHandlers
}

export const urlOf = (brokerId: number): string => `ws://b${brokerId}:1/v1/ws`

export class FakeCluster {
  readonly frames: SeenFrame[] = []
  private readonly up = new Set<number>()
  private readonly leaders = new Map<string, { leader: number; epoch: number }>()
  private readonly partitionCounts = new Map<string, number>()
  private readonly logs = new Map<string, StoredBatch[]>()
  /** Per producer and partition: the next sequence expected and the offsets of the batches seen. */
  private readonly sequences = new Map<string, { next: number; offsets: Map<number, number> }>()
  private readonly sockets = new Map<number, Set<TransportHandlers>>()
  private readonly subs = new Set<Subscription>()
  private readonly internalTopics = new Set<string>()
  private readonly stalled = new Set<string>()
  private nextSub = 1
  private nextProducerId = 1000
  /** Called before a broker answers a frame; returning true drops the answer (the test closes sockets). */
  intercept: (brokerId: number, frame: Frame) => boolean = () => false

  constructor(brokerIds: number[]) {
    for (const id of brokerIds) this.up.add(id)
  }

  createTopic(topic: string, leaders: number[]): void {
    this.partitionCounts.set(topic, leaders.length)
    leaders.forEach((leader, partition) => this.leaders.set(`${topic}/${partition}`, { leader, epoch: 0 }))
  }

  /** Moves a partition's leadership: its subscriptions on the old leader end with NOT_LEADER_OR_FOLLOWER. */
  moveLeader(topic: string, partition: number, leader: number): void {
    const key = `${topic}/${partition}`
    const current = this.leaders.get(key)!
    this.leaders.set(key, { leader, epoch: current.epoch + 1 })
    for (const sub of [...this.subs]) {
      if (sub.topic !== topic || sub.partition !== partition || sub.brokerId === leader) continue
      this.subs.delete(sub)
      const error = new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'leadership moved').toWire()
      queueMicrotask(() => sub.handlers.onMessage(encodeFrame({ sub: sub.sub, error })))
    }
  }

  /** The broker goes away: its sockets close and new ones are refused. */
  kill(brokerId: number): void {
    this.up.delete(brokerId)
    for (const handlers of this.sockets.get(brokerId) ?? []) queueMicrotask(() => handlers.onClose(1006, 'killed'))
    this.sockets.delete(brokerId)
    for (const sub of [...this.subs]) if (sub.brokerId === brokerId) this.subs.delete(sub)
  }

  /** Records written straight into a partition's log (for the figures describeTopics reports). */
  appendValues(topic: string, partition: number, values: string[]): void {
    const key = `${topic}/${partition}`
    const log = this.logs.get(key) ?? []
    this.logs.set(key, log)
    log.push({ baseOffset: this.endOf(key), count: values.length, bytes: new Uint8Array(0), values })
  }

  /** An internal topic (__consumer_offsets): in metadata when named, not described, as a broker does. */
  createInternalTopic(topic: string, leaders: number[]): void {
    this.createTopic(topic, leaders)
    this.internalTopics.add(topic)
  }

  values(topic: string, partition: number): string[] {
    return (this.logs.get(`${topic}/${partition}`) ?? []).flatMap((b) => b.values)
  }

  ops(brokerId?: number): string[] {
    return this.frames.filter((f) => brokerId === undefined || f.brokerId === brokerId).map((f) => f.op)
  }

  readonly transport: TransportFactory = (url, handlers) => {
    const brokerId = Number(/^ws:\/\/b(\d+):1/.exec(url)?.[1] ?? -1)
    if (!this.up.has(brokerId)) {
      queueMicrotask(() => handlers.onClose(1006, 'connection refused'))
      return { bufferedBytes: 0, send: () => undefined, close: () => undefined }
    }
    let set = this.sockets.get(brokerId)
    if (set === undefined) this.sockets.set(brokerId, (set = new Set()))
    set.add(handlers)
    let open = true
    queueMicrotask(() => handlers.onOpen())
    return {
      bufferedBytes: 0,
      close: () => {
        if (!open) return
        open = false
        set.delete(handlers)
        queueMicrotask(() => handlers.onClose(1000, ''))
      },
      send: (data) => {
        if (!this.up.has(brokerId) || !set.has(handlers)) return
        // A copy: the client reuses its frame buffers, and the test reads the frames afterwards.
        const frame = decodeFrame(data.slice()) as Frame
        this.frames.push({ brokerId, op: frame.op, frame })
        if (this.intercept(brokerId, frame)) return
        const answer = this.answer(brokerId, frame, handlers)
        if (answer !== undefined) queueMicrotask(() => handlers.onMessage(encodeFrame({ id: frame.id, ...answer })))
      },
    }
  }

  /** The answer to a frame; produce and fetch also do what they say. */
  answer(brokerId: number, frame: Frame, handlers: TransportHandlers): Record<string, unknown> | undefined {
    switch (frame.op) {
      case 'hello':
        return { protocolVersion: PROTOCOL_VERSION, brokerId, serverVersion: 'fake', limits: LIMITS, clusterId: 'fake' }
      case 'metadata':
        return this.metadata(frame.topics as string[] | undefined)
      case 'initProducerId':
        return { producerId: this.nextProducerId++, producerEpoch: 0 }
      case 'produce':
        return { topics: (frame as unknown as ProduceRequest).topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => this.produce(brokerId, t.topic, p.partition, p.records)) })) }
      case 'fetch':
        return { topics: (frame.topics as Array<{ topic: string; partitions: Array<{ partition: number; offset: number }> }>).map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => this.fetch(brokerId, t.topic, p.partition, p.offset)) })) }
      case 'listOffsets':
        return { topics: (frame.topics as Array<{ topic: string; partitions: Array<{ partition: number; timestamp: number }> }>).map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => this.listOffset(brokerId, t.topic, p.partition, p.timestamp)) })) }
      case 'subscribe':
        return this.subscribe(brokerId, frame, handlers)
      case 'credit':
      case 'unsubscribe':
        return {}
      case 'createTopics':
        return { topics: (frame.topics as Array<{ topic: string }>).map((t) => ({ topic: t.topic, topicId: `id-${t.topic}` })) }
      case 'describeTopics':
        return { topics: (frame.topics as string[]).map((topic) => this.internalTopics.has(topic) || !this.partitionCounts.has(topic)
          ? { topic, error: new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no ${topic}`).toWire() }
          : ({ topic, topicId: `id-${topic}`, config: {}, partitions: Array.from({ length: this.partitionCounts.get(topic) ?? 0 }, (_, partition) => {
          // As a broker: its own replica's figures; a follower's lag behind (here: nothing), -1 where it leads nothing.
          if (this.leaders.get(`${topic}/${partition}`)?.leader !== brokerId) return { partition, logStartOffset: -1, highWatermark: -1, logEndOffset: -1, sizeBytes: 0 }
          const end = this.endOf(`${topic}/${partition}`)
          return { partition, logStartOffset: 0, highWatermark: end, logEndOffset: end, sizeBytes: end * 10 }
        }) })) }
      case 'describeCluster':
        return { mode: 'cluster', clusterId: 'fake', controllerId: Math.min(...this.up), brokers: [...this.up].map((id) => ({ brokerId: id, url: `ws://b${id}:1`, rack: `r${id}` })), etcd: ['http://etcd:2379'] }
      default:
        return { error: new FaecieError(ErrorCode.INVALID_REQUEST, `the fake has no ${frame.op}`).toWire() }
    }
  }

  /**
   * The partition's leader, as metadata names it, refuses it with NOT_LEADER_OR_FOLLOWER (and ends
   * its subscriptions) until unstalled: a broker named leader that has not taken up the role.
   */
  stall(topic: string, partition: number, stalled = true): void {
    if (!stalled) {
      this.stalled.delete(`${topic}/${partition}`)
      return
    }
    this.stalled.add(`${topic}/${partition}`)
    // Its subscriptions end as a broker that lost the role ends them.
    for (const sub of [...this.subs]) {
      if (sub.topic !== topic || sub.partition !== partition) continue
      this.subs.delete(sub)
      const error = new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'not serving').toWire()
      queueMicrotask(() => sub.handlers.onMessage(encodeFrame({ sub: sub.sub, error })))
    }
  }

  private notLeader(brokerId: number, topic: string, partition: number): Record<string, unknown> | undefined {
    if (this.leaders.get(`${topic}/${partition}`)?.leader === brokerId && !this.stalled.has(`${topic}/${partition}`)) return undefined
    return { error: new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${brokerId} does not lead ${topic}-${partition}`).toWire() }
  }

  private metadata(topics: string[] | undefined): Record<string, unknown> {
    const names = topics ?? [...this.partitionCounts.keys()]
    return {
      brokers: [...this.up].map((id) => ({ brokerId: id, url: `ws://b${id}:1`, rack: null })),
      controllerId: Math.min(...this.up),
      clusterId: 'fake',
      topics: names.map((topic) => {
        const count = this.partitionCounts.get(topic)
        if (count === undefined) return { topic, topicId: '', internal: false, partitions: [], error: new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no ${topic}`).toWire() }
        return {
          topic, topicId: `id-${topic}`, internal: this.internalTopics.has(topic),
          partitions: Array.from({ length: count }, (_, partition) => {
            const { leader, epoch } = this.leaders.get(`${topic}/${partition}`)!
            return { partition, leader, leaderEpoch: epoch, replicas: [...this.up], isr: [...this.up] }
          }),
        }
      }),
    }
  }

  private produce(brokerId: number, topic: string, partition: number, records: Uint8Array): Record<string, unknown> {
    const refused = this.notLeader(brokerId, topic, partition)
    if (refused !== undefined) return { partition, baseOffset: -1, logAppendTime: -1, logStartOffset: 0, ...refused }
    const batch = decodeBatch(records)
    const { producerId, baseSequence } = batch.header
    const key = `${topic}/${partition}`
    const log = this.logs.get(key) ?? []
    this.logs.set(key, log)
    if (producerId >= 0) {
      const seq = this.sequences.get(`${producerId}/${key}`) ?? { next: 0, offsets: new Map<number, number>() }
      this.sequences.set(`${producerId}/${key}`, seq)
      const duplicate = seq.offsets.get(baseSequence)
      if (duplicate !== undefined) return { partition, baseOffset: duplicate, logAppendTime: -1, logStartOffset: 0 }
      if (baseSequence !== seq.next) {
        return { partition, baseOffset: -1, logAppendTime: -1, logStartOffset: 0, error: new FaecieError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `expected ${seq.next}`).toWire() }
      }
      seq.next += batch.records.length
      seq.offsets.set(baseSequence, this.endOf(key))
    }
    const baseOffset = this.endOf(key)
    const bytes = records.slice()
    new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(0, BigInt(baseOffset))
    log.push({ baseOffset, count: batch.records.length, bytes, values: batch.records.map((r) => new TextDecoder().decode(r.value!)) })
    this.pushNew(topic, partition)
    return { partition, baseOffset, logAppendTime: -1, logStartOffset: 0 }
  }

  private endOf(key: string): number {
    const last = this.logs.get(key)?.at(-1)
    return last === undefined ? 0 : last.baseOffset + last.count
  }

  /** The batches from the one holding `offset` on, as one records field. */
  private readFrom(key: string, offset: number): Uint8Array {
    const batches = (this.logs.get(key) ?? []).filter((b) => b.baseOffset + b.count > offset)
    const out = new Uint8Array(batches.reduce((n, b) => n + b.bytes.length, 0))
    let at = 0
    for (const b of batches) {
      out.set(b.bytes, at)
      at += b.bytes.length
    }
    return out
  }

  private fetch(brokerId: number, topic: string, partition: number, offset: number): Record<string, unknown> {
    const key = `${topic}/${partition}`
    const refused = this.notLeader(brokerId, topic, partition)
    if (refused !== undefined) return { partition, highWatermark: -1, logStartOffset: -1, records: new Uint8Array(0), ...refused }
    return { partition, highWatermark: this.endOf(key), logStartOffset: 0, records: this.readFrom(key, offset) }
  }

  private listOffset(brokerId: number, topic: string, partition: number, timestamp: number): Record<string, unknown> {
    const refused = this.notLeader(brokerId, topic, partition)
    if (refused !== undefined) return { partition, timestamp: -1, offset: -1, ...refused }
    return { partition, timestamp: -1, offset: timestamp === -2 ? 0 : this.endOf(`${topic}/${partition}`) }
  }

  private subscribe(brokerId: number, frame: Frame, handlers: TransportHandlers): Record<string, unknown> {
    const topic = frame.topic as string
    const partition = frame.partition as number
    const refused = this.notLeader(brokerId, topic, partition)
    if (refused !== undefined) return refused
    const sub: Subscription = { brokerId, sub: this.nextSub++, topic, partition, offset: frame.offset as number, handlers }
    this.subs.add(sub)
    // After the answer (queued once this returns), as a broker sends it.
    queueMicrotask(() => queueMicrotask(() => this.pushTo(sub)))
    return { sub: sub.sub }
  }

  private pushNew(topic: string, partition: number): void {
    for (const sub of this.subs) if (sub.topic === topic && sub.partition === partition) this.pushTo(sub)
  }

  private pushTo(sub: Subscription): void {
    const key = `${sub.topic}/${sub.partition}`
    if (!this.subs.has(sub) || this.endOf(key) <= sub.offset) return
    const records = this.readFrom(key, sub.offset)
    sub.offset = this.endOf(key)
    sub.handlers.onMessage(encodeFrame({ sub: sub.sub, records, highWatermark: sub.offset }))
  }
}
