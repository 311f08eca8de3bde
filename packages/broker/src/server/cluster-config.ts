// The cluster-mode flags of `faecie broker` (issue 13), parsed beside the others (config.ts). Without
// `--cluster` the broker is a single broker, and every other flag of this file is refused, so that a
// typo cannot silently start a lone broker that believes it is one of a cluster:
//
//   --cluster http://HOST:2379[,...]   the etcd endpoints (turns cluster mode on)
//   --broker-id N                      required (or "brokerId" in --config)
//   --advertised-url ws://HOST:PORT    how clients and other brokers reach this one (default: host and port)
//   --broker-session-timeout-ms 6000   the etcd lease: whole seconds, at least 2000
//   --rack NAME                        for rack-aware placement
//   --replication-factor 3             default of new topics (capped by live brokers)
//   --min-insync-replicas 1            default min.insync.replicas of new topics (at most the replication factor)
//   --replica-lag-time-max-ms 30000    a follower not caught up this long leaves the ISR
//   --replica-fetch-max-wait-ms 500    a follower's long poll (below the lag time, as Kafka requires)
//   --cluster-name faecie              the etcd key prefix /faecie/<name>/ (keys.ts)
//   --offsets-topic-partitions 50      partitions of __consumer_offsets when it is made (cluster/offsets-topic.ts)
//   --offsets-topic-replication-factor 3   its replicas (made only once this many brokers are live)
//   --controlled-shutdown-timeout-ms 30000  SIGTERM waits this long for leaderships to move (controlled-shutdown.ts)
//   --etcd-ca, --etcd-cert, --etcd-key, --etcd-user, --etcd-password-file   TLS and login to etcd (etcd-config.ts)
import { CONTROLLED_SHUTDOWN_TIMEOUT_MS_DEFAULT } from '../cluster/controlled-shutdown.js'
import { BROKER_SESSION_TIMEOUT_MS_DEFAULT, BROKER_SESSION_TIMEOUT_MS_MIN } from '../cluster/keys.js'
import { OFFSETS_TOPIC_DEFAULTS } from '../cluster/offsets-topic.js'
import { ETCD_FLAG_OPTIONS, ETCD_USAGE, parseEtcdFlags, type EtcdAccessConfig } from './etcd-config.js'

export type { EtcdAccessConfig } from './etcd-config.js'

export interface ClusterConfig {
  etcdEndpoints: string[]
  brokerId: number
  /** ws://HOST:PORT; undefined: made from --host and the bound port once listening. */
  advertisedUrl: string | undefined
  sessionTimeoutMs: number
  rack: string | null
  defaultReplicationFactor: number
  defaultMinInsyncReplicas: number
  replicaLagTimeMaxMs: number
  replicaFetchMaxWaitMs: number
  clusterName: string
  /** --offsets-topic-partitions: partitions of `__consumer_offsets` when it is made. */
  offsetsTopicPartitions: number
  /** --offsets-topic-replication-factor: its replicas; until this many brokers are live, group requests answer COORDINATOR_NOT_AVAILABLE. */
  offsetsTopicReplicationFactor: number
  /** SIGTERM: how long the broker waits for the controller to move its leaderships before it stops. */
  controlledShutdownTimeoutMs: number
  /** TLS and login to etcd (--etcd-*, etcd-config.ts); undefined: plain, anonymous etcd. */
  etcdAccess?: EtcdAccessConfig | undefined
}

/** Bounds of the cluster flags, in one place. */
export const CLUSTER_FLAG_LIMITS = {
  sessionTimeoutMsMax: 300_000,
  replicationFactorMax: 32_767,
  replicaLagTimeMsMin: 100,
  replicaLagTimeMsMax: 3_600_000,
  replicaFetchMaxWaitMsMax: 60_000,
  rackCharsMax: 255,
  etcdEndpointsMax: 16,
  controlledShutdownTimeoutMsMax: 600_000,
} as const

export const CLUSTER_DEFAULTS = {
  sessionTimeoutMs: BROKER_SESSION_TIMEOUT_MS_DEFAULT,
  defaultReplicationFactor: 3,
  defaultMinInsyncReplicas: 1,
  replicaLagTimeMaxMs: 30_000,
  replicaFetchMaxWaitMs: 500,
  clusterName: 'faecie',
  offsetsTopicPartitions: OFFSETS_TOPIC_DEFAULTS.partitions,
  offsetsTopicReplicationFactor: OFFSETS_TOPIC_DEFAULTS.replicationFactor,
  controlledShutdownTimeoutMs: CONTROLLED_SHUTDOWN_TIMEOUT_MS_DEFAULT,
} as const

