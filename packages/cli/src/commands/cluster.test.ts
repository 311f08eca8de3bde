// The cluster-facing text of the CLI: `cluster describe`'s lines, `topics describe`'s per-partition
// Leader / Replicas / Isr (as kafka-topics.sh --describe prints them), and --broker's list.
import { describe, expect, it } from 'vitest'
import { parseFlags } from '../args.js'
import { BROKER_ADDRESSES_MAX, targetOf } from '../connect.js'
import { clusterLines } from './cluster.js'
import { describeLines } from './topics.js'

describe('clusterLines', () => {
  it('prints the cluster, its brokers by id (rack - when none) and the etcd endpoints', () => {
    const lines = clusterLines({
      mode: 'cluster', clusterId: 'c-1', controllerId: 2, etcd: ['http://e1:2379', 'http://e2:2379'],
      brokers: [{ brokerId: 3, url: 'ws://h3:8092', rack: null }, { brokerId: 1, url: 'ws://h1:8092', rack: 'a', kafkaAddress: 'h1:9092' }],
    })
    expect(lines).toEqual([
      'ClusterId: c-1\tMode: cluster\tController: 2\tBrokers: 2',
      '\tBroker: 1\tUrl: ws://h1:8092\tRack: a\tKafka: h1:9092',
      '\tBroker: 3\tUrl: ws://h3:8092\tRack: -',
      'Etcd: http://e1:2379,http://e2:2379',
    ])
  })
})

describe('describeLines with replicas', () => {
  it('prints the replication factor and each partition\'s leader, replicas and ISR (-1: no leader)', () => {
    const offsets = { logStartOffset: 0, highWatermark: 5, logEndOffset: 7, sizeBytes: 100 }
    const lines = describeLines({
      topic: 'orders', topicId: 'id', config: { 'retention.ms': '1' },
      partitions: [
        { partition: 0, leader: 1, leaderEpoch: 4, replicas: [1, 2, 3], isr: [1, 2], ...offsets },
        { partition: 1, leader: -1, leaderEpoch: 2, replicas: [2, 3, 1], isr: [2], ...offsets },
      ],
    })
    expect(lines).toEqual([
      'Topic: orders\tTopicId: id\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=1',
      '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tLogStartOffset: 0\tHighWatermark: 5\tLogEndOffset: 7\tSize: 100',
      '\tTopic: orders\tPartition: 1\tLeader: -1\tReplicas: 2,3,1\tIsr: 2\tLogStartOffset: 0\tHighWatermark: 5\tLogEndOffset: 7\tSize: 100',
    ])
  })
})

describe('--broker lists', () => {
  const target = (broker: string) => targetOf(parseFlags(['--broker', broker], {}))

  it('splits a comma-separated list, trimming blanks, each address made a WebSocket URL', () => {
    expect(target('h1:8092, ws://h2:8092 ,wss://h3/v1/ws')).toMatchObject({
      addresses: ['h1:8092', 'ws://h2:8092', 'wss://h3/v1/ws'],
      url: 'ws://h1:8092/v1/ws,ws://h2:8092/v1/ws,wss://h3/v1/ws',
    })
  })

  it('refuses an empty list, a bad address and a list over the limit', () => {
    expect(() => target(',')).toThrow(/no broker address/)
    expect(() => target('h1:8092,ftp://h2')).toThrow(/--broker: .*ftp:\/\/h2/)
    expect(() => target(Array.from({ length: BROKER_ADDRESSES_MAX + 1 }, (_, i) => `h${i}:1`).join(','))).toThrow(/at most/)
  })
})
