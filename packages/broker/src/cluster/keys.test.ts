// The cluster's key layout: every key the store writes parses back to what it names, and a key
// faecie does not write (another cluster's, a hand-made one) parses to nothing.
import { describe, expect, it } from 'vitest'
import { ClusterKeys, leaseTtlSeconds, parseClusterKey } from './keys.js'

const keys = new ClusterKeys('prod')

describe('cluster keys', () => {
  it('parses back every key it builds', () => {
    expect(parseClusterKey(keys, keys.clusterId())).toEqual({ kind: 'cluster-id' })
    expect(parseClusterKey(keys, keys.controller())).toEqual({ kind: 'controller' })
    expect(parseClusterKey(keys, keys.broker(12))).toEqual({ kind: 'broker', brokerId: 12 })
    expect(parseClusterKey(keys, keys.topic('a.b-c_d'))).toEqual({ kind: 'topic', topic: 'a.b-c_d' })
    expect(parseClusterKey(keys, keys.assignment('orders'))).toEqual({ kind: 'assignment', topic: 'orders' })
    expect(parseClusterKey(keys, keys.partition('orders', 7))).toEqual({ kind: 'partition', topic: 'orders', partition: 7 })
    expect(parseClusterKey(keys, keys.producerIdBlock())).toEqual({ kind: 'producer-id-block' })
  })

  it('parses keys it does not write to nothing', () => {
    for (const key of ['/faecie/other/controller', '/faecie/prod/brokers/01', '/faecie/prod/brokers/x', '/faecie/prod/partitions/t/x',
      '/faecie/prod/partitions/t', '/faecie/prod/topics/', '/faecie/prod/controller/x', '/faecie/prod/unknown', '/faecie/prod/']) {
      expect(parseClusterKey(keys, key)).toBeUndefined()
    }
  })

  it('keeps the prefix one path segment and leases whole seconds of at least 2', () => {
    expect(() => new ClusterKeys('a/b')).toThrow(RangeError)
    expect(() => new ClusterKeys('')).toThrow(RangeError)
    expect(leaseTtlSeconds(6000)).toBe(6)
    expect(leaseTtlSeconds(2000)).toBe(2)
    for (const ms of [1999, 2500, 1000.5]) expect(() => leaseTtlSeconds(ms)).toThrow(RangeError)
  })
})
