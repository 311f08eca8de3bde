// TopicService in cluster mode over ClusterTopics, with etcd's state, the controller and the peer
// links faked: topics come from the watched state (internal ones from the coordinator), changes go
// to this broker's controller or are forwarded once to the controller broker, NOT_CONTROLLER when
// there is none or the request was already forwarded, and producer ids come from etcd blocks.
import { ErrorCode, FaecieError, type OpName } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import type { CoordinatorClient } from '../coordinator/coordinator-client.js'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import { silentLogger } from '../log.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import { TopicService } from '../topics/topic-service.js'
import type { ControllerLike } from './cluster-parts.js'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import { ClusterTopics } from './cluster-topics.js'
import type { ProducerIdBlock } from './metadata-store.js'

const SELF = 1
const LIMITS = { batchBytesMax: 1024 * 1024, partitionsPerTopicMax: 64 }

interface Call { brokerId: number; op: OpName; fields: Record<string, unknown> }

function setup(options: { controllerId?: number; selfController?: boolean; answer?: (call: Call) => unknown; blocks?: () => Promise<ProducerIdBlock> } = {}) {
  const state: ClusterState = emptyClusterState()
  for (const id of [1, 2, 3]) state.brokers.set(id, { brokerId: id, advertisedUrl: `ws://b${id}:1`, rack: null, registeredAt: '' })
  if (options.controllerId !== undefined) state.controller = { brokerId: options.controllerId, createRevision: 5 }
  state.topics.set('orders', { value: { topicId: 'id-orders', partitions: 3, config: { 'retention.ms': '1000' } }, modRevision: 10 })
  const controllerCalls: unknown[][] = []
  const made = (topic: string, partitions: number): TopicMeta => ({ topic, topicId: `id-${topic}`, partitions, config: {}, internal: false })
  const controller: ControllerLike = {
    start() {}, stop() {},
    createTopic: async (...args) => { controllerCalls.push(['createTopic', ...args]); return made(args[0], args[1]) },
    deleteTopic: async (topic) => { controllerCalls.push(['deleteTopic', topic]); return made(topic, 3) },
    alterTopicConfig: async (topic, changes) => { controllerCalls.push(['alterTopicConfig', topic, changes]); return made(topic, 3) },
    createPartitions: async (topic, count) => { controllerCalls.push(['createPartitions', topic, count]); return made(topic, count) },
    alterPartitionReassignments: async (request) => { controllerCalls.push(['alterPartitionReassignments', request]); return { partitions: [] } },
    electLeaders: async (request) => { controllerCalls.push(['electLeaders', request]); return { partitions: [] } },
  }
  const forwarded: Call[] = []
  const links = {
    request: async (brokerId: number, op: OpName, fields: Record<string, unknown>) => {
      forwarded.push({ brokerId, op, fields })
      return (options.answer ?? (() => { throw new Error('no answer scripted') }))({ brokerId, op, fields })
    },
  }
  let allocations = 0
  const cluster = new ClusterTopics({
    brokerId: SELF, state: () => state, controller: () => (options.selfController === true ? controller : undefined), links: links as never,
    allocateProducerIdBlock: options.blocks ?? (async () => ({ firstProducerId: BigInt(1000 * allocations++), size: 1000 })),
    limits: LIMITS, defaultReplicationFactor: 3, logger: silentLogger(),
  })
  const internal: TopicMeta = { topic: '__consumer_offsets', topicId: 'id-offsets', partitions: 1, config: {}, internal: true }
  const coordinator = { topic: (name: string) => (name === internal.topic ? internal : undefined), get topics() { return [internal].values() } }
  const partitions = {
    partitionCount: 0,
    open: () => { throw new Error('cluster mode: the reconciler opens partitions, not TopicService') },
    delete: () => { throw new Error('cluster mode: the reconciler deletes partitions, not TopicService') },
  }
  const topics = new TopicService({ coordinator: coordinator as unknown as CoordinatorClient, cluster, partitions: partitions as unknown as PartitionManager,
    limits: LIMITS, logger: silentLogger(), autoCreatePartitions: 2 })
  return { state, topics, cluster, controllerCalls, forwarded, allocations: () => allocations }
}

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise
    return undefined
  } catch (err) {
    if (err instanceof FaecieError) return err.code
    throw err
  }
}

