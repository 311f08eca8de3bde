// The Kafka listener in cluster mode, in-process over a real TCP socket, with a fake ClusterGateway
// (three brokers; this one is broker 1) and requests and answers through the generated codecs:
// Metadata lists the three brokers at their Kafka addresses, the controller, and per partition the
// leader, epoch, replicas, ISR and offline replicas (LEADER_NOT_AVAILABLE without a leader); Produce
// and Fetch of a partition led elsewhere answer NOT_LEADER_OR_FOLLOWER with the leader (KIP-951) and
// never reach the partition; ListOffsets likewise; DescribeCluster names real brokers, and
// FindCoordinator the Kafka listener of the leader of the group's `__consumer_offsets` partition
// (COORDINATOR_NOT_AVAILABLE while it has none). Without a cluster, Metadata is the single broker it always was.
import { connect, type Socket } from 'node:net'
import { ErrorCode, FaecieError, groupPartition, RecordBatchEncoder } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { ClusterGateway, Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { OutboundBytes } from '../gateway/outbound.js'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from '../security/gateway-security.js'
import { KAFKA_APIS } from './generated/apis.js'
import { defaultDescribeClusterRequest, readDescribeClusterResponse, writeDescribeClusterRequest } from './generated/describe-cluster.js'
import { defaultFetchRequest, readFetchResponse, writeFetchRequest } from './generated/fetch.js'
import { defaultFindCoordinatorRequest, readFindCoordinatorResponse, writeFindCoordinatorRequest } from './generated/find-coordinator.js'
import { readResponseHeader, writeRequestHeader } from './generated/headers.js'
import { defaultListOffsetsRequest, readListOffsetsResponse, writeListOffsetsRequest } from './generated/list-offsets.js'
import { defaultMetadataRequest, readMetadataResponse, writeMetadataRequest } from './generated/metadata.js'
import { defaultProduceRequest, readProduceResponse, writeProduceRequest } from './generated/produce.js'
import { KafkaListener } from './listener.js'
import { requestHeaderVersion, responseHeaderVersion, type ServedApi } from './versions.js'
import { KafkaReader, KafkaWriter } from './wire.js'

type State = NonNullable<ReturnType<ClusterGateway['partitionState']>>

const SELF = 1
const TOPIC_ID = '0a1b2c3d-0000-4000-8000-000000000001'
const META: TopicMeta = { topic: 'orders', topicId: TOPIC_ID, partitions: 3, config: {}, internal: false }
const KAFKA_ADDRESSES = new Map([[2, '10.0.0.2:19092'], [3, '[::1]:29092']])

/** orders-0 led here, orders-1 by broker 2 (epoch 6), orders-2 offline with broker 3 the last ISR. */
const STATES = new Map<number, State>([
  [0, { leader: 1, leaderEpoch: 4, partitionEpoch: 7, isr: [1, 2, 3], replicas: [1, 2, 3] }],
  [1, { leader: 2, leaderEpoch: 6, partitionEpoch: 8, isr: [2, 1], replicas: [2, 3, 1] }],
  [2, { leader: -1, leaderEpoch: 5, partitionEpoch: 9, isr: [3], replicas: [3, 1, 2] }],
])

/** The leaders of the six `__consumer_offsets` partitions (-1: none now). */
const OFFSETS_LEADERS = [1, 2, 3, 2, -1, 3]

/** Brokers 1, 2 and 3 live; broker 3 left out of `live` to make it offline. */
function fakeCluster(live = [1, 2, 3]): ClusterGateway {
  return {
    clusterId: 'cluster-of-three', brokerId: SELF, etcdEndpoints: [], acceptsBrokerSecret: () => false,
    localRole: () => undefined,
    isLeaderNow: (topic, p) => topic === 'orders' && STATES.get(p)?.leader === SELF,
    partitionState: (topic, p) => (topic === 'orders' ? STATES.get(p) : undefined),
    brokers: () => live.map((brokerId) => ({ brokerId, advertisedUrl: `ws://127.0.0.1:920${brokerId}`, rack: brokerId === 2 ? 'rack-b' : null,
      kafkaAddress: KAFKA_ADDRESSES.get(brokerId) })),
    controllerId: () => 2,
    brokerUrl: (id) => (live.includes(id) ? `ws://127.0.0.1:920${id}` : undefined),
    findCoordinator: async ({ key }) => {
      const partition = groupPartition(key, OFFSETS_LEADERS.length)
      const brokerId = OFFSETS_LEADERS[partition]!
      if (brokerId < 0) throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `__consumer_offsets-${partition} has no leader right now.`)
      return { key, brokerId, url: `ws://127.0.0.1:920${brokerId}`, partition }
    },
  } as ClusterGateway
}

let listener: KafkaListener | undefined
let produced: number[] = []
const sockets: Socket[] = []

