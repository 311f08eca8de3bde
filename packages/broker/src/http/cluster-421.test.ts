// The HTTP API in cluster mode, with fastify's inject and a fake ClusterGateway (three brokers; this
// one is broker 1): partition routes on a broker that does not lead the partition answer 421 with the
// leader's HTTP URL (null for a partition without a leader) and append nothing; keyless records go to
// a partition led here; a whole-topic tail led elsewhere names every leader; /health gains
// `cluster`; the topic description names leaders. The same requests without a cluster never see 421.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { ClusterGateway, Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from '../security/gateway-security.js'
import { registerHttpApi } from './http-api.js'
import { httpUrlOf } from './leadership.js'

type State = NonNullable<ReturnType<ClusterGateway['partitionState']>>

const SELF = 1
const URLS = new Map([[1, 'ws://127.0.0.1:9201'], [2, 'ws://127.0.0.1:9202'], [3, 'ws://127.0.0.1:9203']])
const META: TopicMeta = { topic: 'orders', topicId: '00000000-0000-4000-8000-000000000001', partitions: 4, config: {}, internal: false }

/** orders-0 led here, orders-1 by broker 2, orders-2 offline, orders-3 by broker 3 (under-replicated). */
function states(): Map<number, State> {
  return new Map<number, State>([
    [0, { leader: 1, leaderEpoch: 4, partitionEpoch: 7, isr: [1, 2, 3], replicas: [1, 2, 3] }],
    [1, { leader: 2, leaderEpoch: 2, partitionEpoch: 3, isr: [2, 1], replicas: [2, 3, 1] }],
    [2, { leader: -1, leaderEpoch: 5, partitionEpoch: 9, isr: [3], replicas: [3, 1, 2] }],
    [3, { leader: 3, leaderEpoch: 1, partitionEpoch: 1, isr: [3, 1], replicas: [3, 2, 1] }],
  ])
}

function fakeCluster(partitions: Map<number, State>): ClusterGateway {
  return {
    clusterId: 'c-test', brokerId: SELF, etcdEndpoints: ['http://127.0.0.1:2379'],
    localRole: () => undefined,
    isLeaderNow: (topic, p) => topic === META.topic && partitions.get(p)?.leader === SELF,
    partitionState: (topic, p) => (topic === META.topic ? partitions.get(p) : undefined),
    brokers: () => [...URLS].map(([brokerId, advertisedUrl]) => ({ brokerId, advertisedUrl, rack: null })),
    controllerId: () => 3,
    brokerUrl: (id) => URLS.get(id),
  }
}

interface Produced { partition: number; bytes: number }

let app: FastifyInstance | undefined

/** What the fake partitions do on produce; default: append at offset 10. */
let onProduce: (partition: number) => void = () => undefined

async function build(cluster: ClusterGateway | undefined): Promise<{ app: FastifyInstance; produced: Produced[] }> {
  const produced: Produced[] = []
  const gateway = {
    limits: DEFAULT_LIMITS, logger: silentLogger(), draining: false, cluster, security: openGatewaySecurity(silentLogger()),
    broker: { brokerId: SELF, clusterId: 'c-test', serverVersion: '0', url: URLS.get(SELF)!, autoCreateTopics: false },
    topics: { lookup: (t: string) => (t === META.topic ? META : undefined), all: () => [META] },
    partitions: {
      produce: async (_topic: string, partition: number, records: Uint8Array) => {
        onProduce(partition)
        produced.push({ partition, bytes: records.length })
        return { baseOffset: 10, lastOffset: 10, logAppendTime: -1, logStartOffset: 0, duplicate: false }
      },
    },
    metrics: { observeRequest: () => undefined, recordIn: () => undefined },
  } as unknown as Gateway
  app = Fastify()
  // The gateway's own /health (gateway-server.ts), registered before the API as the broker does.
  app.get('/health', async () => ({ status: 'ok', sessions: 0 }))
  await registerHttpApi(app, gateway)
  await app.ready()
  return { app, produced }
}

afterEach(async () => {
  await app?.close()
  app = undefined
  onProduce = () => undefined
})

function produce(a: FastifyInstance, records: unknown[]) {
  return a.inject({ method: 'POST', url: '/v1/topics/orders/records', headers: { 'content-type': 'application/json' }, payload: { records } })
}

