// Kafka's FindCoordinator in a cluster of three real brokers: every broker names, for each of many
// group ids, the Kafka listener (host and port) of the leader of the group's `__consumer_offsets`
// partition, v3 (one key) and v4 (a batch) alike. Then KIP-848 over Kafka's protocol there: a
// ConsumerGroupHeartbeat (v1, with the client's own member id) at another broker answers
// NOT_COORDINATOR; at the coordinator it joins and gets its assignment by topic id, and
// ConsumerGroupDescribe there shows the member with its partitions by id and name.
import { randomUUID } from 'node:crypto'
import { groupPartition } from '@faecie/protocol'
import { afterEach, expect, it } from 'vitest'
import { KAFKA_APIS } from '../../packages/broker/src/kafka/generated/apis.js'
import { defaultConsumerGroupDescribeRequest, readConsumerGroupDescribeResponse, writeConsumerGroupDescribeRequest } from '../../packages/broker/src/kafka/generated/consumer-group-describe.js'
import { defaultConsumerGroupHeartbeatRequest, readConsumerGroupHeartbeatResponse, writeConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatRequest } from '../../packages/broker/src/kafka/generated/consumer-group-heartbeat.js'
import { defaultFindCoordinatorRequest, readFindCoordinatorResponse, writeFindCoordinatorRequest } from '../../packages/broker/src/kafka/generated/find-coordinator.js'
import { defaultMetadataRequest, readMetadataResponse, writeMetadataRequest } from '../../packages/broker/src/kafka/generated/metadata.js'
import { type TestCluster, startCluster } from '../support/cluster.js'
import { kafkaPortOf } from '../support/kafka-protocol.js'
import { kafkaRequest } from '../support/kafka-raw-client.js'
import { waitFor } from '../support/wait-for.js'
import { createReplicatedTopic } from './acked-records.js'

const OFFSETS_TOPIC = '__consumer_offsets'
const OFFSETS_PARTITIONS = 6
const NOT_COORDINATOR = 16
const COORDINATOR_LOAD_IN_PROGRESS = 14
const GROUPS = Array.from({ length: 12 }, (_, i) => `kafka-group-${i}`)

let cluster: TestCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const findCoordinators = (port: number) => kafkaRequest(port, KAFKA_APIS.FindCoordinator, 4,
  (w) => writeFindCoordinatorRequest(w, 4, { ...defaultFindCoordinatorRequest(), keyType: 0, coordinatorKeys: GROUPS }), readFindCoordinatorResponse)

const heartbeat = (port: number, request: Partial<ConsumerGroupHeartbeatRequest>) => kafkaRequest(port, KAFKA_APIS.ConsumerGroupHeartbeat, 1,
  (w) => writeConsumerGroupHeartbeatRequest(w, 1, { ...defaultConsumerGroupHeartbeatRequest(), ...request }), readConsumerGroupHeartbeatResponse)