async function start(cluster: ClusterGateway | undefined): Promise<number> {
  produced = []
  const gateway = {
    limits: DEFAULT_LIMITS, logger: silentLogger(), draining: false, cluster, outbound: new OutboundBytes(DEFAULT_LIMITS),
    security: openGatewaySecurity(silentLogger()),
    broker: { brokerId: SELF, clusterId: 'own-id', serverVersion: '0', url: 'ws://127.0.0.1:9201', autoCreateTopics: false },
    topics: { lookup: (t: string) => (t === 'orders' ? META : undefined), all: () => [META] },
    partitions: {
      produce: async (_t: string, partition: number) => {
        produced.push(partition)
        return { baseOffset: 10, lastOffset: 10, logAppendTime: -1, logStartOffset: 0, duplicate: false }
      },
    },
    metrics: { observeRequest: () => undefined, recordIn: () => undefined, recordOut: () => undefined },
  } as unknown as Gateway
  listener = await KafkaListener.listen({ host: '127.0.0.1', port: 0, advertisedHost: undefined, brokerId: SELF, clusterId: 'own-id', gateway, logger: silentLogger() })
  return listener.port
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await listener?.close()
  listener = undefined
})

/** Sends one request and decodes its answer with the generated codecs. */
async function exchange<T>(port: number, api: ServedApi, version: number, write: (w: KafkaWriter) => void, read: (r: KafkaReader, v: number) => T): Promise<T> {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  const w = new KafkaWriter()
  w.int32(0)
  writeRequestHeader(w, requestHeaderVersion(api, version), { requestApiKey: api.apiKey, requestApiVersion: version, correlationId: 77, clientId: 'cluster-test' })
  write(w)
  const frame = w.finish()
  new DataView(frame.buffer, frame.byteOffset).setInt32(0, frame.length - 4)
  const answer = await new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)))
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('the listener closed the connection')))
    socket.write(frame)
  })
  const r = new KafkaReader(answer)
  expect(readResponseHeader(r, responseHeaderVersion(api, version)).correlationId).toBe(77)
  const decoded = read(r, version)
  expect(r.remaining).toBe(0)
  return decoded
}

function metadataOf(port: number, version: number) {
  return exchange(port, KAFKA_APIS.Metadata, version,
    (w) => writeMetadataRequest(w, version, { ...defaultMetadataRequest(), topics: [{ topicId: new Uint8Array(16), name: 'orders' }] }), readMetadataResponse)
}

function records(): Uint8Array {
  const encoder = new RecordBatchEncoder()
  encoder.encode([{ value: new TextEncoder().encode('v') }])
  return encoder.copy()
}

