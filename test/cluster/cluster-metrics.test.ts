// The cluster as an operator watches it, through real processes: a follower that stops fetching
// leaves the ISR (an ISR shrink, counted by the leader), the leader reports the partition
// under-replicated in /metrics and /health, and the controller reports itself active; the follower
// back, the ISR expands again and the lag series says how far behind the slowest follower is.
import { afterEach, expect, it } from 'vitest'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'

let cluster: TestCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

function httpOf(wsUrl: string): string {
  return wsUrl.replace(/^ws:/, 'http:')
}

/** The value of a sample of /metrics, e.g. `faecie_isr_shrinks_total` (undefined: absent). */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

it('reports ISR shrinks and expands, under-replicated partitions, the active controller and replica lag', async () => {
  // A session timeout well above the lag time: the shrink is the leader's, before the follower's lease runs out.
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 6000, extraArgs: ['--replica-lag-time-max-ms', '1500'] })
  const topic = 'watched'
  const admin = cluster.track(cluster.client().admin())
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] })
  await cluster.waitForIsr(topic, 0, 3)
  const leader = await cluster.waitForLeader(topic, 0)
  const follower = cluster.brokerIds.find((id) => id !== leader)!
  const controller = await cluster.waitForController()
  const metricsOf = async (id: number): Promise<string> => (await fetch(`${httpOf(cluster!.url(id))}/metrics`)).text()

  expect(sample(await metricsOf(controller), 'faecie_active_controller')).toBe(1)
  expect(sample(await metricsOf(leader), 'faecie_under_replicated_partitions')).toBe(0)

  // The follower frozen for longer than replica.lag.time.max.ms (but it keeps its lease: the
  // shrink is the leader's, not the controller's): the leader shrinks the ISR while records come.
  const producer = cluster.track(cluster.client().producer({ acks: 1 }))
  cluster.stop(follower)
  await waitFor('the ISR to shrink to two', async () => {
    await producer.send({ topic, messages: [{ value: 'tick' }] })
    return (await cluster!.partition(topic, 0)).isr?.length === 2
  }, { timeoutMs: 30_000 })
  const shrunk = await metricsOf(leader)
  expect(sample(shrunk, 'faecie_isr_shrinks_total')).toBeGreaterThanOrEqual(1)
  expect(sample(shrunk, 'faecie_under_replicated_partitions')).toBe(1)
  const health = await (await fetch(`${httpOf(cluster.url(leader))}/health`)).json() as { cluster?: { underReplicatedPartitions: number } }
  expect(health.cluster?.underReplicatedPartitions).toBe(1)

  cluster.cont(follower)
  await cluster.waitForIsr(topic, 0, 3)
  await waitFor('the expand and the lag series on the leader', async () => {
    const text = await metricsOf(leader)
    return (sample(text, 'faecie_isr_expands_total') ?? 0) >= 1 && sample(text, 'faecie_under_replicated_partitions') === 0 &&
      sample(text, 'faecie_replica_lag_offsets') !== undefined
  })
}, 90_000)
