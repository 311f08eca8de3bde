// Consumer groups in a cluster, until issue 14 spreads them over a replicated __consumer_offsets:
// every broker forwards group ops to the controller, so two members that bootstrap from different
// brokers still form ONE group (each partition to one member), and an offset committed through one
// broker is the one fetched through another.
import { afterEach, expect, it } from 'vitest'
import type { GroupConsumer } from '@faecie/client'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'
import { createReplicatedTopic } from './acked-records.js'

let cluster: TestCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

function names(consumer: GroupConsumer): string[] {
  return consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort()
}

it('members bootstrapping from different brokers share one group, and commits are seen through any broker', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const topic = 'shared-group'
  await createReplicatedTopic(cluster, topic, 4)
  const controller = await cluster.waitForController()
  const [first, second] = cluster.brokerIds.filter((id) => id !== controller) as [number, number]
  const config = { groupId: 'g-across', sessionTimeoutMs: 3_000, maxWaitMs: 100 }
  const a = cluster.track(cluster.client({ brokers: [cluster.url(first)] }).consumer(config))
  const b = cluster.track(cluster.client({ brokers: [cluster.url(second)] }).consumer(config))
  await a.subscribe({ topics: [topic] })
  await b.subscribe({ topics: [topic] })
  await waitFor('two partitions each', () => names(a).length === 2 && names(b).length === 2)
  const all = [...names(a), ...names(b)].sort()
  expect(all).toEqual([0, 1, 2, 3].map((p) => `${topic}-${p}`))

  const viaFirst = cluster.track(cluster.client({ brokers: [cluster.url(first)] }).admin())
  const viaSecond = cluster.track(cluster.client({ brokers: [cluster.url(second)] }).admin())
  const { groups } = await viaFirst.describeGroups(['g-across'])
  expect(groups[0]!.members).toHaveLength(2)
  await a.disconnect()
  await b.disconnect()
  await viaFirst.setOffsets({ groupId: 'g-across', topic, partitions: [{ partition: 2, offset: 1 }] })
  const fetched = await viaSecond.fetchOffsets({ groupId: 'g-across', topics: [topic] })
  expect(fetched.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === 2)?.offset).toBe(1)
}, 90_000)
