// The broker's settings: defaults, then `--config FILE` (JSON), then the command line's flags, each
// winning over the one before. Every bound on clients is in `limits` (gateway/limits.ts). A flag the
// broker does not know, or a value it cannot use, is a UsageError: the process says why on stderr and
// exits with code 2.
//
//   --config FILE (JSON, every key optional):
//   { "port": 8092, "host": "127.0.0.1", "kafkaPort": 9092, "kafka": true, "kafkaAdvertisedHost": "localhost", "dataDir": "./faecie-data", "partitionThreads": 2,
//     "allowedOrigins": ["http://localhost:5173"], "autoCreateTopics": false, "autoCreatePartitions": 1,
//     "brokerId": 0, "drainTimeoutMs": 10000,
//     "limits": { "sessionsMax": 1024, "sessionsPerAddressMax": 256, "helloTimeoutMs": 10000,
//                 "sessionIdleMsMax": 600000, "sessionQueuedBytesMax": 33554432, ... },  (gateway/limits.ts)
//     "groups": { "sessionTimeoutMsDefault": 45000, "sessionTimeoutMsMin": 100, "sessionTimeoutMsMax": 1800000,
//                 "rebalanceTimeoutMsDefault": 60000, "heartbeatIntervalMsMax": 5000, "startupAssignmentDelayMs": 10000,
//                 "subscribedTopicRegexCharsMax": 1024, "subscribedTopicRegexInstructionsMax": 5000,
//                 "subscribedTopicNamesMax": 1000, "memberFieldCharsMax": 255, "membersPerGroupMax": 1000,
//                 "offsetsRetentionMs": 604800000, "offsetsRetentionCheckIntervalMs": 600000,
//                 "classicInitialRebalanceDelayMs": 3000, "classicSessionTimeoutMsMin": 6000, "classicSessionTimeoutMsMax": 1800000,
//                 "classicNewMemberJoinTimeoutMs": 300000, "classicMembersPerGroupMax": 1000, "classicMemberProtocolsMax": 16,
//                 "classicMemberProtocolBytesMax": 65536, "classicMemberAssignmentBytesMax": 1048576,
//                 "groupsMax": 10000, "membersMax": 10000, "classicMemberBytesMax": 268435456 },
//                                       (groups/consumer-group.ts GroupSettings; the last three per coordinator)
//     "metrics": { "topicLabelsMax": 1000, "partitionLabelsMax": 1000, "groupsMax": 100, "groupLagSeriesMax": 1000,
//                  "scrapeCacheMs": 5000, "seriesIntervalMs": 10000, "seriesPointsMax": 30 },
//     "http": { "produceRecordsMax": 10000, "tailStreamsMax": 256, "jsonDepthMax": 64, "connectionsMax": 2304,
//               "headersTimeoutMs": 30000, ... } }
//                                       (http/limits.ts; defaults follow "limits"; checked against them)
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveLimits, type Limits } from '../gateway/limits.js'
import { DEFAULT_GROUP_SETTINGS, type GroupSettings } from '../groups/consumer-group.js'
import { DEFAULT_METRICS_OPTIONS, type MetricsOptions } from '../metrics/broker-metrics.js'
import { defaultHttpLimits, httpLimitProblems, type HttpLimits } from '../http/limits.js'
import { faultInjectionRefusal } from '../faults/fault-injection.js'
import { CLUSTER_FLAG_OPTIONS, CLUSTER_USAGE, parseClusterFlags, type ClusterConfig } from './cluster-config.js'
import { parseSecurityFlags, SECURITY_FLAG_OPTIONS, SECURITY_USAGE, type SecurityConfig } from './security-config.js'

export interface BrokerConfig {
  port: number
  host: string
  /** The Kafka-protocol listener's port (0: any free port), or undefined with --no-kafka. */
  kafkaPort: number | undefined
  /** The host the Kafka listener gives clients in Metadata; default: the bind host. */
  kafkaAdvertisedHost: string | undefined
  dataDir: string
  partitionThreads: number
  allowedOrigins: string[]
  autoCreateTopics: boolean
  autoCreatePartitions: number
  /** Undefined: the one in DATA_DIR/meta.json, or 0 for a new data dir. */
  brokerId: number | undefined
  /** How long SIGTERM waits for requests in flight before closing sessions. */
  drainTimeoutMs: number
  limits: Limits
  /** Group settings and limits, of both group types (groups/consumer-group.ts GroupSettings). */
  groups: GroupSettings
  /** Label caps and the `stats` series (metrics/broker-metrics.ts). */
  metrics: MetricsOptions
  /** The HTTP API's bounds (http/limits.ts), defaults derived from `limits`. */
  http: HttpLimits
  /** Cluster mode (--cluster and its flags, cluster-config.ts); undefined: a single broker. */
  cluster: ClusterConfig | undefined
  /** Authentication, ACLs and TLS (security-config.ts): `--auth`, `--tls-*`, ... */
  security: SecurityConfig
  /** `--fault-injection FILE` (faults/fault-plan.ts), absolute; test harnesses only, never from --config. */
  faultInjection?: string
}

