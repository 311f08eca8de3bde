// Applying etcd's changes to the cluster state: puts and deletes of each kind of key, the revision
// carried along, and a value faecie cannot read (written by hand) left out instead of a crash.
import type { IKeyValue } from 'etcd3'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { applyChange, emptyClusterState } from './cluster-state.js'
import { ClusterKeys } from './keys.js'

const keys = new ClusterKeys('unit')
const logger = silentLogger()

function kv(key: string, value: unknown, modRevision: number, createRevision = modRevision): IKeyValue {
  const text = typeof value === 'string' && value.startsWith('raw:') ? value.slice(4) : JSON.stringify(value)
  return { key: Buffer.from(key), value: Buffer.from(text), mod_revision: String(modRevision), create_revision: String(createRevision), version: '1', lease: '0' }
}

describe('applyChange', () => {
  it('puts and deletes each kind of key, keeping the latest revision', () => {
    const state = emptyClusterState()
    const partition = { leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1], replicas: [1] }
    applyChange(state, keys, 'put', kv(keys.clusterId(), 'id-1', 3), logger)
    applyChange(state, keys, 'put', kv(keys.broker(1), { brokerId: 1, advertisedUrl: 'ws://a:1', rack: null, registeredAt: '' }, 4), logger)
    applyChange(state, keys, 'put', kv(keys.controller(), { brokerId: 1 }, 5), logger)
    applyChange(state, keys, 'put', kv(keys.topic('t'), { topicId: 'x', partitions: 1, config: {} }, 6), logger)
    applyChange(state, keys, 'put', kv(keys.partition('t', 0), partition, 6), logger)
    expect(state).toMatchObject({ revision: 6, clusterId: 'id-1', controller: { brokerId: 1, createRevision: 5 } })
    expect(state.partitions.get('t')!.get(0)).toEqual({ value: partition, modRevision: 6 })
    applyChange(state, keys, 'delete', kv(keys.controller(), '', 7), logger)
    applyChange(state, keys, 'delete', kv(keys.broker(1), '', 8), logger)
    applyChange(state, keys, 'delete', kv(keys.partition('t', 0), '', 9), logger)
    expect(state).toMatchObject({ revision: 9, controller: undefined })
    expect(state.brokers.size).toBe(0)
    expect(state.partitions.has('t')).toBe(false)
  })

  it('leaves out a value that is not JSON and a key it does not know', () => {
    const state = emptyClusterState()
    applyChange(state, keys, 'put', kv(keys.topic('t'), 'raw:{not json', 2), logger)
    applyChange(state, keys, 'put', kv('/faecie/unit/elsewhere', 1, 3), logger)
    expect(state.topics.size).toBe(0)
    expect(state.revision).toBe(3)
  })
})
