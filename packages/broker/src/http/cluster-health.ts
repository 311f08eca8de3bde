// GET /health in cluster mode gains `cluster` (issue 13): this broker's id, the controller's (-1 while
// none is elected), and the partitions of the whole cluster that are under-replicated (ISR smaller
// than the replica set) or offline (no leader), as etcd's state last seen by this broker says, so
// any broker's /health tells the cluster's state. (/metrics counts as Kafka does instead: under-
// replicated per leader, offline on the controller only; metrics/cluster-metrics.ts.)
//
// /health itself is the gateway's route (gateway-server.ts); the field is added to its answer by a
// preSerialization hook registered with the HTTP API, only when the broker runs in a cluster, so a
// single broker's /health does not change.
import type { FastifyInstance } from 'fastify'
import type { Gateway } from '../gateway/context.js'
import { partitionCounts } from '../metrics/cluster-metrics.js'

export const HEALTH_PATH = '/health'

export interface ClusterHealth {
  brokerId: number
  controllerId: number
  underReplicatedPartitions: number
  offlinePartitions: number
}

/** The `cluster` field of /health; undefined for a single broker. */
export function clusterHealth(gateway: Gateway): ClusterHealth | undefined {
  const cluster = gateway.cluster
  if (cluster === undefined) return undefined
  const counts = partitionCounts(gateway.topics.all(), cluster)
  return {
    brokerId: cluster.brokerId,
    controllerId: cluster.controllerId(),
    underReplicatedPartitions: counts.underReplicated,
    offlinePartitions: counts.offline,
  }
}

/** Adds `cluster` to the answers of GET /health (cluster mode only). */
export function addClusterHealth(app: FastifyInstance, gateway: Gateway): void {
  if (gateway.cluster === undefined) return
  app.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    if (request.routeOptions.url !== HEALTH_PATH || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload
    return { ...payload, cluster: clusterHealth(gateway) }
  })
}
