// /v1/cluster and /v1/reassignments (issue 14): the cluster as this broker sees it, for the console's
// operators and for scripts. Any broker answers, from etcd's state as it last watched it.
//
//   GET /v1/cluster        {mode, clusterId, brokerId (this one), controllerId, brokers: [{brokerId, url,
//                           httpUrl, rack, state: live|shuttingDown|offline, controller, leaderships,
//                           underReplicated}], partitions, underReplicatedPartitions, offlinePartitions,
//                           underReplicated: [{topic, partition, leader, replicas, isr}] (at most
//                           UNHEALTHY_LISTED_MAX), underReplicatedTruncated}
//   GET /v1/reassignments  {reassignments: [{topic, partition, replicas, addingReplicas, removingReplicas,
//                           isr, leader}], throttleBytesPerSec}; ?topics=a,b narrows it
//
// The brokers come from the describeCluster op (so shuttingDown is the op's), the moves from the
// listPartitionReassignments op. Counts include internal topics, as /health's.
// A single broker is the whole cluster: live, the controller, leading every partition.
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'
import { clusterView, type PartitionReplicas } from './cluster-view.js'
import { invalidInput } from './errors.js'
import type { HttpApiContext } from './http-session.js'
import { httpUrlOf } from './leadership.js'

/** How many under-replicated or offline partitions GET /v1/cluster lists (it counts them all). */
export const UNHEALTHY_LISTED_MAX = 1000

/** Every partition of every topic this broker knows, with its replicas as etcd (or a single broker) says. */
export function* partitionReplicas(gateway: Gateway): Generator<PartitionReplicas> {
  const self = gateway.broker.brokerId
  for (const meta of gateway.topics.all()) {
    for (let partition = 0; partition < meta.partitions; partition++) {
      if (gateway.cluster === undefined) {
        yield { topic: meta.topic, partition, leader: self, replicas: [self], isr: [self] }
        continue
      }
      const state = gateway.cluster.partitionState(meta.topic, partition)
      if (state === undefined) continue
      yield { topic: meta.topic, partition, ...state }
    }
  }
}

function topicsQuery(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw invalidInput('topics', 'expected topic names separated by commas, given once')
  const names = raw.split(',').map((t) => t.trim()).filter((t) => t !== '')
  return names.length === 0 ? undefined : names
}

export async function registerClusterRoutes(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { sessions, gateway } = ctx

  app.get('/cluster', async (_request, reply) => {
    const session = sessions.open(reply)
    const described = (await sessions.run(session, 'describeCluster', {}))!
    const view = clusterView(described.brokers, described.controllerId, partitionReplicas(gateway), UNHEALTHY_LISTED_MAX)
    return {
      mode: described.mode,
      clusterId: described.clusterId,
      brokerId: gateway.broker.brokerId,
      ...view,
      brokers: view.brokers.map((b) => ({ ...b, httpUrl: b.url === null ? null : httpUrlOf(b.url) ?? null })),
    }
  })

  app.get<{ Querystring: { topics?: unknown } }>('/reassignments', async (request, reply) => {
    const topics = topicsQuery(request.query.topics)
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'listPartitionReassignments', topics === undefined ? {} : { topics }))!
    return { reassignments: answer.reassignments, throttleBytesPerSec: answer.throttleBytesPerSec }
  })
}