/** Kafka's own default port. */
export const DEFAULT_KAFKA_PORT = 9092

export class UsageError extends Error {}

export const USAGE = `Usage: faecie broker [options]
  --port N                  port to listen on (default 8092; 0: any free port)
  --host HOST               address to bind (default 127.0.0.1)
  --kafka-port N            port of the Kafka-protocol listener (default 9092; 0: any free port)
  --no-kafka                no Kafka-protocol listener
  --kafka-advertised-host H the host Kafka clients are told to connect to (default: --host)
  --data-dir DIR            where topics are stored (default ./faecie-data)
  --partition-threads N     worker threads hosting partitions (default: the number of CPUs)
  --allowed-origins LIST    comma-separated web origins allowed besides the broker's own
  --auto-create-topics      create a topic on first produce or metadata request
  --config FILE             JSON settings (flags win over it), including "limits"
  --fault-injection FILE    test harnesses only: disk and clock faults read from FILE (refused when NODE_ENV=production)
  --help                    this text
${SECURITY_USAGE}
${CLUSTER_USAGE}`

const FILE_KEYS = new Set(['port', 'host', 'kafkaPort', 'kafka', 'kafkaAdvertisedHost', 'dataDir', 'partitionThreads', 'allowedOrigins', 'autoCreateTopics',
  'autoCreatePartitions', 'brokerId', 'drainTimeoutMs', 'limits', 'groups', 'metrics', 'http', 'security', 'etcd'])

/** Parses argv (without node and the script); returns 'help' for --help. */
export function parseBrokerArgs(argv: string[]): BrokerConfig | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'kafka-port': { type: 'string' },
        'no-kafka': { type: 'boolean' },
        'kafka-advertised-host': { type: 'string' },
        'data-dir': { type: 'string' },
        'partition-threads': { type: 'string' },
        'allowed-origins': { type: 'string' },
        'auto-create-topics': { type: 'boolean' },
        config: { type: 'string' },
        'fault-injection': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...CLUSTER_FLAG_OPTIONS,
        ...SECURITY_FLAG_OPTIONS,
      },
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const flags = parsed.values
  if (flags.help === true) return 'help'
  const file = flags.config === undefined ? {} : readConfigFile(flags.config)
  const pick = <T>(flag: T | undefined, key: string): unknown => flag ?? file[key]
  /** How an error names the setting: the flag when the value came from it, else the file's key. */
  const named = <T>(flag: T | undefined, name: string, key: string): string => (flag === undefined && file[key] !== undefined ? `${key} in --config ${flags.config}` : name)
  const limits = ((): Limits => {
    try {
      return resolveLimits(objectOrEmpty(file.limits, 'limits'))
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  })()
  if (file.kafka !== undefined && typeof file.kafka !== 'boolean') throw new UsageError(`kafka in --config ${flags.config} must be true or false`)
  const http = integers(objectOrEmpty(file.http, 'http'), 'http', defaultHttpLimits(limits), 1, 2 ** 31 - 1)
  const httpProblems = httpLimitProblems(http, limits)
  if (httpProblems.length > 0) throw new UsageError(`bad limits: ${httpProblems.join('; ')}`)
  const fileBrokerId = file.brokerId === undefined ? undefined : integer(file.brokerId, 'brokerId', 0, 2 ** 31 - 1)
  const cluster = parseClusterFlags(flags, fileBrokerId, integer, (message) => new UsageError(message), objectOrEmpty(file.etcd, 'etcd'))
  const security = parseSecurityFlags(flags, objectOrEmpty(file.security, 'security'), (message) => new UsageError(message))
  const faultInjection = flags['fault-injection'] === undefined ? undefined : faultInjectionFile(flags['fault-injection'])
  return {
    port: integer(pick(flags.port, 'port') ?? 8092, named(flags.port, '--port', 'port'), 0, 65535),
    host: text(pick(flags.host, 'host') ?? '127.0.0.1', named(flags.host, '--host', 'host')),
    kafkaPort: flags['no-kafka'] === true || file.kafka === false ? undefined
      : integer(pick(flags['kafka-port'], 'kafkaPort') ?? DEFAULT_KAFKA_PORT, named(flags['kafka-port'], '--kafka-port', 'kafkaPort'), 0, 65535),
    kafkaAdvertisedHost: pick(flags['kafka-advertised-host'], 'kafkaAdvertisedHost') === undefined ? undefined
      : text(pick(flags['kafka-advertised-host'], 'kafkaAdvertisedHost'), named(flags['kafka-advertised-host'], '--kafka-advertised-host', 'kafkaAdvertisedHost')),
    dataDir: resolve(text(pick(flags['data-dir'], 'dataDir') ?? './faecie-data', named(flags['data-dir'], '--data-dir', 'dataDir'))),
    partitionThreads: integer(pick(flags['partition-threads'], 'partitionThreads') ?? availableParallelism(), named(flags['partition-threads'], '--partition-threads', 'partitionThreads'), 1, 1024),
    allowedOrigins: origins(pick(flags['allowed-origins'], 'allowedOrigins') ?? []),
    autoCreateTopics: Boolean(pick(flags['auto-create-topics'], 'autoCreateTopics') ?? false),
    autoCreatePartitions: integer(file.autoCreatePartitions ?? 1, 'autoCreatePartitions', 1, limits.partitionsPerTopicMax),
    brokerId: cluster?.brokerId ?? fileBrokerId,
    drainTimeoutMs: integer(file.drainTimeoutMs ?? 10_000, 'drainTimeoutMs', 0, 600_000),
    limits,
    groups: groupSettings(objectOrEmpty(file.groups, 'groups')),
    metrics: integers(objectOrEmpty(file.metrics, 'metrics'), 'metrics', DEFAULT_METRICS_OPTIONS, 1, 1_000_000),
    http,
    cluster,
    security,
    ...(faultInjection === undefined ? {} : { faultInjection }),
  }
}