it("names the Kafka listener of the group's __consumer_offsets leader from every broker; KIP-848 heartbeats go there", async () => {
  cluster = await startCluster({ brokers: 3, extraArgs: ['--offsets-topic-partitions', String(OFFSETS_PARTITIONS)] })
  const ports = new Map<number, number>()
  for (const id of cluster.brokerIds) ports.set(id, await kafkaPortOf(cluster.broker(id)))

  // The first asks make the offsets topic (COORDINATOR_NOT_AVAILABLE meanwhile): ask until every
  // broker names, for every group, the partition's leader as the cluster's metadata has it.
  const coordinators = await waitFor('every broker to name each group\'s offsets partition leader', async () => {
    await findCoordinators(ports.get(cluster!.brokerIds[0]!)!)
    const leaders = new Map<string, number>()
    for (const g of GROUPS) leaders.set(g, await cluster!.leaderOf(OFFSETS_TOPIC, groupPartition(g, OFFSETS_PARTITIONS)))
    if ([...leaders.values()].some((id) => id < 0)) return undefined
    for (const [id, port] of ports) {
      const found = await findCoordinators(port)
      for (const c of found.coordinators) {
        const leader = leaders.get(c.key)!
        if (c.errorCode !== 0 || c.nodeId !== leader) return undefined
        expect(`${c.host}:${c.port}`, `broker ${id} on ${c.key}`).toBe(`127.0.0.1:${ports.get(leader)}`)
      }
    }
    return leaders
  }, { timeoutMs: 90_000, intervalMs: 200 })
  // The groups are spread over more than one broker.
  expect(new Set(coordinators.values()).size).toBeGreaterThan(1)
  for (const [id, port] of ports) {
    const one = await kafkaRequest(port, KAFKA_APIS.FindCoordinator, 3,
      (w) => writeFindCoordinatorRequest(w, 3, { ...defaultFindCoordinatorRequest(), keyType: 0, key: GROUPS[0]! }), readFindCoordinatorResponse)
    expect([one.errorCode, one.nodeId, one.port], `v3 at broker ${id}`).toEqual([0, coordinators.get(GROUPS[0]!), ports.get(coordinators.get(GROUPS[0]!)!)])
  }

  const topic = 'kip848-in-cluster'
  await createReplicatedTopic(cluster, topic, 3)
  const groupId = GROUPS[0]!
  const coordinator = coordinators.get(groupId)!
  const other = cluster.brokerIds.find((id) => id !== coordinator)!
  const memberId = randomUUID()
  const join: Partial<ConsumerGroupHeartbeatRequest> = { groupId, memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: [topic], topicPartitions: [] }
  const elsewhere = await heartbeat(ports.get(other)!, join)
  expect(elsewhere.errorCode).toBe(NOT_COORDINATOR)
  expect(elsewhere.errorMessage).toContain(`broker ${coordinator} does`)

  // The coordinator may still be loading the group's partition (COORDINATOR_LOAD_IN_PROGRESS: clients retry).
  const joined = await waitFor('the join at the coordinator', async () => {
    const answer = await heartbeat(ports.get(coordinator)!, join)
    return answer.errorCode === COORDINATOR_LOAD_IN_PROGRESS ? undefined : answer
  }, { timeoutMs: 60_000, intervalMs: 200 })
  expect(joined).toMatchObject({ errorCode: 0, memberId, memberEpoch: expect.any(Number) })
  expect(joined.memberEpoch).toBeGreaterThan(0)
  const metadata = await kafkaRequest(ports.get(coordinator)!, KAFKA_APIS.Metadata, 12,
    (w) => writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: [{ topicId: new Uint8Array(16), name: topic }] }), readMetadataResponse)
  const topicId = Buffer.from(metadata.topics[0]!.topicId).toString('hex')
  expect(joined.assignment!.topicPartitions.map((t) => [Buffer.from(t.topicId).toString('hex'), [...t.partitions].sort()])).toEqual([[topicId, [0, 1, 2]]])

  const described = await kafkaRequest(ports.get(coordinator)!, KAFKA_APIS.ConsumerGroupDescribe, 1,
    (w) => writeConsumerGroupDescribeRequest(w, 1, { ...defaultConsumerGroupDescribeRequest(), groupIds: [groupId] }), readConsumerGroupDescribeResponse)
  const group = described.groups[0]!
  expect(group).toMatchObject({ errorCode: 0, groupId, assignorName: 'uniform' })
  expect(group.members.map((m) => [m.memberId, m.memberType, m.subscribedTopicNames])).toEqual([[memberId, 1, [topic]]])
  expect(group.members[0]!.targetAssignment.topicPartitions.map((t) => [Buffer.from(t.topicId).toString('hex'), t.topicName, [...t.partitions].sort()]))
    .toEqual([[topicId, topic, [0, 1, 2]]])
}, 240_000)
