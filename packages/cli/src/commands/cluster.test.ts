// The cluster-facing text of the CLI: `cluster describe`'s lines, `topics describe`'s per-partition
// Leader / Replicas / Isr (as kafka-topics.sh --describe prints them), --broker's list; the command
// lines of reassign / drain / elect-leaders (refused before any broker is contacted), plan files,
// --verify's verdicts and elect-leaders' report.
import { ErrorCode, FaecieError } from '@faecie/client'
import { describe, expect, it } from 'vitest'
import { UsageError, parseFlags } from '../args.js'
import { BROKER_ADDRESSES_MAX, targetOf } from '../connect.js'
import { LineWriter } from '../output.js'
import { generatedLines, parsePlan, verifyLine, verifyPartition } from '../reassign-file.js'
import { brokerIds } from './cluster-reassign.js'
import { clusterCommand, clusterLines, electionLines } from './cluster.js'
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
  it('prints the replication factor and each partition\'s leader, replicas and ISR (none: no leader, as Kafka)', () => {
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
      '\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: 2\tLogStartOffset: 0\tHighWatermark: 5\tLogEndOffset: 7\tSize: 100',
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

describe('cluster reassign, drain and elect-leaders command lines', () => {
  const out = new LineWriter()
  const refused = (argv: string[]) => expect(clusterCommand([...argv, '--broker', 'ws://127.0.0.1:1'], out)).rejects.toThrow(UsageError)

  it('refuses a bad command line before any broker is contacted (exit 2)', async () => {
    await refused(['reassign', '--topic', 't', '--partition', '0'])
    await expect(clusterCommand(['reassign', '--generate', '--execute', '--plan', 'p'], out)).rejects.toThrow(/one of --replicas.*not --generate and --execute/)
    await expect(clusterCommand(['reassign', '--generate', '--brokers', '1', '--plan', 'x'], out)).rejects.toThrow(/--generate does not take --plan/)
    await expect(clusterCommand(['reassign', '--replicas', '1,1', '--topic', 't', '--partition', '0'], out)).rejects.toThrow(/names a broker twice/)
    await expect(clusterCommand(['reassign', '--replicas', '1,x', '--topic', 't', '--partition', '0'], out)).rejects.toThrow(/--replicas must be an integer/)
    await expect(clusterCommand(['reassign', '--replicas', '1', '--topic', 't'], out)).rejects.toThrow(/--partition is required/)
    await expect(clusterCommand(['reassign', '--cancel'], out)).rejects.toThrow(/--cancel needs --plan/)
    await refused(['drain'])
    await expect(clusterCommand(['drain', '--broker-id', '2', '--throttle', '10'], out)).rejects.toThrow(/--throttle goes with --execute/)
    await expect(clusterCommand(['elect-leaders'], out)).rejects.toThrow(/needs --preferred/)
    await expect(clusterCommand(['elect-leaders', '--preferred', '--partition', '1'], out)).rejects.toThrow(/--partition goes with --topic/)
    await expect(clusterCommand(['reassignments', '--brokers', '1'], out)).rejects.toThrow(/does not take --brokers/)
    await expect(clusterCommand(['throttle'], out)).rejects.toThrow(/one of --bytes-per-sec N .* or --remove/)
    await expect(clusterCommand(['throttle', '--bytes-per-sec', '5', '--remove'], out)).rejects.toThrow(/one of --bytes-per-sec/)
    await expect(clusterCommand(['throttle', '--bytes-per-sec', '0'], out)).rejects.toThrow(/--bytes-per-sec must be an integer >= 1/)
    await expect(clusterCommand(['reassign', '--execute', '--plan', 'p', '--preserve-throttles'], out)).rejects.toThrow(/--execute does not take --preserve-throttles/)
  })

  it('reads broker lists', () => {
    expect(brokerIds(' 3, 1 ,2', 'brokers')).toEqual([3, 1, 2])
    expect(() => brokerIds(',', 'brokers')).toThrow(/names no broker/)
  })
})

describe('plan files', () => {
  it('reads kafka-reassign-partitions\' file, log_dirs and all', () => {
    const text = JSON.stringify({ version: 1, partitions: [{ topic: 't', partition: 0, replicas: [2, 1], log_dirs: ['any', 'any'] }] })
    expect(parsePlan(text, 'p.json')).toEqual({ version: 1, partitions: [{ topic: 't', partition: 0, replicas: [2, 1] }] })
  })

  it('names what is wrong in a bad file', () => {
    const bad = (json: unknown) => () => parsePlan(typeof json === 'string' ? json : JSON.stringify(json), 'p.json')
    expect(bad('{')).toThrow(/p.json is not JSON/)
    expect(bad([])).toThrow(/not a JSON object/)
    expect(bad({ version: 2, partitions: [] })).toThrow(/version 2, only 1/)
    expect(bad({ partitions: {} })).toThrow(/"partitions" is not a list/)
    expect(bad({ partitions: [{ topic: '', partition: 0, replicas: [1] }] })).toThrow(/partitions\[0\].topic/)
    expect(bad({ partitions: [{ topic: 't', partition: -1, replicas: [1] }] })).toThrow(/partitions\[0\].partition/)
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [] }] })).toThrow(/replicas is not a list of 1 to 64/)
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1.5] }] })).toThrow(/not a broker id/)
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1, 1] }] })).toThrow(/names a broker twice/)
    expect(bad({ partitions: [{ topic: 't', partition: 0, replicas: [1] }, { topic: 't', partition: 0, replicas: [2] }] })).toThrow(/t-0 is named twice/)
  })

  it('prints the generated plan with the assignment to roll back to', () => {
    const lines = generatedLines({ current: { version: 1, partitions: [{ topic: 't', partition: 0, replicas: [1] }] },
      proposed: { version: 1, partitions: [{ topic: 't', partition: 0, replicas: [2] }] }, replicaMoves: 1, leaderChanges: 1 })
    expect(lines).toEqual(['Current partition replica assignment', '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]}]}', '',
      'Proposed partition reassignment configuration', '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2]}]}'])
  })

  it('verifies each partition: in progress while listed, complete when its replicas are the target in order, else failed', () => {
    const planned = { topic: 't', partition: 3, replicas: [4, 5, 6] }
    expect(verifyLine(verifyPartition(planned, [4, 5, 6, 1], true))).toBe('Reassignment of partition t-3 is still in progress.')
    expect(verifyLine(verifyPartition(planned, [4, 5, 6], false))).toBe('Reassignment of partition t-3 is completed.')
    expect(verifyPartition(planned, [5, 4, 6], false).status).toBe('failed')
    expect(verifyLine(verifyPartition(planned, [1, 2, 3], false))).toBe('There is no active reassignment of partition t-3, but replica set is 1,2,3 rather than 4,5,6.')
    expect(verifyLine(verifyPartition(planned, undefined, false))).toBe('Partition t-3 does not exist: its reassignment failed.')
  })
})

describe('electionLines', () => {
  it('says which partitions were elected, which were led by their preferred replica already, and each failure', () => {
    const error = (code: number, message: string) => new FaecieError(code, message)
    const { lines, failed } = electionLines([
      { topic: 't', partition: 0, leader: 1 }, { topic: 't', partition: 1, leader: 2 },
      { topic: 't', partition: 2, leader: 3, error: error(ErrorCode.ELECTION_NOT_NEEDED, 'already') },
      { topic: 't', partition: 3, leader: 1, error: error(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, 't-3: broker 4 is not in the ISR') },
    ])
    expect(lines).toEqual([
      'Successfully completed leader election (PREFERRED) for partitions t-0,t-1',
      'Valid replica already elected for partitions t-2',
      'Error completing leader election (PREFERRED) for partition t-3: t-3: broker 4 is not in the ISR [PREFERRED_LEADER_NOT_AVAILABLE]',
    ])
    expect(failed.map((f) => f.partition)).toEqual([3])
  })
})
