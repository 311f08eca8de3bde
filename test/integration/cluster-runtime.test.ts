// The cluster runtime (packages/broker/src/cluster/cluster-runtime.ts) against a real etcd, with its
// parts (controller, reconciler, ISR writer, links, fetchers) faked and recorded: the cluster id
// created once, the broker registered with its URL and Kafka address, the controller started when
// elected, the reconciler's first pass after joining, the leadership gate (isLeaderNow) read
// synchronously from a manual monotonic clock, and the order of the stop. And the broker process:
// `--cluster` refuses a data directory of another cluster (here a single broker's), naming both ids.
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterPartFactories, ControllerParams, ReconcilerParams } from '../../packages/broker/src/cluster/cluster-parts.js'
import { ClusterRuntime } from '../../packages/broker/src/cluster/cluster-runtime.js'
import type { LocalPartitionRole } from '../../packages/broker/src/gateway/context.js'
import { resolveLimits } from '../../packages/broker/src/gateway/limits.js'
import { silentLogger } from '../../packages/broker/src/log.js'
import type { PartitionManager } from '../../packages/broker/src/partition/partition-manager.js'
import type { ClusterConfig } from '../../packages/broker/src/server/cluster-config.js'
import { runBrokerToExit } from '../support/broker-process.js'
import { closedPort } from '../support/ports.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { ManualClock } from '../support/manual-clock.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

/** Long enough that the real lease outlives the test while the manual clock stands still. */
const SESSION_TIMEOUT_MS = 60_000

let etcd: EtcdProcess
const runtimes: ClusterRuntime[] = []
const dirs: string[] = []

beforeAll(async () => { etcd = await startEtcdProcess() }, 15 * 60_000)
afterAll(async () => { await etcd?.stop() })
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.stop()
  for (const dir of dirs.splice(0)) removeTempDir(dir)
})

function clusterConfig(brokerId: number, clusterName: string): ClusterConfig {
  return { etcdEndpoints: [etcd.clientUrl], brokerId, advertisedUrl: undefined, sessionTimeoutMs: SESSION_TIMEOUT_MS, rack: 'r1',
    defaultReplicationFactor: 3, defaultMinInsyncReplicas: 2, replicaLagTimeMaxMs: 30_000, replicaFetchMaxWaitMs: 500, clusterName,
    offsetsTopicPartitions: 50, offsetsTopicReplicationFactor: 3, controlledShutdownTimeoutMs: 0 }
}

/** Fake parts recording what the runtime does with them; `roles` is what the fake reconciler says it applied. */
function fakeParts() {
  const events: string[] = []
  const roles = new Map<string, LocalPartitionRole>()
  const seen: { controller?: ControllerParams; reconciler?: ReconcilerParams } = {}
  const unused = async (): Promise<never> => { throw new Error('not used here') }
  const parts: ClusterPartFactories = {
    peerLinks: () => ({ request: unused, close: () => {}, closeAll: () => { events.push('links.closeAll') } }),
    replicaFetchers: () => ({ follow: () => {}, unfollow: () => {}, close: async () => { events.push('fetchers.close') }, lagOf: () => undefined }),
    isrWriter: () => ({ stop: () => { events.push('isrWriter.stop') }, shrinks: 0, expands: 0 }),
    controller: (params) => {
      seen.controller = params
      return { start: () => { events.push('controller.start') }, stop: () => { events.push('controller.stop') },
        createTopic: unused, deleteTopic: unused, alterTopicConfig: unused, createPartitions: unused }
    },
    reconciler: (params) => {
      seen.reconciler = params
      return { start: async () => { events.push(`reconciler.start fenced=${params.isFenced()}`) }, stop: () => { events.push('reconciler.stop') },
        localRole: (topic, partition) => roles.get(`${topic}-${partition}`), settled: async () => undefined, replicaRestarted: () => undefined }
    },
  }
  return { parts, events, roles, seen }
}

async function joined(brokerId: number, clusterName: string, clock: ManualClock) {
  const fake = fakeParts()
  const config = clusterConfig(brokerId, clusterName)
  const connection = await ClusterRuntime.connect(config, clock)
  const limits = resolveLimits({})
  const runtime = await ClusterRuntime.start(connection, { config, partitions: { onReopened: () => () => undefined } as unknown as PartitionManager, limits, logger: silentLogger(), clock, parts: fake.parts })
  runtimes.push(runtime)
  await runtime.join({ url: `ws://127.0.0.1:${8000 + brokerId}`, kafkaAddress: `127.0.0.1:${9000 + brokerId}` })
  return { runtime, connection, ...fake }
}