describe('the Kafka listener in a cluster', () => {
  it('answers Metadata with the three brokers, the controller, and each partition\'s leader, epoch, replicas and ISR', async () => {
    const port = await start(fakeCluster([1, 2]))
    const m = await metadataOf(port, 12)
    // Broker 3 is not live: not listed, and an offline replica of the partitions it holds.
    expect(m.brokers).toEqual([
      { nodeId: 1, host: '127.0.0.1', port, rack: null },
      { nodeId: 2, host: '10.0.0.2', port: 19092, rack: 'rack-b' },
    ])
    expect(m.clusterId).toBe('cluster-of-three')
    expect(m.controllerId).toBe(2)
    expect(m.topics).toHaveLength(1)
    expect(m.topics[0]!.partitions).toEqual([
      { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 4, replicaNodes: [1, 2, 3], isrNodes: [1, 2, 3], offlineReplicas: [3] },
      { errorCode: 0, partitionIndex: 1, leaderId: 2, leaderEpoch: 6, replicaNodes: [2, 3, 1], isrNodes: [2, 1], offlineReplicas: [3] },
      { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, partitionIndex: 2, leaderId: -1, leaderEpoch: 5, replicaNodes: [3, 1, 2], isrNodes: [3], offlineReplicas: [3] },
    ])
    const all = await metadataOf(await restart(fakeCluster()), 1)
    expect(all.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([[1, '127.0.0.1', listener!.port], [2, '10.0.0.2', 19092], [3, '::1', 29092]])
  })

  it('answers Produce to a partition led elsewhere NOT_LEADER_OR_FOLLOWER with its leader, appending only where it leads', async () => {
    const port = await start(fakeCluster())
    const version = 10
    const answer = await exchange(port, KAFKA_APIS.Produce, version, (w) => writeProduceRequest(w, version, {
      ...defaultProduceRequest(), acks: -1, timeoutMs: 1000,
      topicData: [{ name: 'orders', topicId: new Uint8Array(16), partitionData: [0, 1, 2].map((index) => ({ index, records: records() })) }],
    }), readProduceResponse)
    const [p0, p1, p2] = answer.responses[0]!.partitionResponses
    expect(p0).toMatchObject({ index: 0, errorCode: 0, baseOffset: 10n })
    expect(p1).toMatchObject({ index: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n, currentLeader: { leaderId: 2, leaderEpoch: 6 } })
    expect(p1!.errorMessage).toMatch(/broker 2 leads it/)
    expect(p2).toMatchObject({ index: 2, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: -1, leaderEpoch: -1 } })
    expect(answer.nodeEndpoints).toEqual([{ nodeId: 2, host: '10.0.0.2', port: 19092, rack: 'rack-b' }])
    expect(produced).toEqual([0])
  })

  it('closes the connection on an acks 0 Produce to a partition led elsewhere (no answer could carry the error)', async () => {
    const port = await start(fakeCluster())
    const closed = exchange(port, KAFKA_APIS.Produce, 9, (w) => writeProduceRequest(w, 9, {
      ...defaultProduceRequest(), acks: 0, timeoutMs: 1000,
      topicData: [{ name: 'orders', topicId: new Uint8Array(16), partitionData: [0, 1].map((index) => ({ index, records: records() })) }],
    }), readProduceResponse)
    await expect(closed).rejects.toThrow(/closed the connection/)
    expect(produced).toEqual([0])
  })

  it('answers Fetch and ListOffsets of a partition led elsewhere NOT_LEADER_OR_FOLLOWER without reading it', async () => {
    const port = await start(fakeCluster())
    const fetched = await exchange(port, KAFKA_APIS.Fetch, 12, (w) => writeFetchRequest(w, 12, {
      ...defaultFetchRequest(), maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20,
      topics: [{ topic: 'orders', topicId: new Uint8Array(16), partitions: [{ partition: 1, currentLeaderEpoch: 6, fetchOffset: 0n, lastFetchedEpoch: -1,
        logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: new Uint8Array(16), highWatermark: 0n }] }],
    }), readFetchResponse)
    expect(fetched.responses[0]!.partitions[0]).toMatchObject({ partitionIndex: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      currentLeader: { leaderId: 2, leaderEpoch: 6 } })
    const offsets = await exchange(port, KAFKA_APIS.ListOffsets, 7, (w) => writeListOffsetsRequest(w, 7, {
      ...defaultListOffsetsRequest(), topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, currentLeaderEpoch: -1, timestamp: -1n }] }],
    }), readListOffsetsResponse)
    expect(offsets.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 2, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, offset: -1n })
  })

  it('names real brokers in DescribeCluster and FindCoordinator, the same coordinator for a group from any broker', async () => {
    const port = await start(fakeCluster())
    const described = await exchange(port, KAFKA_APIS.DescribeCluster, 1, (w) => writeDescribeClusterRequest(w, 1, { ...defaultDescribeClusterRequest(), endpointType: 1 }),
      readDescribeClusterResponse)
    expect(described.clusterId).toBe('cluster-of-three')
    expect(described.controllerId).toBe(2)
    expect(described.brokers.map((b) => [b.brokerId, b.host, b.port, b.rack])).toEqual([[1, '127.0.0.1', port, null], [2, '10.0.0.2', 19092, 'rack-b'], [3, '::1', 29092, null]])
    const groups = ['billing', 'audit', 'shipping', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7']
    const found = await exchange(port, KAFKA_APIS.FindCoordinator, 4, (w) => writeFindCoordinatorRequest(w, 4, { ...defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: groups }),
      readFindCoordinatorResponse)
    const addresses = new Map<number, string>([[1, `127.0.0.1:${port}`], [2, '10.0.0.2:19092'], [3, '::1:29092']])
    expect(found.coordinators.map((c) => c.key)).toEqual(groups)
    for (const c of found.coordinators) {
      const leader = OFFSETS_LEADERS[groupPartition(c.key, OFFSETS_LEADERS.length)]!
      if (leader < 0) {
        expect(c).toMatchObject({ nodeId: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })
        continue
      }
      expect(c.errorCode).toBe(0)
      expect(c.nodeId).toBe(leader)
      expect(`${c.host}:${c.port}`).toBe(addresses.get(c.nodeId))
    }
    // The groups cover every case: each broker, and a partition without a leader.
    expect(new Set(found.coordinators.map((c) => c.nodeId))).toEqual(new Set([1, 2, 3, -1]))
    const again = await exchange(port, KAFKA_APIS.FindCoordinator, 3, (w) => writeFindCoordinatorRequest(w, 3, { ...defaultFindCoordinatorRequest(), keyType: 0, key: groups[0]! }),
      readFindCoordinatorResponse)
    expect(again.nodeId).toBe(found.coordinators[0]!.nodeId)
  })

  it('answers Metadata as the single broker it always was without a cluster', async () => {
    const port = await start(undefined)
    const m = await metadataOf(port, 12)
    expect(m.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port, rack: null }])
    expect(m.controllerId).toBe(1)
    expect(m.clusterId).toBe('own-id')
    expect(m.topics[0]!.partitions.map((p) => [p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes, p.errorCode]))
      .toEqual([[1, 0, [1], [1], 0], [1, 0, [1], [1], 0], [1, 0, [1], [1], 0]])
  })
})

async function restart(cluster: ClusterGateway): Promise<number> {
  for (const s of sockets.splice(0)) s.destroy()
  await listener?.close()
  return start(cluster)
}
