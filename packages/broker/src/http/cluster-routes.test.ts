// GET /v1/cluster, GET /v1/reassignments and the topic description's reassignment fields, with
// fastify's inject and a fake ClusterGateway (brokers 1 and 2 registered, 2 the controller, 3 named in
// replicas but gone; orders-1 moving from [2,3] to [2,4]); and a single broker shown as a cluster of one.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { ClusterGateway, Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from '../security/gateway-security.js'
import { registerHttpApi } from './http-api.js'
import { emptyClusterState, type ClusterState } from '../cluster/cluster-state.js'
import { listReassignments as listReassignmentsOf } from '../cluster/reassignments-list.js'

type State = NonNullable<ReturnType<ClusterGateway['partitionState']>>

const URLS = new Map([[1, 'ws://127.0.0.1:9201'], [2, 'ws://127.0.0.1:9202']])
const META: TopicMeta = { topic: 'orders', topicId: '00000000-0000-4000-8000-000000000001', partitions: 3, config: {}, internal: false }
const STATES = new Map<number, State>([
  [0, { leader: 1, leaderEpoch: 4, partitionEpoch: 7, isr: [1, 2], replicas: [1, 2, 3] }],
  [1, { leader: 2, leaderEpoch: 2, partitionEpoch: 3, isr: [2, 3], replicas: [2, 4, 3], addingReplicas: [4], removingReplicas: [3] }],
  [2, { leader: -1, leaderEpoch: 5, partitionEpoch: 9, isr: [3], replicas: [3] }],
])

/** The fake's cluster state: the topic and its partitions' states, no throttle. */
function clusterState(): ClusterState {
  const state = emptyClusterState()
  state.topics.set(META.topic, { value: { topicId: META.topicId, partitions: META.partitions, config: {} }, modRevision: 1 })
  state.partitions.set(META.topic, new Map([...STATES].map(([p, value]) => [p, { value, modRevision: 1 }])))
  return state
}

/** What the fake's listPartitionReassignments does: by default the broker's own, over the fake's state. */
let listReassignments: (request: { topics?: string[] }) => ReturnType<ClusterGateway['listPartitionReassignments']> =
  (request) => listReassignmentsOf(clusterState(), request)

const fakeCluster = {
  clusterId: 'c-test', brokerId: 1, etcdEndpoints: ['http://127.0.0.1:2379'],
  localRole: () => undefined,
  isLeaderNow: () => false,
  partitionState: (topic: string, p: number) => (topic === META.topic ? STATES.get(p) : undefined),
  brokers: () => [...URLS].map(([brokerId, advertisedUrl]) => ({ brokerId, advertisedUrl, rack: null })),
  controllerId: () => 2,
  brokerUrl: (id: number) => URLS.get(id),
  listPartitionReassignments: (request: { topics?: string[] }) => listReassignments(request),
  // Partition 1's leader, broker 2, answers its own row over the broker link.
  requestBroker: async (brokerId: number) => ({ topics: [{ topic: META.topic, partitions: [1].map((partition) =>
    ({ partition, logStartOffset: 3, highWatermark: 40 + brokerId, logEndOffset: 42, sizeBytes: 900 })) }] }),
} as unknown as ClusterGateway

let app: FastifyInstance | undefined

async function build(cluster: ClusterGateway | undefined): Promise<FastifyInstance> {
  const gateway = {
    limits: DEFAULT_LIMITS, logger: silentLogger(), draining: false, cluster, security: openGatewaySecurity(silentLogger()),
    broker: { brokerId: 1, clusterId: 'c-test', serverVersion: '0', url: URLS.get(1)!, autoCreateTopics: false },
    topics: { lookup: (t: string) => (t === META.topic ? META : undefined), all: () => [META], limits: DEFAULT_LIMITS },
    partitions: { request: async () => ({ logStartOffset: 0, highWatermark: 5, logEndOffset: 5, sizeBytes: 100 }) },
    metrics: { observeRequest: () => undefined },
  } as unknown as Gateway
  app = Fastify()
  await registerHttpApi(app, gateway)
  await app.ready()
  return app
}

afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('GET /v1/cluster', () => {
  it('lists every broker with its state, the controller, leaderships and under-replicated partitions', async () => {
    const a = await build(fakeCluster)
    const response = await a.inject({ method: 'GET', url: '/v1/cluster' })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({ mode: 'cluster', clusterId: 'c-test', brokerId: 1, controllerId: 2, partitions: 3,
      underReplicatedPartitions: 1, offlinePartitions: 1, underReplicatedTruncated: false })
    expect(body.brokers).toEqual([
      { brokerId: 1, url: 'ws://127.0.0.1:9201', httpUrl: 'http://127.0.0.1:9201', rack: null, state: 'live', controller: false, leaderships: 1, underReplicated: 1 },
      { brokerId: 2, url: 'ws://127.0.0.1:9202', httpUrl: 'http://127.0.0.1:9202', rack: null, state: 'live', controller: true, leaderships: 1, underReplicated: 0 },
      { brokerId: 3, url: null, httpUrl: null, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 },
      { brokerId: 4, url: null, httpUrl: null, rack: null, state: 'offline', controller: false, leaderships: 0, underReplicated: 0 },
    ])
    expect(body.underReplicated).toEqual([
      { topic: 'orders', partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2] },
      { topic: 'orders', partition: 2, leader: -1, replicas: [3], isr: [3] },
    ])
  })

  it('shows a single broker as the one live broker and controller', async () => {
    const a = await build(undefined)
    const body = (await a.inject({ method: 'GET', url: '/v1/cluster' })).json()
    expect(body).toMatchObject({ mode: 'single', controllerId: 1, partitions: 3, underReplicatedPartitions: 0, offlinePartitions: 0, underReplicated: [] })
    expect(body.brokers).toEqual([{ brokerId: 1, url: 'ws://127.0.0.1:9201', httpUrl: 'http://127.0.0.1:9201', rack: null, state: 'live', controller: true, leaderships: 3, underReplicated: 0 }])
  })
})

describe('GET /v1/reassignments', () => {
  it('answers the moves listPartitionReassignments reads off the partition states', async () => {
    const a = await build(fakeCluster)
    const body = (await a.inject({ method: 'GET', url: '/v1/reassignments' })).json()
    expect(body).toEqual({ throttleBytesPerSec: null,
      reassignments: [{ topic: 'orders', partition: 1, replicas: [2, 4, 3], addingReplicas: [4], removingReplicas: [3], isr: [2, 3], leader: 2 }] })
    expect((await a.inject({ method: 'GET', url: '/v1/reassignments?topics=other' })).json().reassignments).toEqual([])
  })

  it("answers the op's throttle, and passes its errors on", async () => {
    listReassignments = () => ({ reassignments: [], throttleBytesPerSec: 1000 })
    const a = await build(fakeCluster)
    expect((await a.inject({ method: 'GET', url: '/v1/reassignments?topics=orders' })).json()).toEqual({ reassignments: [], throttleBytesPerSec: 1000 })
    listReassignments = () => { throw new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, 'boom') }
    expect((await a.inject({ method: 'GET', url: '/v1/reassignments' })).statusCode).toBe(500)
  })

  it('answers nothing in progress on a single broker', async () => {
    const a = await build(undefined)
    expect((await a.inject({ method: 'GET', url: '/v1/reassignments' })).json()).toEqual({ reassignments: [], throttleBytesPerSec: null })
  })
})

describe('GET /v1/topics/:topic in a cluster', () => {
  it('names the replicas being added and removed per partition', async () => {
    const a = await build(fakeCluster)
    const body = (await a.inject({ method: 'GET', url: '/v1/topics/orders' })).json()
    expect(body.partitions.map((p: Record<string, unknown>) => [p.leader, p.replicas, p.isr, p.addingReplicas, p.removingReplicas])).toEqual([
      [1, [1, 2, 3], [1, 2], [], []],
      [2, [2, 4, 3], [2, 3], [4], [3]],
      [-1, [3], [3], [], []],
    ])
    // Offsets are each partition's leader's: this broker's own for 0, broker 2's for 1, none for leaderless 2.
    expect(body.partitions.map((p: Record<string, unknown>) => p.highWatermark)).toEqual([5, 42, -1])
  })
})