describe('ClusterRuntime', () => {
  it('creates the cluster id once, registers the broker with its addresses, runs the controller when elected, then the reconciler', async () => {
    const name = `rt-${randomUUID().slice(0, 8)}`
    const clock = new ManualClock(1_000)
    const { runtime, connection, events, seen } = await joined(1, name, clock)
    expect(runtime.clusterId).toMatch(/^[0-9a-f-]{36}$/)
    expect((await ClusterRuntime.connect(clusterConfig(2, name), clock).then((c) => { c.client.close(); return c.clusterId }))).toBe(runtime.clusterId)
    expect(events).toEqual(['controller.start', 'reconciler.start fenced=false'])
    await waitFor('the watch to show the registration and the controller', () => runtime.controllerId() === 1 && runtime.brokers().length === 1)
    expect(runtime.brokers()).toEqual([{ brokerId: 1, advertisedUrl: 'ws://127.0.0.1:8001', rack: 'r1', kafkaAddress: '127.0.0.1:9001' }])
    expect(runtime.brokerUrl(1)).toBe('ws://127.0.0.1:8001')
    expect(runtime.isController).toBe(true)
    expect(runtime.etcdEndpoints).toEqual([etcd.clientUrl])
    expect(seen.controller).toMatchObject({ defaultReplicationFactor: 3, defaultMinInsyncReplicas: 2 })
    expect(seen.controller!.fence()?.brokerId).toBe(1)
    expect((await connection.store.listBrokers()).map((b) => b.brokerId)).toEqual([1])
  })

  it('leads a partition only at the epoch etcd names and while the session is live on the clock at this instant', async () => {
    const name = `rt-${randomUUID().slice(0, 8)}`
    const clock = new ManualClock(1_000)
    const { runtime, connection, roles, seen } = await joined(1, name, clock)
    const fence = await connection.store.getController()
    await connection.store.createTopic(fence!, { topic: 't', config: {}, replicas: [[1, 2], [2, 1]] })
    await waitFor('the watch to show the partitions', () => runtime.partitionState('t', 1) !== undefined)
    expect(runtime.partitionState('t', 0)).toEqual({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2], replicas: [1, 2] })
    expect(runtime.isLeaderNow('t', 0)).toBe(false) // the reconciler has applied nothing yet
    roles.set('t-0', { role: 'leader', leader: 1, leaderEpoch: 0 })
    roles.set('t-1', { role: 'leader', leader: 1, leaderEpoch: 0 }) // etcd names broker 2
    expect(runtime.isLeaderNow('t', 0)).toBe(true)
    expect(runtime.isLeaderNow('t', 1)).toBe(false)
    roles.set('t-0', { role: 'leader', leader: 1, leaderEpoch: 1 }) // applied an epoch etcd does not name
    expect(runtime.isLeaderNow('t', 0)).toBe(false)
    roles.set('t-0', { role: 'leader', leader: 1, leaderEpoch: 0 })
    // Time passes without a renewal (as under SIGSTOP) and no timer has run: the gate closes at once.
    clock.nowMs = 1_000 + SESSION_TIMEOUT_MS - 1
    expect(runtime.isLeaderNow('t', 0)).toBe(true)
    expect(seen.reconciler!.isFenced()).toBe(false)
    clock.nowMs = 1_000 + SESSION_TIMEOUT_MS
    expect(runtime.isLeaderNow('t', 0)).toBe(false)
    // The reconciler runs by the session's state, which moves only with its fence timer and events
    // (each brings a pass): a reading of the instant that no event follows would strand its roles.
    expect(seen.reconciler!.isFenced()).toBe(false)
    const role = seen.reconciler!.leaderRoleOf('t', runtime.partitionState('t', 0)!, { 'min.insync.replicas': '2' })
    expect(role).toMatchObject({ brokerId: 1, leaderEpoch: 0, isr: [1, 2], replicas: [1, 2], minInsyncReplicas: 2, replicaLagTimeMaxMs: 30_000 })
    expect(seen.reconciler!.leaderRoleOf('t', runtime.partitionState('t', 0)!, {}).minInsyncReplicas).toBe(2) // --min-insync-replicas
  })

  it('stops in order: reconciler, fetchers, controller, ISR writer, membership (registration gone), links', async () => {
    const name = `rt-${randomUUID().slice(0, 8)}`
    const { runtime, connection, events } = await joined(3, name, new ManualClock(1_000))
    const other = await ClusterRuntime.connect(clusterConfig(4, name))
    try {
      events.splice(0)
      await runtime.stop()
      expect(events).toEqual(['reconciler.stop', 'fetchers.close', 'controller.stop', 'isrWriter.stop', 'links.closeAll'])
      expect(await other.store.listBrokers()).toEqual([])
      expect(await other.store.getController()).toBeUndefined()
    } finally {
      other.client.close()
    }
    expect(connection.clusterId).toBe(other.clusterId)
  })
})

describe('faecie broker --cluster', () => {
  it('fails to start, saying so, when etcd cannot be reached', async () => {
    const dir = makeTempDir('faecie-cluster-no-etcd-')
    dirs.push(dir)
    const exit = runBrokerToExit(['--cluster', `http://127.0.0.1:${await closedPort()}`, '--broker-id', '1', '--data-dir', dir, '--port', '0', '--kafka-port', '0'],
      { timeoutMs: 60_000 })
    expect(exit.status).toBe(1)
    expect(exit.stderr).toContain('etcd')
    expect(exit.stderr).not.toContain('    at ')
  })

  it('refuses a data directory of another cluster, naming both cluster ids', () => {
    const dir = makeTempDir('faecie-cluster-refusal-')
    dirs.push(dir)
    const singleBrokers = randomUUID()
    writeFileSync(join(dir, 'meta.json'), `${JSON.stringify({ formatVersion: 2, brokerId: 1, clusterId: singleBrokers, createdAt: new Date(0).toISOString() })}\n`)
    const name = `rt-${randomUUID().slice(0, 8)}`
    const exit = runBrokerToExit(['--cluster', etcd.clientUrl, '--cluster-name', name, '--broker-id', '1', '--data-dir', dir, '--port', '0', '--kafka-port', '0'])
    expect(exit.status).toBe(1)
    expect(exit.stderr).toContain(`belongs to cluster ${singleBrokers}`)
    expect(exit.stderr).not.toContain('    at ') // the machine's answer, not a stack trace
  })
})
