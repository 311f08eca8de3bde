// The cluster-mode flags (cluster-config.ts) through parseBrokerArgs: none without --cluster, the
// defaults, every flag read, and a clear usage error for each bad value or missing companion.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/test-support.js'
import { CLUSTER_DEFAULTS } from './cluster-config.js'
import { parseBrokerArgs, UsageError, type BrokerConfig } from './config.js'

const configDir = tempDir('faecie-cluster-cfg-')
afterAll(configDir.cleanup)

function parsed(argv: string[]): BrokerConfig {
  const config = parseBrokerArgs(argv)
  if (config === 'help') throw new Error('help')
  return config
}

const ETCD = ['--cluster', 'http://127.0.0.1:2379']

describe('cluster flags', () => {
  it('leave a single broker a single broker', () => {
    const config = parsed(['--port', '0'])
    expect(config.cluster).toBeUndefined()
    expect(config.brokerId).toBeUndefined()
  })

  it('have defaults, and need only --cluster and --broker-id', () => {
    const config = parsed([...ETCD, '--broker-id', '2'])
    expect(config.brokerId).toBe(2)
    expect(config.cluster).toEqual({
      etcdEndpoints: ['http://127.0.0.1:2379'], brokerId: 2, advertisedUrl: undefined, sessionTimeoutMs: 6000, rack: null,
      defaultReplicationFactor: 3, defaultMinInsyncReplicas: 1, replicaLagTimeMaxMs: 30_000, replicaFetchMaxWaitMs: 500, clusterName: 'faecie', controlledShutdownTimeoutMs: 30_000,
      offsetsTopicPartitions: 50, offsetsTopicReplicationFactor: 3,
    })
    expect(CLUSTER_DEFAULTS.sessionTimeoutMs).toBe(config.cluster!.sessionTimeoutMs)
  })

  it('reads every flag', () => {
    const config = parsed(['--cluster', 'http://10.0.0.1:2379, http://10.0.0.2:2379', '--broker-id', '7', '--advertised-url', 'ws://broker7.example:8092',
      '--broker-session-timeout-ms', '2000', '--rack', 'r1', '--replication-factor', '2', '--min-insync-replicas', '2',
      '--replica-lag-time-max-ms', '10000', '--replica-fetch-max-wait-ms', '100', '--cluster-name', 'blue',
      '--offsets-topic-partitions', '8', '--offsets-topic-replication-factor', '2', '--controlled-shutdown-timeout-ms', '5000'])
    expect(config.cluster).toEqual({
      etcdEndpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'], brokerId: 7, advertisedUrl: 'ws://broker7.example:8092', sessionTimeoutMs: 2000,
      rack: 'r1', defaultReplicationFactor: 2, defaultMinInsyncReplicas: 2, replicaLagTimeMaxMs: 10_000, replicaFetchMaxWaitMs: 100, clusterName: 'blue', controlledShutdownTimeoutMs: 5000,
      offsetsTopicPartitions: 8, offsetsTopicReplicationFactor: 2,
    })
  })

  it('takes the broker id from the config file when no --broker-id is given, the flag winning over it', () => {
    const file = join(configDir.dir, 'broker.json')
    writeFileSync(file, JSON.stringify({ brokerId: 4 }))
    expect(parsed([...ETCD, '--config', file]).cluster?.brokerId).toBe(4)
    expect(parsed([...ETCD, '--config', file, '--broker-id', '5']).cluster?.brokerId).toBe(5)
  })

  it('refuses cluster flags without --cluster, naming them', () => {
    expect(() => parseBrokerArgs(['--broker-id', '1'])).toThrow('--broker-id needs --cluster')
    expect(() => parseBrokerArgs(['--rack', 'a', '--replication-factor', '2'])).toThrow('--rack, --replication-factor need --cluster')
  })

  it('refuses bad values with a message saying what is wanted', () => {
    const bad: [string[], string][] = [
      [[...ETCD], '--cluster needs --broker-id'],
      [['--cluster', '', '--broker-id', '1'], 'at least one etcd URL'],
      [['--cluster', 'localhost:2379', '--broker-id', '1'], 'is not an etcd client URL'],
      [['--cluster', 'http://127.0.0.1', '--broker-id', '1'], 'is not an etcd client URL'],
      [[...ETCD, '--broker-id=-1'], '--broker-id must be an integer'], [[...ETCD, '--broker-id', 'x'], '--broker-id must be an integer'],
      [[...ETCD, '--broker-id', '1', '--advertised-url', 'http://h:1'], 'is not a broker URL'],
      [[...ETCD, '--broker-id', '1', '--advertised-url', 'ws://h'], 'is not a broker URL'],
      [[...ETCD, '--broker-id', '1', '--advertised-url', 'ws://h:1/v1/ws'], 'is not a broker URL'],
      [[...ETCD, '--broker-id', '1', '--broker-session-timeout-ms', '1000'], '--broker-session-timeout-ms must be an integer from 2000'],
      [[...ETCD, '--broker-id', '1', '--broker-session-timeout-ms', '2500'], 'whole seconds'],
      [[...ETCD, '--broker-id', '1', '--replication-factor', '0'], '--replication-factor must be an integer'],
      [[...ETCD, '--broker-id', '1', '--replication-factor', '2', '--min-insync-replicas', '3'], 'above --replication-factor'],
      [[...ETCD, '--broker-id', '1', '--replica-lag-time-max-ms', '10'], '--replica-lag-time-max-ms must be an integer'],
      [[...ETCD, '--broker-id', '1', '--replica-lag-time-max-ms', '1000', '--replica-fetch-max-wait-ms', '1000'], 'must be below --replica-lag-time-max-ms'],
      [[...ETCD, '--broker-id', '1', '--cluster-name', 'a/b'], '--cluster-name must be'],
      [[...ETCD, '--broker-id', '1', '--rack', ' '], '--rack must be'],
      [[...ETCD, '--broker-id', '1', '--offsets-topic-partitions', '0'], '--offsets-topic-partitions must be an integer'],
      [[...ETCD, '--broker-id', '1', '--offsets-topic-replication-factor', 'x'], '--offsets-topic-replication-factor must be an integer'],
    ]
    for (const [argv, message] of bad) {
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(UsageError)
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(message)
    }
  })
})
