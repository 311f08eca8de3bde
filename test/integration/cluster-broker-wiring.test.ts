// A whole broker started in cluster mode (Broker.start with --cluster) against a real etcd, its
// cluster parts faked in the test: a controller that really creates topics in etcd (one replica, on
// this broker), a reconciler that opens this broker's replicas and reports itself leader of all but
// the partitions the test takes away. Through the WebSocket protocol: metadata and describeCluster
// tell etcd's view; produce, fetch, listOffsets, subscribe and deleteRecords of a partition this
// broker does not lead answer NOT_LEADER_OR_FOLLOWER; those it leads work as on a single broker;
// initProducerId hands out ids from etcd's blocks; the data dir gets etcd's cluster id.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClusterPartFactories } from '../../packages/broker/src/cluster/cluster-parts.js'
import type { LocalPartitionRole } from '../../packages/broker/src/gateway/context.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import { Broker } from '../../packages/broker/src/server/broker.js'
import { parseBrokerArgs, type BrokerConfig } from '../../packages/broker/src/server/config.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient } from '../support/broker-raw-client.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

let etcd: EtcdProcess
let broker: Broker
let client: RawClient
let dataDir: string
/** Partitions the fake reconciler does not lead (`topic-p`). */
const notLed = new Set<string>()

function fakeParts(): ClusterPartFactories {
  const roles = new Map<string, LocalPartitionRole>()
  const unreachable = async (): Promise<never> => { throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, 'no peers here') }
  const notHere = async (): Promise<never> => { throw new Error('not faked') }
  return {
    peerLinks: () => ({ request: unreachable, close: () => {}, closeAll: () => {} }),
    replicaFetchers: () => ({ follow: () => {}, unfollow: () => {}, close: async () => {}, lagOf: () => undefined }),
    isrWriter: () => ({ stop: () => {}, shrinks: 0, expands: 0 }),
    controller: ({ store, fence, watch }) => ({
      start: () => {}, stop: () => {}, deleteTopic: notHere, alterTopicConfig: notHere, createPartitions: notHere,
      createTopic: async (topic, numPartitions, replicationFactor, config) => {
        if ((replicationFactor ?? 1) > 1) throw new FaecieError(ErrorCode.INVALID_REPLICATION_FACTOR, 'one broker')
        const topicId = await store.createTopic(fence()!, { topic, config, replicas: Array.from({ length: numPartitions }, () => [1]) })
        return { topic, topicId, partitions: numPartitions, config, internal: false }
      },
    }),
    reconciler: ({ watch, partitions, partitionConfigOf, brokerId }) => {
      const opening = new Set<string>()
      const pass = (): void => {
        for (const [topic, states] of watch.state.partitions) {
          const record = watch.state.topics.get(topic)
          if (record === undefined) continue
          for (const [p, { value }] of states) {
            const key = `${topic}-${p}`
            if (!value.replicas.includes(brokerId) || opening.has(key)) continue
            opening.add(key)
            void partitions.open(topic, p, partitionConfigOf(record.value.config)).then(() => {
              roles.set(key, { role: 'leader', leader: value.leader, leaderEpoch: value.leaderEpoch })
            })
          }
        }
      }
      return {
        start: async () => { watch.on('change', pass); pass() },
        stop: () => { watch.off('change', pass) },
        settled: async () => undefined,
        replicaRestarted: () => undefined,
        localRole: (topic, p) => {
          const key = `${topic}-${p}`
          const role = roles.get(key)
          return role === undefined || !notLed.has(key) ? role : { role: 'follower', leader: 2, leaderEpoch: role.leaderEpoch }
        },
      }
    },
  }
}

beforeAll(async () => {
  etcd = await startEtcdProcess()
  dataDir = makeTempDir('faecie-cluster-wiring-')
  const config = parseBrokerArgs(['--cluster', etcd.clientUrl, '--cluster-name', `w-${randomUUID().slice(0, 8)}`, '--broker-id', '1',
    '--port', '0', '--kafka-port', '0', '--data-dir', dataDir, '--partition-threads', '1', '--replication-factor', '1',
    '--controlled-shutdown-timeout-ms', '0']) as BrokerConfig
  broker = await Broker.start(config, silentLogger(), () => {}, { clusterParts: fakeParts() })
  client = await RawClient.connect(broker.url)
}, 15 * 60_000)

