// Test support: a real GatewayServer in cluster mode whose partitions are a fake leader (FakeLeaderPartitions)
// answering replicaFetch and offsetsForLeaderEpoch as partition/messages.ts says the actor will, over
// a made-up log: each offset holds one byte, its leader epoch. Records travel as
// [baseOffset u32 big-endian][one epoch byte per offset], opaque to the code under test. The same
// model serves as the follower's log (FakeReplicaLog) for the fetcher's tests.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClusterGateway, Gateway } from '../gateway/context.js'
import { GatewayServer } from '../gateway/gateway-server.js'
import { resolveLimits } from '../gateway/limits.js'
import { OffsetWatch } from '../gateway/offset-watch.js'
import { OriginPolicy } from '../gateway/origin.js'
import { OutboundBytes } from '../gateway/outbound.js'
import { HttpConnections } from '../http/connections.js'
import { defaultHttpLimits } from '../http/limits.js'
import { silentLogger } from '../log.js'
import { partitionKey, type PartitionRequest, type PartitionResultByOp } from '../partition/messages.js'
import type { OffsetsListener, PartitionManager } from '../partition/partition-manager.js'
import { openGatewaySecurity } from '../security/gateway-security.js'

/** One partition's log: epochs[i] is the leader epoch of offset logStart + i. */
export class ModelLog {
  epochs: number[] = []
  logStartOffset = 0
  highWatermark = 0
  currentEpoch = 0

  get logEndOffset(): number {
    return this.logStartOffset + this.epochs.length
  }

  append(count: number, epoch = this.currentEpoch): void {
    for (let i = 0; i < count; i++) this.epochs.push(epoch)
  }

  /** Records from `offset` to the end, at most `maxBytes` worth of offsets (at least one). */
  read(offset: number, maxBytes: number): Uint8Array {
    const count = Math.max(0, Math.min(this.logEndOffset - offset, Math.max(1, maxBytes - 4)))
    const out = new Uint8Array(4 + count)
    if (count === 0) return new Uint8Array(0)
    new DataView(out.buffer).setUint32(0, offset)
    for (let i = 0; i < count; i++) out[4 + i] = this.epochs[offset - this.logStartOffset + i]!
    return out
  }

  /** The largest epoch <= `epoch` in this log and where it ends, else {-1, -1}. */
  endOf(epoch: number): { leaderEpoch: number; endOffset: number } {
    let found = -1
    for (const e of this.epochs) if (e <= epoch && e > found) found = e
    if (found < 0) return { leaderEpoch: -1, endOffset: -1 }
    const next = this.epochs.findIndex((e) => e > found)
    return { leaderEpoch: found, endOffset: next < 0 ? this.logEndOffset : this.logStartOffset + next }
  }

  get latestEpoch(): number {
    return this.epochs.length === 0 ? -1 : this.epochs[this.epochs.length - 1]!
  }
}

/** Decodes test records: [base, epochs...]. */
export function modelRecords(bytes: Uint8Array): { baseOffset: number; epochs: number[] } {
  return { baseOffset: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0), epochs: [...bytes.subarray(4)] }
}

type Answer = (request: PartitionRequest) => unknown

/** The leader's partitions as the gateway sees them (request + onOffsets). */
export class FakeLeaderPartitions {
  readonly logs = new Map<string, ModelLog>()
  readonly listeners = new Set<OffsetsListener>()
  /** replicaFetch requests seen: [key, replicaId, fetchOffset]. */
  readonly fetches: [string, number, number][] = []
  /** When set, requests to partitions never get an answer. */
  hang = false
  override: Answer | undefined

  log(topic: string, partition: number): ModelLog {
    const key = partitionKey(topic, partition)
    let log = this.logs.get(key)
    if (log === undefined) this.logs.set(key, log = new ModelLog())
    return log
  }

  /** Appends on the leader and reports the offsets, as an actor's tick does. */
  append(topic: string, partition: number, count: number): void {
    const log = this.log(topic, partition)
    log.append(count)
    this.#report(partitionKey(topic, partition), log)
  }

