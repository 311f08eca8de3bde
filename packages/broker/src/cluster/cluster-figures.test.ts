// The runtime's pure pieces over a ClusterState: the leadership gate's every condition, the
// under-replicated and offline counts, and a changed topic config pushed only to replicas held here.
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import type { PartitionConfig } from '../partition/messages.js'
import { isLeaderNow, offlinePartitionCount, TopicConfigPush, TopicsMirror, underReplicatedLedBy } from './cluster-figures.js'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import type { PartitionState } from './metadata-store.js'

function stateWith(partitions: Record<string, PartitionState[]>): ClusterState {
  const state = emptyClusterState()
  for (const [topic, list] of Object.entries(partitions)) {
    state.topics.set(topic, { value: { topicId: `id-${topic}`, partitions: list.length, config: {} }, modRevision: 1 })
    state.partitions.set(topic, new Map(list.map((value, p) => [p, { value, modRevision: 1 }])))
  }
  return state
}

const led = (leader: number, isr: number[], replicas = [1, 2, 3], leaderEpoch = 0): PartitionState => ({ leader, leaderEpoch, partitionEpoch: 0, isr, replicas })

describe('isLeaderNow', () => {
  it('needs leadership applied at etcd\'s epoch, etcd naming this broker, and a live session', () => {
    const applied = { role: 'leader' as const, leader: 1, leaderEpoch: 4 }
    const state = led(1, [1, 2], [1, 2], 4)
    expect(isLeaderNow(1, applied, state, true)).toBe(true)
    expect(isLeaderNow(1, applied, state, false)).toBe(false)
    expect(isLeaderNow(1, undefined, state, true)).toBe(false)
    expect(isLeaderNow(1, { ...applied, role: 'follower' }, state, true)).toBe(false)
    expect(isLeaderNow(1, { ...applied, leaderEpoch: 3 }, state, true)).toBe(false)
    expect(isLeaderNow(1, applied, { ...state, leader: 2, leaderEpoch: 4 }, true)).toBe(false)
    expect(isLeaderNow(1, applied, undefined, true)).toBe(false)
  })
})

describe('partition counts', () => {
  it('counts the under-replicated partitions a broker leads, and every offline one', () => {
    const state = stateWith({ a: [led(1, [1, 2, 3]), led(1, [1]), led(2, [2])], b: [led(-1, [3]), led(1, [1, 3])] })
    expect(underReplicatedLedBy(state, 1)).toBe(2)
    expect(underReplicatedLedBy(state, 2)).toBe(1)
    expect(offlinePartitionCount(state)).toBe(1)
  })
})

describe('TopicConfigPush', () => {
  it('pushes a changed config to the replicas held here only, and nothing for a new topic or an unchanged config', async () => {
    const pushed: [string, number, PartitionConfig][] = []
    const push = new TopicConfigPush({
      partitions: { updateConfig: async (topic, p, config) => { pushed.push([topic, p, config]); return undefined as never } },
      limits: { batchBytesMax: 1 << 20 }, logger: silentLogger(), hasReplica: (_topic, p) => p !== 1,
    })
    const state = stateWith({ t: [led(1, [1]), led(1, [1]), led(1, [1])] })
    push.apply(state)
    expect(pushed).toEqual([])
    state.topics.set('t', { value: { topicId: 'id-t', partitions: 3, config: {} }, modRevision: 2 }) // same config, new revision
    push.apply(state)
    expect(pushed).toEqual([])
    state.topics.set('t', { value: { topicId: 'id-t', partitions: 3, config: { 'retention.ms': '1234' } }, modRevision: 3 })
    push.apply(state)
    expect(pushed.map(([topic, p, config]) => [topic, p, config.retentionMs])).toEqual([['t', 0, 1234], ['t', 2, 1234]])
  })
})

describe('TopicsMirror', () => {
  it('sends the topics once per change, changes during a send coalescing into one more send of the latest list', async () => {
    const state = stateWith({ a: [led(1, [1])] })
    const sent: string[][] = []
    let release: (() => void) | undefined
    const mirror = new TopicsMirror({
      state: () => state, topics: () => [...state.topics.keys()].map((topic) => ({ topic, topicId: '', partitions: 1, config: {}, internal: false })),
      send: async (topics) => { sent.push(topics.map((t) => t.topic)); await new Promise<void>((resolve) => { release = resolve }) }, logger: silentLogger(),
    })
    const first = mirror.changed()
    await mirror.changed() // nothing changed: no second send
    state.topics.set('b', { value: { topicId: 'id-b', partitions: 1, config: {} }, modRevision: 2 })
    await mirror.changed()
    state.topics.set('c', { value: { topicId: 'id-c', partitions: 1, config: {} }, modRevision: 3 })
    await mirror.changed()
    expect(sent).toEqual([['a']])
    release!()
    await new Promise((resolve) => setImmediate(resolve))
    expect(sent).toEqual([['a'], ['a', 'b', 'c']])
    release!()
    await first
    state.topics.delete('a')
    const third = mirror.changed()
    release!()
    await third
    expect(sent).toEqual([['a'], ['a', 'b', 'c'], ['b', 'c']])
  })
})