describe('TopicService over the cluster', () => {
  it('reads topics from etcd\'s watched state, and the internal ones from the coordinator', () => {
    const { state, topics } = setup()
    expect(topics.clustered).toBe(true)
    expect(topics.lookup('orders')).toEqual({ topic: 'orders', topicId: 'id-orders', partitions: 3, config: { 'retention.ms': '1000' }, internal: false })
    expect(topics.lookup('__consumer_offsets')?.internal).toBe(true)
    expect(topics.all().map((t) => t.topic).sort()).toEqual(['__consumer_offsets', 'orders'])
    state.topics.set('orders', { value: { topicId: 'id-orders', partitions: 5, config: {} }, modRevision: 11 })
    expect(topics.lookup('orders')?.partitions).toBe(5)
    state.topics.delete('orders')
    expect(topics.lookup('orders')).toBeUndefined()
    expect(topics.all().map((t) => t.topic)).toEqual(['__consumer_offsets'])
  })

  it('makes every change through this broker\'s controller when it is the controller, opening no partition itself', async () => {
    const { topics, controllerCalls, forwarded } = setup({ controllerId: SELF, selfController: true })
    await topics.create('new', 4, { 'retention.ms': '5' }, false, { replicationFactor: 2 })
    await topics.ensure('auto')
    await topics.delete('orders')
    await topics.alterConfig('orders', { 'retention.ms': null })
    await topics.createPartitions('orders', 6)
    expect(controllerCalls).toEqual([
      ['createTopic', 'new', 4, 2, { 'retention.ms': '5' }], ['createTopic', 'auto', 2, undefined, {}], ['deleteTopic', 'orders'],
      ['alterTopicConfig', 'orders', { 'retention.ms': null }], ['createPartitions', 'orders', 6],
    ])
    expect(forwarded).toEqual([])
  })

  it('forwards a change as the same op to the controller broker, and its refusal comes back as it was', async () => {
    const { topics, forwarded } = setup({
      controllerId: 3,
      answer: ({ op, fields }) => {
        if (op === 'createTopics') {
          const spec = (fields['topics'] as { topic: string }[])[0]!
          return { topics: [spec.topic === 'taken' ? { topic: 'taken', error: new FaecieError(ErrorCode.TOPIC_ALREADY_EXISTS, 'exists').toWire() } : { topic: spec.topic, topicId: 'id-x' }] }
        }
        if (op === 'createPartitions') return { topic: fields['topic'], count: fields['count'] }
        if (op === 'alterTopicConfig') return { topic: fields['topic'], config: { 'retention.ms': '9' } }
        return { topics: [{ topic: (fields['topics'] as string[])[0] }] }
      },
    })
    const created = await topics.create('x', 2, {}, false, { replicationFactor: 3 })
    expect(created).toMatchObject({ topic: 'x', topicId: 'id-x', partitions: 2 })
    expect(await codeOf(topics.create('taken', 1, {}))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect((await topics.createPartitions('orders', 7)).partitions).toBe(7)
    expect((await topics.alterConfig('orders', { 'retention.ms': '9' })).config).toEqual({ 'retention.ms': '9' })
    expect((await topics.delete('orders')).topicId).toBe('id-orders')
    expect(forwarded.map((c) => [c.brokerId, c.op])).toEqual([[3, 'createTopics'], [3, 'createTopics'], [3, 'createPartitions'], [3, 'alterTopicConfig'], [3, 'deleteTopics']])
    expect(forwarded[0]!.fields).toEqual({ topics: [{ topic: 'x', numPartitions: 2, replicationFactor: 3, config: {} }] })
  })

  it('runs reassignments and preferred elections on its controller, forwards them to another, never forwards twice', async () => {
    const alter = { partitions: [{ topic: 'orders', partition: 0, replicas: [2, 3] }], throttleBytesPerSec: 100 }
    const elect = { electionType: 'preferred' as const }
    const here = setup({ controllerId: SELF, selfController: true })
    await here.cluster.alterPartitionReassignments(alter, true)
    await here.cluster.electLeaders(elect, true)
    expect(here.controllerCalls).toEqual([['alterPartitionReassignments', alter], ['electLeaders', elect]])
    const there = setup({ controllerId: 3, answer: ({ op }) => ({ partitions: [{ topic: 'orders', partition: 0, ...(op === 'electLeaders' ? { leader: 3 } : {}) }] }) })
    expect((await there.cluster.electLeaders(elect, true)).partitions[0]!.leader).toBe(3)
    await there.cluster.alterPartitionReassignments(alter, true)
    expect(there.forwarded).toEqual([{ brokerId: 3, op: 'electLeaders', fields: elect }, { brokerId: 3, op: 'alterPartitionReassignments', fields: alter }])
    expect(await codeOf(there.cluster.electLeaders(elect, false))).toBe(ErrorCode.NOT_CONTROLLER)
  })

  it('answers NOT_CONTROLLER (retriable) with no controller, for a forwarded request, and for an unreachable controller', async () => {
    const none = setup()
    expect(await codeOf(none.topics.create('x', 1, {}))).toBe(ErrorCode.NOT_CONTROLLER)
    const elsewhere = setup({ controllerId: 2, answer: () => { throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, 'unreachable') } })
    expect(await codeOf(elsewhere.topics.delete('orders', { mayForward: false }))).toBe(ErrorCode.NOT_CONTROLLER)
    expect(elsewhere.forwarded).toEqual([])
    expect(await codeOf(elsewhere.topics.createPartitions('orders', 9))).toBe(ErrorCode.NOT_CONTROLLER)
    expect(elsewhere.forwarded.length).toBe(1)
    const electedNotRunning = setup({ controllerId: SELF })
    expect(await codeOf(electedNotRunning.topics.alterConfig('orders', {}))).toBe(ErrorCode.NOT_CONTROLLER)
    const err = await none.topics.create('x', 1, {}).catch((e: FaecieError) => e)
    expect((err as FaecieError).retriable).toBe(true)
  })

  it('validates a validateOnly create locally, replication factor against the live brokers, and creates nothing', async () => {
    const { topics, controllerCalls, forwarded } = setup({ controllerId: 2 })
    expect((await topics.create('fine', 3, {}, true, { replicationFactor: 3 })).partitions).toBe(3)
    expect(await codeOf(topics.create('too-wide', 1, {}, true, { replicationFactor: 4 }))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
    expect(await codeOf(topics.create('orders', 1, {}, true))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect(await codeOf(topics.create('bad name!', 1, {}, true))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(await codeOf(topics.create('wide', 65, {}, true))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(await codeOf(topics.create('cfg', 1, { 'no.such.key': '1' }, true))).toBe(ErrorCode.INVALID_CONFIG)
    expect(controllerCalls).toEqual([])
    expect(forwarded).toEqual([])
  })

  it('hands out producer ids from etcd blocks: one allocation per block, shared by concurrent callers', async () => {
    const { topics, allocations } = setup()
    const first = await Promise.all(Array.from({ length: 10 }, () => topics.initProducerId()))
    expect(allocations()).toBe(1)
    const rest = await Promise.all(Array.from({ length: 995 }, () => topics.initProducerId()))
    const ids = [...first, ...rest]
    expect(new Set(ids).size).toBe(1005)
    expect(Math.max(...ids)).toBe(1004)
    expect(allocations()).toBe(2)
  })

  it('answers COORDINATOR_NOT_AVAILABLE when etcd cannot give a block, and tries again next time', async () => {
    let fail = true
    const { topics } = setup({ blocks: async () => { if (fail) throw new Error('etcd down'); return { firstProducerId: 7000n, size: 1000 } } })
    expect(await codeOf(topics.initProducerId())).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    fail = false
    expect(await topics.initProducerId()).toBe(7000)
  })
})