describe('HTTP API in a cluster', () => {
  it('turns advertised ws URLs into http URLs', () => {
    expect(httpUrlOf('ws://10.0.0.7:8092')).toBe('http://10.0.0.7:8092')
    expect(httpUrlOf('wss://b.example:443/v1/ws')).toBe('https://b.example')
    expect(httpUrlOf('http://x:1')).toBeUndefined()
    expect(httpUrlOf('not a url')).toBeUndefined()
  })

  it('answers a read of a partition led elsewhere 421 with the leader URL, and null without a leader', async () => {
    const { app } = await build(fakeCluster(states()))
    const led = await app.inject({ method: 'GET', url: '/v1/topics/orders/partitions/1/records?offset=0' })
    expect(led.statusCode).toBe(421)
    const body = led.json()
    expect(body.error).toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER, name: 'NOT_LEADER_OR_FOLLOWER', retriable: true })
    expect(body.error.message).toMatch(/broker 2 at http:\/\/127\.0\.0\.1:9202/)
    expect(body.leaderUrl).toBe('http://127.0.0.1:9202')
    expect(body.partitions).toEqual([{ partition: 1, leaderId: 2, leaderUrl: 'http://127.0.0.1:9202' }])

    const offline = await app.inject({ method: 'GET', url: '/v1/topics/orders/partitions/2/records' })
    expect(offline.statusCode).toBe(421)
    expect(offline.json()).toMatchObject({ leaderUrl: null, partitions: [{ partition: 2, leaderId: -1, leaderUrl: null }] })

    const tail = await app.inject({ method: 'GET', url: '/v1/topics/orders/partitions/3/tail' })
    expect(tail.statusCode).toBe(421)
    expect(tail.json().leaderUrl).toBe('http://127.0.0.1:9203')
  })

  it('answers a produce with a record for a partition led elsewhere 421, appending nothing', async () => {
    const { app, produced } = await build(fakeCluster(states()))
    const r = await produce(app, [{ value: 'a', partition: 0 }, { value: 'b', partition: 3 }, { value: 'c', partition: 1 }])
    expect(r.statusCode).toBe(421)
    expect(r.json().partitions).toEqual([
      { partition: 1, leaderId: 2, leaderUrl: 'http://127.0.0.1:9202' },
      { partition: 3, leaderId: 3, leaderUrl: 'http://127.0.0.1:9203' },
    ])
    expect(r.json().leaderUrl).toBe('http://127.0.0.1:9202')
    expect(produced).toEqual([])
  })

  it('sends keyless records to a partition led here, and appends records for it', async () => {
    const { app, produced } = await build(fakeCluster(states()))
    for (let i = 0; i < 4; i++) {
      const r = await produce(app, [{ value: `v${i}` }])
      expect(r.statusCode).toBe(200)
      expect(r.json().records).toEqual([{ partition: 0, offset: 10 }])
    }
    expect(produced.map((p) => p.partition)).toEqual([0, 0, 0, 0])
  })

  it('answers 421 with the new leader when leadership moves between the check and the append', async () => {
    const moving = states()
    const { app, produced } = await build(fakeCluster(moving))
    onProduce = (partition) => {
      moving.set(partition, { ...moving.get(partition)!, leader: 3, leaderEpoch: 5 })
      throw new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'This broker is no longer the leader.')
    }
    const r = await produce(app, [{ value: 'a', partition: 0 }])
    expect(r.statusCode).toBe(421)
    expect(r.json()).toMatchObject({ leaderUrl: 'http://127.0.0.1:9203', partitions: [{ partition: 0, leaderId: 3, leaderUrl: 'http://127.0.0.1:9203' }] })
    expect(produced).toEqual([])
  })

  it('answers a whole-topic tail 421 naming every partition when it leads none', async () => {
    const none = states()
    none.set(0, { ...none.get(0)!, leader: 2 })
    const { app } = await build(fakeCluster(none))
    const r = await app.inject({ method: 'GET', url: '/v1/topics/orders/tail' })
    expect(r.statusCode).toBe(421)
    expect(r.json().partitions.map((p: { partition: number; leaderUrl: string | null }) => [p.partition, p.leaderUrl])).toEqual([
      [0, 'http://127.0.0.1:9202'], [1, 'http://127.0.0.1:9202'], [2, null], [3, 'http://127.0.0.1:9203'],
    ])
  })

  it('adds cluster to /health: ids, under-replicated and offline partitions of the cluster', async () => {
    const { app } = await build(fakeCluster(states()))
    const health = (await app.inject({ method: 'GET', url: '/health' })).json()
    expect(health).toEqual({ status: 'ok', sessions: 0, cluster: { brokerId: 1, controllerId: 3, underReplicatedPartitions: 3, offlinePartitions: 1 } })
  })

  it('changes nothing without a cluster: no 421, /health as it was', async () => {
    const { app, produced } = await build(undefined)
    const r = await produce(app, [{ value: 'c', partition: 1 }])
    expect(r.statusCode).toBe(200)
    expect(produced).toEqual([{ partition: 1, bytes: expect.any(Number) }])
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok', sessions: 0 })
  })
})
