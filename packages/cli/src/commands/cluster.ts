// `faecie cluster describe | reassign | drain | reassignments | throttle | elect-leaders`. describe: the cluster
// as the broker reached sees it (op describeCluster): its id, whether it runs alone or in a
// cluster, the controller, every live broker with its URL and rack, and the etcd endpoints the
// brokers coordinate through, in kafka-topics.sh's "Key: value" tab-separated style, or one JSON
// object with --format json. The replica moves are in cluster-reassign.ts; elect-leaders gives
// partitions back to their preferred replica (kafka-leader-election --election-type PREFERRED).
import type { DescribeClusterResponse, ElectionResult } from '@faecie/client'
import { COMMON_USAGE, UsageError } from '../args.js'
import { partitionNames } from '../reassign-file.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'
import { drain, reassign, reassignments, throttle } from './cluster-reassign.js'

export const CLUSTER_USAGE = `Usage: faecie cluster <action> [options]

Actions:
  describe [--format text|json]
                          the cluster id, mode (single or cluster), the controller's broker id
                          (-1 while none is elected), each live broker (id, URL, rack, Kafka
                          listener) and the etcd endpoints
  reassign --topic T --partition P --replicas 1,2,3 [--throttle BYTES_PER_SEC]
                          move one partition to these brokers (the first is its preferred leader)
  reassign --generate --brokers 1,2,3 [--topics a,b] [--format text|json]
                          print a plan spreading the topics' replicas (all topics by default) and
                          preferred leaders evenly over these brokers, moving as few replicas as
                          it can, on distinct racks when the brokers have racks; with the current
                          assignment, to roll back to
  reassign --execute --plan FILE [--throttle BYTES_PER_SEC]
                          start the moves of a plan ({"version":1,"partitions":[{"topic":T,
                          "partition":P,"replicas":[1,2,3]}]}, kafka-reassign-partitions' file),
                          checked whole first: a plan naming a broker that is not registered, a
                          topic or partition that does not exist, or a partition twice is refused
                          and nothing moves
  reassign --verify --plan FILE [--format text|json]
                          per partition: completed, still in progress, or failed (exit 1); once
                          every move is complete, removes the replication throttle
  reassign --cancel (--plan FILE | --topic T --partition P) [--preserve-throttles]
                          stop moves in progress: the partitions go back to their replicas of
                          before; the replication throttle is removed too unless
                          --preserve-throttles
  drain --broker-id N [--topics a,b] [--execute [--throttle BYTES_PER_SEC]] [--format text|json]
                          the plan moving every replica off broker N (before it is retired),
                          spread evenly over the other live brokers; --execute starts it. A broker
                          that is not registered and holds no replica is refused (exit 2)
  reassignments [--topics a,b] [--format text|json]
                          the moves in progress (replicas, adding, removing, ISR, leader) and
                          the replication throttle
  throttle (--bytes-per-sec N | --remove)
                          set the replication throttle of moving replicas (bytes/s per broker), or
                          remove it (e.g. one left by drain --execute --throttle)
  elect-leaders --preferred [--topic T [--partition P]] [--format text|json]
                          give each partition (all of them by default) back to its preferred
                          leader, its first replica, when that one is alive and in sync

  --throttle BYTES_PER_SEC  the replication throttle of the moving replicas, per broker; stays
                          until --verify sees every move complete, a --cancel, or
                          faecie cluster throttle --remove
  --format text|json      text (default) or one JSON object

${COMMON_USAGE}`

const OPTIONS = {
  format: { type: 'string' },
  topic: { type: 'string' },
  topics: { type: 'string' },
  partition: { type: 'string' },
  replicas: { type: 'string' },
  throttle: { type: 'string' },
  generate: { type: 'boolean' },
  execute: { type: 'boolean' },
  verify: { type: 'boolean' },
  cancel: { type: 'boolean' },
  brokers: { type: 'string' },
  plan: { type: 'string' },
  'broker-id': { type: 'string' },
  preferred: { type: 'boolean' },
  'preserve-throttles': { type: 'boolean' },
  'bytes-per-sec': { type: 'string' },
  remove: { type: 'boolean' },
} as const

const ACTION_FLAGS: Record<string, string[]> = {
  describe: ['format'],
  reassign: ['topic', 'topics', 'partition', 'replicas', 'throttle', 'generate', 'execute', 'verify', 'cancel', 'brokers', 'plan', 'format', 'preserve-throttles'],
  drain: ['broker-id', 'topics', 'execute', 'throttle', 'format'],
  reassignments: ['topics', 'format'],
  throttle: ['bytes-per-sec', 'remove'],
  'elect-leaders': ['preferred', 'topic', 'partition', 'format'],
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

/** elect-leaders' lines, in kafka-leader-election's words; ELECTION_NOT_NEEDED is no failure. */
export function electionLines(results: ElectionResult[]): { lines: string[]; failed: ElectionResult[] } {
  const elected = results.filter((r) => r.error === undefined)
  const already = results.filter((r) => r.error?.errorName === 'ELECTION_NOT_NEEDED')
  const failed = results.filter((r) => r.error !== undefined && r.error.errorName !== 'ELECTION_NOT_NEEDED')
  const lines: string[] = []
  if (elected.length > 0) lines.push(`Successfully completed leader election (PREFERRED) for partitions ${partitionNames(elected)}`)
  if (already.length > 0) lines.push(`Valid replica already elected for partitions ${partitionNames(already)}`)
  for (const r of failed) lines.push(`Error completing leader election (PREFERRED) for partition ${r.topic}-${r.partition}: ${r.error!.message} [${r.error!.errorName}]`)
  if (results.length === 0) lines.push('No partition to elect a leader for.')
  return { lines, failed }
}

const electLeaders: Action = (flags, out) => {
  if (!flags.bool('preferred')) throw new UsageError('elect-leaders needs --preferred: the only election faecie makes (an unclean election, of a replica out of sync, never is)')
  const topic = flags.string('topic')
  const partition = flags.integer('partition', 0)
  if (partition !== undefined && topic === undefined) throw new UsageError('--partition goes with --topic')
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  return async (admin) => {
    let partitions: Array<{ topic: string; partition: number }> | undefined
    if (topic !== undefined && partition !== undefined) partitions = [{ topic, partition }]
    else if (topic !== undefined) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
      partitions = (topics[0]?.partitions ?? []).map((p) => ({ topic, partition: p.partition })).sort((a, b) => a.partition - b.partition)
    }
    const results = await admin.electLeaders(partitions === undefined ? {} : { partitions })
    const { lines, failed } = electionLines(results)
    if (format === 'json') {
      out.write(JSON.stringify({ partitions: results.map((r) => ({ topic: r.topic, partition: r.partition, leader: r.leader,
        ...(r.error === undefined ? {} : { error: { code: r.error.code, name: r.error.errorName, message: r.error.message } }) })) }))
    } else for (const line of lines) out.write(line)
    return failed.length === 0 ? 0 : 1
  }
}

export function clusterCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'cluster', usage: CLUSTER_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS,
    actions: { describe, reassign, drain, reassignments, throttle, 'elect-leaders': electLeaders } }, argv, out)
}