export const CLUSTER_USAGE = `Cluster mode (all but --cluster need it):
  --cluster URL[,URL]       etcd endpoints (http://HOST:2379): join a cluster of brokers
  --broker-id N             this broker's id in the cluster (required with --cluster)
  --advertised-url URL      ws://HOST:PORT clients and brokers use to reach this one (default: --host and --port)
  --broker-session-timeout-ms N  etcd lease of this broker, whole seconds (default 6000)
  --rack NAME               this broker's rack, for rack-aware replica placement
  --replication-factor N    replicas of a new topic (default 3, capped by the live brokers)
  --min-insync-replicas N   default min.insync.replicas of a new topic (default 1)
  --replica-lag-time-max-ms N   a follower not caught up for this long leaves the ISR (default 30000)
  --replica-fetch-max-wait-ms N a follower's fetch long poll (default 500)
  --cluster-name NAME       etcd key prefix /faecie/NAME/ (default faecie)
  --offsets-topic-partitions N  partitions of __consumer_offsets, made on the first group request (default 50)
  --offsets-topic-replication-factor N  its replicas (default 3; groups wait until this many brokers are live)
  --controlled-shutdown-timeout-ms N  on SIGTERM, wait this long for leaderships to move away (default 30000; 0: stop at once)
${ETCD_USAGE}`

/** The parseArgs options of the cluster flags. */
export const CLUSTER_FLAG_OPTIONS = {
  cluster: { type: 'string' },
  'broker-id': { type: 'string' },
  'advertised-url': { type: 'string' },
  'broker-session-timeout-ms': { type: 'string' },
  rack: { type: 'string' },
  'replication-factor': { type: 'string' },
  'min-insync-replicas': { type: 'string' },
  'replica-lag-time-max-ms': { type: 'string' },
  'replica-fetch-max-wait-ms': { type: 'string' },
  'cluster-name': { type: 'string' },
  'offsets-topic-partitions': { type: 'string' },
  'offsets-topic-replication-factor': { type: 'string' },
  'controlled-shutdown-timeout-ms': { type: 'string' },
  ...ETCD_FLAG_OPTIONS,
} as const

export type ClusterFlags = { [K in keyof typeof CLUSTER_FLAG_OPTIONS]?: string }

const CLUSTER_NAME = /^[a-zA-Z0-9._-]{1,64}$/

/**
 * The cluster config, or undefined without --cluster. `fileBrokerId`: "brokerId" of --config, which
 * --broker-id overrides; `fileEtcd`: its "etcd" object. `fail` makes the caller's usage error.
 */