  onOffsets(listener: OffsetsListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async request(topic: string, partition: number, request: PartitionRequest): Promise<unknown> {
    if (this.hang) return new Promise(() => undefined)
    if (this.override !== undefined) return this.override(request)
    const key = partitionKey(topic, partition)
    const log = this.logs.get(key)
    if (log === undefined) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${key} is not open`)
    const fence = (epoch: number): void => {
      if (epoch < log.currentEpoch) throw new FaecieError(ErrorCode.FENCED_LEADER_EPOCH, `epoch ${epoch} < ${log.currentEpoch}`)
      if (epoch > log.currentEpoch) throw new FaecieError(ErrorCode.UNKNOWN_LEADER_EPOCH, `epoch ${epoch} > ${log.currentEpoch}`)
    }
    if (request.op === 'replicaFetch') {
      fence(request.leaderEpoch)
      this.fetches.push([key, request.replicaId, request.fetchOffset])
      if (request.fetchOffset > log.logEndOffset) throw new FaecieError(ErrorCode.OFFSET_OUT_OF_RANGE, 'beyond the log end')
      const result: PartitionResultByOp['replicaFetch'] = { bytes: log.read(request.fetchOffset, request.maxBytes),
        highWatermark: log.highWatermark, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, leaderEpoch: log.currentEpoch }
      return result
    }
    if (request.op === 'offsetsForLeaderEpoch') {
      if (request.currentLeaderEpoch !== null) fence(request.currentLeaderEpoch)
      return log.endOf(request.leaderEpoch)
    }
    throw new Error(`the fake leader does not do ${request.op}`)
  }

  #report(key: string, log: ModelLog): void {
    for (const l of this.listeners) l(key, { logStartOffset: log.logStartOffset, highWatermark: log.highWatermark, logEndOffset: log.logEndOffset })
  }
}

export interface TestLeader {
  server: GatewayServer
  gateway: Gateway & { draining: boolean }
  partitions: FakeLeaderPartitions
  url: string
  close(): Promise<void>
}

/** The broker secret of the test leader's cluster. */
export const TEST_BROKER_SECRET = 'test-broker-secret'

/** A GatewayServer on a free port, in cluster mode (`clusterId`) unless clusterId is undefined. */
export async function startTestLeader(options: { brokerId: number; clusterId: string | undefined }): Promise<TestLeader> {
  const logger = silentLogger()
  const limits = resolveLimits({})
  const partitions = new FakeLeaderPartitions()
  const outbound = new OutboundBytes(limits)
  const cluster: ClusterGateway | undefined = options.clusterId === undefined ? undefined : {
    clusterId: options.clusterId, brokerId: options.brokerId, etcdEndpoints: [],
    localRole: () => undefined, isLeaderNow: () => true, partitionState: () => undefined, brokers: () => [],
    controllerId: () => -1, brokerUrl: () => undefined, acceptsBrokerSecret: (secret) => secret === TEST_BROKER_SECRET,
    requestBroker: () => Promise.reject(new Error('no peers of a test leader')),
    findCoordinator: () => Promise.reject(new Error('no groups at a test leader')),
    alterPartitionReassignments: () => Promise.reject(new Error('no reassignments at a test leader')),
    listPartitionReassignments: () => ({ reassignments: [], throttleBytesPerSec: null }),
    electLeaders: () => Promise.reject(new Error('no elections at a test leader')),
  }
  const gateway = {
    limits, partitions: partitions as unknown as PartitionManager, watch: new OffsetWatch(partitions as unknown as PartitionManager),
    topics: undefined as never, reads: undefined as never, logger, outbound, draining: false, cluster, security: openGatewaySecurity(logger),
    broker: { brokerId: options.brokerId, clusterId: options.clusterId ?? 'single', serverVersion: 'test', url: '', autoCreateTopics: false },
    metrics: { sessions: 0, observeRequest: () => undefined, recordOut: () => undefined } as unknown as Gateway['metrics'],
  }
  const server = await GatewayServer.listen({
    host: '127.0.0.1', port: 0, gateway, logger, origins: new OriginPolicy([], logger),
    connections: new HttpConnections(defaultHttpLimits(limits), outbound, logger), health: () => ({}),
  })
  return {
    server, gateway, partitions, url: `ws://127.0.0.1:${server.port}`,
    close: async () => {
      server.closeSessions(1001, 'test over')
      await server.close()
    },
  }
}
