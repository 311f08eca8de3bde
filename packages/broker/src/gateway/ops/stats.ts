// Op `stats`: this broker's identity, process figures, sessions, user topics and their size, and the
// produce / consume rate series kept by the metrics module (docs/protocol.md). The size comes from
// the same cached round of partition status requests as /metrics (at most one per scrapeCacheMs).
// ACLs: Describe on the cluster (else CLUSTER_AUTHORIZATION_FAILED): it tells of every topic.
import { checkCluster } from '../../security/op-access.js'
import type { OpHandler } from '../context.js'

export const stats: OpHandler<'stats'> = async (_request, { gateway, session }) => {
  checkCluster(gateway.security, session, 'Describe')
  const { metrics, broker } = gateway
  const { topics, partitions } = metrics.sources.userTopics()
  const { totalBytes } = await metrics.sources.sizes()
  const memory = process.memoryUsage()
  return {
    brokerId: broker.brokerId,
    serverVersion: broker.serverVersion,
    url: broker.url,
    uptimeMs: Date.now() - metrics.startedMs,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    sessions: metrics.sessions,
    topics,
    partitions,
    sizeBytes: totalBytes,
    intervalMs: metrics.series.intervalMs,
    series: metrics.series.points(metrics.startedMs),
  }
}