/** The plan file of --fault-injection, made absolute; refused in production. */
function faultInjectionFile(path: string): string {
  const refusal = faultInjectionRefusal()
  if (refusal !== undefined) throw new UsageError(refusal)
  return resolve(text(path, '--fault-injection'))
}

/** Each key of `defaults` that `given` names, as an integer from min to max; an unknown key is refused. */
function integers<T extends object>(given: Record<string, unknown>, what: string, defaults: Readonly<T>, min: number, max: number): T {
  const out = { ...defaults } as Record<string, unknown>
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) throw new UsageError(`${what}.${key} is not a setting (known: ${Object.keys(defaults).join(', ')})`)
    out[key] = integer(value, `${what}.${key}`, min, max)
  }
  return out as T
}

/** The longest offset retention taken (Kafka's offsets.retention.minutes has no bound; a year is plenty). */
const OFFSETS_RETENTION_MS_MAX = 365 * 24 * 3_600_000

/** The most bytes classic members may hold on one coordinator (groups.classicMemberBytesMax). */
const CLASSIC_MEMBER_BYTES_MAX = 2 ** 40

function groupSettings(given: Record<string, unknown>): GroupSettings {
  const { offsetsRetentionMs, classicMemberBytesMax, ...timeouts } = given
  const settings = integers(timeouts, 'groups', DEFAULT_GROUP_SETTINGS, 0, 24 * 3_600_000)
  if (offsetsRetentionMs !== undefined) settings.offsetsRetentionMs = integer(offsetsRetentionMs, 'groups.offsetsRetentionMs', 1, OFFSETS_RETENTION_MS_MAX)
  if (classicMemberBytesMax !== undefined) {
    settings.classicMemberBytesMax = integer(classicMemberBytesMax, 'groups.classicMemberBytesMax', 1, CLASSIC_MEMBER_BYTES_MAX)
  }
  if (settings.classicSessionTimeoutMsMin < 1 || settings.classicSessionTimeoutMsMin > settings.classicSessionTimeoutMsMax) {
    throw new UsageError(`groups: need 1 <= classicSessionTimeoutMsMin (${settings.classicSessionTimeoutMsMin}) <= ` +
      `classicSessionTimeoutMsMax (${settings.classicSessionTimeoutMsMax})`)
  }
  const { sessionTimeoutMsMin: min, sessionTimeoutMsMax: max, sessionTimeoutMsDefault: def } = settings
  if (min < 1 || min > def || def > max) {
    throw new UsageError(`groups: need 1 <= sessionTimeoutMsMin (${min}) <= sessionTimeoutMsDefault (${def}) <= sessionTimeoutMsMax (${max})`)
  }
  for (const key of ['heartbeatIntervalMsMax', 'subscribedTopicNamesMax', 'memberFieldCharsMax', 'membersPerGroupMax', 'offsetsRetentionCheckIntervalMs',
    'classicNewMemberJoinTimeoutMs', 'classicMembersPerGroupMax', 'classicMemberProtocolsMax', 'classicMemberProtocolBytesMax',
    'classicMemberAssignmentBytesMax', 'groupsMax', 'membersMax'] as const) {
    if (settings[key] < 1) throw new UsageError(`groups.${key} must be at least 1`)
  }
  return settings
}

function readConfigFile(path: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as Error).message}`)
  }
  const file = objectOrEmpty(value, `--config ${path}`)
  for (const key of Object.keys(file)) {
    if (!FILE_KEYS.has(key)) throw new UsageError(`--config ${path}: unknown key ${key} (known: ${[...FILE_KEYS].join(', ')})`)
  }
  return file
}

function objectOrEmpty(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${what} must be a JSON object`)
  return value as Record<string, unknown>
}

function integer(value: unknown, what: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return n
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`${what} must be a non-empty string`)
  return value
}

function origins(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) {
    throw new UsageError('--allowed-origins must be a comma-separated list (or, in --config, an array of strings)')
  }
  const out = list.map((o: string) => o.trim()).filter((o) => o.length > 0)
  for (const o of out) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+\/?$/i.test(o)) {
      throw new UsageError(`--allowed-origins: ${JSON.stringify(o)} is not an origin like http://localhost:5173`)
    }
  }
  return out
}