export function parseClusterFlags(flags: ClusterFlags, fileBrokerId: number | undefined,
  integer: (value: unknown, what: string, min: number, max: number) => number, fail: (message: string) => Error,
  fileEtcd: Record<string, unknown> = {}): ClusterConfig | undefined {
  if (flags.cluster === undefined) {
    const stray = Object.keys(CLUSTER_FLAG_OPTIONS).filter((name) => name !== 'cluster' && flags[name as keyof ClusterFlags] !== undefined)
    if (stray.length > 0) throw fail(`${stray.map((s) => `--${s}`).join(', ')} ${stray.length === 1 ? 'needs' : 'need'} --cluster (cluster mode)`)
    if (Object.keys(fileEtcd).length > 0) throw fail('"etcd" in --config needs --cluster (cluster mode)')
    return undefined
  }
  const etcdEndpoints = etcdUrls(flags.cluster, fail)
  const etcdAccess = parseEtcdFlags(flags, fileEtcd, etcdEndpoints, fail)
  const brokerIdText = flags['broker-id'] ?? fileBrokerId
  if (brokerIdText === undefined) throw fail('--cluster needs --broker-id N (each broker of a cluster has its own id)')
  const L = CLUSTER_FLAG_LIMITS
  const D = CLUSTER_DEFAULTS
  const sessionTimeoutMs = integer(flags['broker-session-timeout-ms'] ?? D.sessionTimeoutMs, '--broker-session-timeout-ms', BROKER_SESSION_TIMEOUT_MS_MIN, L.sessionTimeoutMsMax)
  if (sessionTimeoutMs % 1000 !== 0) throw fail(`--broker-session-timeout-ms must be whole seconds (an etcd lease), got ${sessionTimeoutMs}`)
  const defaultReplicationFactor = integer(flags['replication-factor'] ?? D.defaultReplicationFactor, '--replication-factor', 1, L.replicationFactorMax)
  const defaultMinInsyncReplicas = integer(flags['min-insync-replicas'] ?? D.defaultMinInsyncReplicas, '--min-insync-replicas', 1, L.replicationFactorMax)
  if (defaultMinInsyncReplicas > defaultReplicationFactor) {
    throw fail(`--min-insync-replicas (${defaultMinInsyncReplicas}) above --replication-factor (${defaultReplicationFactor}): acks=all could never succeed`)
  }
  const replicaLagTimeMaxMs = integer(flags['replica-lag-time-max-ms'] ?? D.replicaLagTimeMaxMs, '--replica-lag-time-max-ms', L.replicaLagTimeMsMin, L.replicaLagTimeMsMax)
  const replicaFetchMaxWaitMs = integer(flags['replica-fetch-max-wait-ms'] ?? D.replicaFetchMaxWaitMs, '--replica-fetch-max-wait-ms', 0, L.replicaFetchMaxWaitMsMax)
  if (replicaFetchMaxWaitMs >= replicaLagTimeMaxMs) {
    throw fail(`--replica-fetch-max-wait-ms (${replicaFetchMaxWaitMs}) must be below --replica-lag-time-max-ms (${replicaLagTimeMaxMs}), ` +
      'or followers waiting on an idle leader would leave the ISR')
  }
  const offsetsTopicPartitions = integer(flags['offsets-topic-partitions'] ?? D.offsetsTopicPartitions, '--offsets-topic-partitions', 1,
    OFFSETS_TOPIC_DEFAULTS.partitionsMax)
  const offsetsTopicReplicationFactor = integer(flags['offsets-topic-replication-factor'] ?? D.offsetsTopicReplicationFactor,
    '--offsets-topic-replication-factor', 1, L.replicationFactorMax)
  const clusterName = flags['cluster-name'] ?? D.clusterName
  if (!CLUSTER_NAME.test(clusterName)) throw fail(`--cluster-name must be 1 to 64 of [a-zA-Z0-9._-], got ${JSON.stringify(clusterName)}`)
  const rack = flags.rack ?? null
  if (rack !== null && (rack.trim() === '' || rack.length > L.rackCharsMax)) throw fail(`--rack must be a non-empty name of at most ${L.rackCharsMax} characters`)
  return {
    etcdEndpoints,
    brokerId: integer(brokerIdText, '--broker-id', 0, 2 ** 31 - 1),
    advertisedUrl: flags['advertised-url'] === undefined ? undefined : advertisedUrl(flags['advertised-url'], fail),
    sessionTimeoutMs,
    rack,
    defaultReplicationFactor,
    defaultMinInsyncReplicas,
    replicaLagTimeMaxMs,
    replicaFetchMaxWaitMs,
    clusterName,
    offsetsTopicPartitions,
    offsetsTopicReplicationFactor,
    controlledShutdownTimeoutMs: integer(flags['controlled-shutdown-timeout-ms'] ?? D.controlledShutdownTimeoutMs, '--controlled-shutdown-timeout-ms',
      0, L.controlledShutdownTimeoutMsMax),
    ...(etcdAccess === undefined ? {} : { etcdAccess }),
  }
}

function etcdUrls(text: string, fail: (message: string) => Error): string[] {
  const urls = text.split(',').map((u) => u.trim()).filter((u) => u !== '')
  if (urls.length === 0) throw fail('--cluster needs at least one etcd URL like http://127.0.0.1:2379')
  if (urls.length > CLUSTER_FLAG_LIMITS.etcdEndpointsMax) throw fail(`--cluster names ${urls.length} etcd URLs; at most ${CLUSTER_FLAG_LIMITS.etcdEndpointsMax}`)
  for (const url of urls) {
    let parsed: URL | undefined
    try {
      parsed = new URL(url)
    } catch {
      parsed = undefined
    }
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.port === '' || (parsed.pathname !== '/' && parsed.pathname !== '')) {
      throw fail(`--cluster: ${JSON.stringify(url)} is not an etcd client URL like http://127.0.0.1:2379`)
    }
  }
  return urls
}

function advertisedUrl(text: string, fail: (message: string) => Error): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(text)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || !/^wss?:$/.test(parsed.protocol) || parsed.port === '' || parsed.port === '0' ||
      (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '') {
    throw fail(`--advertised-url: ${JSON.stringify(text)} is not a broker URL like ws://HOST:PORT`)
  }
  return `${parsed.protocol}//${parsed.host}`
}
