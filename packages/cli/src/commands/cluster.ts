// `faecie cluster describe`: the cluster as the broker reached sees it (op describeCluster): its
// id, whether it runs alone or in a cluster, the controller, every live broker with its URL and
// rack, and the etcd endpoints the brokers coordinate through. Text in kafka-topics.sh's
// "Key: value" tab-separated style, or one JSON object with --format json.
import type { DescribeClusterResponse } from '@faecie/client'
import { COMMON_USAGE } from '../args.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'

export const CLUSTER_USAGE = `Usage: faecie cluster <action> [options]

Actions:
  describe [--format text|json]
                          the cluster id, mode (single or cluster), the controller's broker id
                          (-1 while none is elected), each live broker (id, URL, rack, Kafka
                          listener) and the etcd endpoints

  --format text|json      text (default) or one JSON object

${COMMON_USAGE}`

const OPTIONS = {
  format: { type: 'string' },
} as const

const ACTION_FLAGS: Record<string, string[]> = {
  describe: ['format'],
}

export const CLUSTER_ACTIONS = Object.keys(ACTION_FLAGS)

/** The text lines of a cluster description: the cluster, one line per broker (by id), the etcd endpoints. */
export function clusterLines(cluster: DescribeClusterResponse): string[] {
  const lines = [`ClusterId: ${cluster.clusterId}\tMode: ${cluster.mode}\tController: ${cluster.controllerId}\tBrokers: ${cluster.brokers.length}`]
  for (const broker of [...cluster.brokers].sort((a, b) => a.brokerId - b.brokerId)) {
    const kafka = broker.kafkaAddress === undefined ? '' : `\tKafka: ${broker.kafkaAddress}`
    lines.push(`\tBroker: ${broker.brokerId}\tUrl: ${broker.url}\tRack: ${broker.rack ?? '-'}${kafka}`)
  }
  lines.push(`Etcd: ${cluster.etcd.length === 0 ? '-' : cluster.etcd.join(',')}`)
  return lines
}

const describe: Action = (flags, out) => {
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  return async (admin) => {
    const cluster = await admin.describeCluster()
    if (format === 'json') out.write(JSON.stringify(cluster))
    else for (const line of clusterLines(cluster)) out.write(line)
    return 0
  }
}

export function clusterCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'cluster', usage: CLUSTER_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: { describe } }, argv, out)
}