afterAll(async () => {
  await client?.close()
  await broker?.stop()
  await etcd?.stop()
  if (dataDir !== undefined) removeTempDir(dataDir)
})

async function ready(topic: string, partitions: number): Promise<void> {
  const created = await client.request('createTopics', { topics: [{ topic, numPartitions: partitions }] })
  expect(created.topics[0].error).toBeUndefined()
  await waitFor(`${topic} led here`, async () => {
    const answer = await client.request('produce', produceFrame(topic, partitions - 1, batchOf('probe', 1)))
    return firstPartition(answer).error === undefined
  })
}

describe('a broker in cluster mode', () => {
  it('keeps etcd\'s cluster id in its data dir and tells it in metadata and describeCluster', async () => {
    const meta = JSON.parse(readFileSync(join(dataDir, 'meta.json'), 'utf8')) as { clusterId: string; brokerId: number }
    expect(meta.brokerId).toBe(1)
    await ready('orders', 2)
    const answer = await client.request('metadata', { topics: ['orders'] })
    expect(answer.clusterId).toBe(meta.clusterId)
    expect(answer.controllerId).toBe(1)
    expect(answer.brokers).toEqual([{ brokerId: 1, url: broker.url, rack: null }])
    expect(answer.topics[0].partitions).toEqual([0, 1].map((partition) => ({ partition, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1] })))
    const cluster = await client.request('describeCluster', {})
    expect(cluster).toMatchObject({ mode: 'cluster', clusterId: meta.clusterId, controllerId: 1, etcd: [etcd.clientUrl] })
    expect(cluster.brokers).toEqual([{ brokerId: 1, url: broker.url, rack: null, kafkaAddress: `127.0.0.1:${broker.kafkaPort}` }])
  })

  it('serves the partitions it leads as a single broker does, and refuses the others with NOT_LEADER_OR_FOLLOWER', async () => {
    await ready('split', 2)
    notLed.add('split-1')
    const led = firstPartition(await client.request('produce', produceFrame('split', 0, batchOf('a', 2))))
    expect(led.error).toBeUndefined()
    const fetched = firstPartition(await client.request('fetch', fetchFrame('split', 0, 0)))
    expect(fetched.error).toBeUndefined()
    expect(fetched.highWatermark).toBe(led.baseOffset + 2)
    const code = (answer: { error?: { code: number } } | undefined): number | undefined => answer?.error?.code
    expect(code(firstPartition(await client.request('produce', produceFrame('split', 1, batchOf('b', 1)))))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(code(firstPartition(await client.request('fetch', fetchFrame('split', 1, 0))))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    const listed = await client.request('listOffsets', { topics: [{ topic: 'split', partitions: [{ partition: 1, timestamp: -1 }, { partition: 0, timestamp: -1 }] }] })
    expect(listed.topics[0].partitions.map((p: { error?: { code: number } }) => p.error?.code)).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER, undefined])
    const deleted = await client.request('deleteRecords', { topics: [{ topic: 'split', partitions: [{ partition: 1, offset: 0 }] }] })
    expect(deleted.topics[0].partitions[0].error.code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    const sub = await client.request('subscribe', { topic: 'split', partition: 1, offset: 0, creditBytes: 1024 })
    expect(sub.error.code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    notLed.delete('split-1')
    expect(code(firstPartition(await client.request('produce', produceFrame('split', 1, batchOf('c', 1)))))).toBeUndefined()
  })

  it('hands out producer ids from etcd\'s blocks, and passes the replication factor to the controller', async () => {
    const first = await client.request('initProducerId', {})
    const second = await client.request('initProducerId', {})
    expect(second.producerId).toBe(first.producerId + 1)
    const wide = await client.request('createTopics', { topics: [{ topic: 'wide', replicationFactor: 3 }] })
    expect(wide.topics[0].error.code).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
  })
})
