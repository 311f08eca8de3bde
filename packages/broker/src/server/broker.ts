// A whole broker in one process, wired together and started in order, stopped in the reverse order:
//
//   start: meta.json -> partition manager (threads) -> offset watch -> coordinator (own thread:
//          replays __cluster_metadata, moves unknown partition directories aside) -> every partition
//          of every topic opened (missing directories made) -> HTTP/WebSocket gateway listening ->
//          Kafka-protocol listener (unless --no-kafka)
//   stop:  refuse new sessions and requests (SHUTTING_DOWN), wake long polls, wait for requests in
//          flight (drainTimeoutMs), close sessions with 4004, close the Kafka listener and its
//          connections, close the HTTP server, close every
//          partition (flush, producer-state snapshot, clean-shutdown marker), close the coordinator
//
// Cluster mode (--cluster, cluster/cluster-runtime.ts): etcd first (the cluster id, which meta.json
// must hold), then as above but the coordinator keeps partition directories it does not know (they
// are etcd's topics) and opens none: the cluster runtime (state watch, peer links, fetchers, ISR
// writer, controller, reconciler) is made before the listeners, and joins the cluster (registration
// with the URL and Kafka address just bound, election, the reconciler's first pass) after them. Stop
// begins with a controlled shutdown (cluster/controlled-shutdown.ts: marked shuttingDown in etcd, still
// serving until etcd names it leader of nothing or --controlled-shutdown-timeout-ms passes), then
// leaves the cluster (ClusterRuntime.stop), then as above.
import { readFileSync } from 'node:fs'
import { CoordinatorClient } from '../coordinator/coordinator-client.js'
import { CloseCode, type BrokerInfo, type Gateway } from '../gateway/context.js'
import { GatewayServer } from '../gateway/gateway-server.js'
import { announcedLimits } from '../gateway/limits.js'
import { OffsetWatch } from '../gateway/offset-watch.js'
import { OriginPolicy } from '../gateway/origin.js'
import { OutboundBytes } from '../gateway/outbound.js'
import { PartitionReads } from '../gateway/reads.js'
import type { Logger } from '../log.js'
import { PartitionManager } from '../partition/partition-manager.js'
import { RealDisk } from '../storage/real-disk.js'
import { startFaultInjection, type FaultInjection } from '../faults/fault-injection.js'
import { HttpConnections } from '../http/connections.js'
import { registerHttpApi } from '../http/http-api.js'
import { KafkaListener } from '../kafka/listener.js'
import { BrokerMetrics } from '../metrics/broker-metrics.js'
import { registerMetrics } from '../metrics/metrics-routes.js'
import { TopicService } from '../topics/topic-service.js'
import { GatewaySecurity } from '../security/gateway-security.js'
import { bootstrapSecurity } from '../security/bootstrap.js'
import { EtcdSecurityStore } from '../cluster/security-etcd.js'
import type { ClusterPartFactories } from '../cluster/cluster-parts.js'
import { ClusterRuntime, type ClusterConnection } from '../cluster/cluster-runtime.js'
import { registerConsole } from '../ui/console-routes.js'
import type { BrokerConfig } from './config.js'
import { logDirHealth } from './log-dir-health.js'
import { loadOrCreateMeta, type BrokerMeta } from './meta-file.js'
import { openFilesLimit, openFilesProblem } from './open-files.js'
import { securityWarnings } from './secure-defaults.js'
import { TlsContext } from './tls-context.js'

/** Producer ids reserved per metadata record: a restart skips at most this many. */
const PRODUCER_ID_BLOCK_SIZE = 1000

export const SERVER_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
})()

export class Broker {
  readonly meta: BrokerMeta
  readonly #config: BrokerConfig
  readonly #logger: Logger
  readonly #partitions: PartitionManager
  readonly #coordinator: CoordinatorClient
  readonly #server: GatewayServer
  readonly #gateway: GatewayState
  readonly #kafka: KafkaListener | undefined
  readonly #cluster: ClusterRuntime | undefined
  readonly #faults: FaultInjection | undefined
  readonly #tls: TlsContext | undefined
  readonly #securityStore: EtcdSecurityStore | undefined
  #stopping: Promise<void> | undefined

  private constructor(parts: {
    config: BrokerConfig; logger: Logger; meta: BrokerMeta; partitions: PartitionManager
    coordinator: CoordinatorClient; server: GatewayServer; gateway: GatewayState; kafka: KafkaListener | undefined
    cluster: ClusterRuntime | undefined; faults: FaultInjection | undefined; tls: TlsContext | undefined
    securityStore: EtcdSecurityStore | undefined
  }) {
    this.#tls = parts.tls
    this.#config = parts.config
    this.#logger = parts.logger
    this.meta = parts.meta
    this.#partitions = parts.partitions
    this.#coordinator = parts.coordinator
    this.#server = parts.server
    this.#gateway = parts.gateway
    this.#kafka = parts.kafka
    this.#cluster = parts.cluster
    this.#faults = parts.faults
    this.#securityStore = parts.securityStore
  }

  /**
   * Starts a broker; `onFatal` hears of a failure it cannot survive (the coordinator lost for good).
   * `clusterParts`: the cluster's parts (cluster/cluster-parts.ts), fakes in tests; default the real ones.
   */
  static async start(config: BrokerConfig, root: Logger, onFatal: (err: Error) => void,
    options: { clusterParts?: ClusterPartFactories } = {}): Promise<Broker> {
    // --fault-injection: this (main) thread's clock and meta disk follow the plan; the coordinator's
    // and partition threads start their own from the same file.
    const faults = config.faultInjection === undefined ? undefined : startMainThreadFaults(config.faultInjection, root)
    try {
      return await Broker.#start(config, root, onFatal, options, faults)
    } catch (err) {
      faults?.stop()
      throw err
    }
  }

  static async #start(config: BrokerConfig, root: Logger, onFatal: (err: Error) => void,
    options: { clusterParts?: ClusterPartFactories }, faults: FaultInjection | undefined): Promise<Broker> {
    const startedMs = Date.now()
    const logger = root.child({ module: 'broker' })
    const tls = config.security.tls === undefined ? undefined : TlsContext.load(config.security.tls, root.child({ module: 'tls' }))
    const connection: ClusterConnection | undefined = config.cluster === undefined ? undefined : await ClusterRuntime.connect(config.cluster)
    let meta: BrokerMeta
    try {
      meta = loadOrCreateMeta(faults === undefined ? new RealDisk() : faults.wrap(new RealDisk()), config.dataDir, config.brokerId, startedMs, connection?.clusterId)
    } catch (err) {
      connection?.client.close()
      throw err
    }
    const limits = config.limits
    logger.info({ brokerId: meta.brokerId, clusterId: meta.clusterId, dataDir: config.dataDir, limits: announcedLimits(limits),
      partitionThreads: config.partitionThreads }, 'broker starting')
    const openFiles = openFilesProblem(openFilesLimit(), limits.partitionsMax, config.http.connectionsMax)
    if (openFiles !== undefined) logger.warn({ partitionsMax: limits.partitionsMax, connectionsMax: config.http.connectionsMax }, openFiles)
    for (const warning of securityWarnings(config)) logger.warn({ host: config.host }, warning)
    const partitions = new PartitionManager({
      dataDir: config.dataDir, logger: root, partitionThreadsMax: config.partitionThreads, mailboxDepthMax: limits.mailboxDepthMax,
      ...(config.faultInjection === undefined ? {} : { faultInjection: config.faultInjection }),
    })
    const watch = new OffsetWatch(partitions)
    // The gateway's security state before the coordinator (or etcd, in a cluster), which fills it with the stored users and ACLs.
    const security = new GatewaySecurity(config.security, root.child({ module: 'security' }))
    const reservedUsers = config.security.bootstrapUser === undefined ? [] : [config.security.bootstrapUser.name]
    const securityLimits = { usersMax: config.security.limits.usersMax, aclsMax: config.security.limits.aclsMax }
    let coordinator: CoordinatorClient
    try {
      await bootstrapSecurity(config.security, security.state, logger)
      const started = await CoordinatorClient.start({
        dataDir: config.dataDir, logger: root, onFatal,
        settings: {
          batchBytesMax: limits.batchBytesMax, partitionsPerTopicMax: limits.partitionsPerTopicMax, partitionsMax: limits.partitionsMax,
          producerIdBlockSize: PRODUCER_ID_BLOCK_SIZE,
          security: securityLimits,
        },
        // A cluster keeps its users and ACLs in etcd (cluster/security-etcd.ts), not in a broker's own log.
        ...(connection === undefined ? { security: { state: security.state, reservedUsers } } : {}),
        groupSettings: config.groups,
        keepUnknownPartitionDirs: connection !== undefined,
        ...(config.faultInjection === undefined ? {} : { faultInjection: config.faultInjection }),
      })
      coordinator = started.client
      if (started.start.movedAside.length > 0) logger.warn({ movedAside: started.start.movedAside }, 'unknown partition directories moved aside')
    } catch (err) {
      await partitions.shutdown()
      connection?.client.close()
      throw err
    }
    let cluster: ClusterRuntime | undefined
    let securityStore: EtcdSecurityStore | undefined
    if (connection !== undefined) {
      try {
        securityStore = await EtcdSecurityStore.start({ client: connection.client, keys: connection.keys, state: security.state, reservedUsers,
          limits: securityLimits, logger: root.child({ module: 'security-etcd' }) })
        cluster = await ClusterRuntime.start(connection, { config: config.cluster!, dataDir: config.dataDir, partitions, limits, logger: root, groupSettings: config.groups,
          ...(tls === undefined ? {} : { peerTls: () => tls.clientOptions() }),
          ...(options.clusterParts === undefined ? {} : { parts: options.clusterParts }) })
      } catch (err) {
        await securityStore?.close()
        await partitions.shutdown()
        await coordinator.close()
        connection.client.close()
        throw err
      }
    }
    await cluster?.mirrorTopics((list) => coordinator.call({ method: 'mirrorClusterTopics', topics: list }))
    const topics = new TopicService({ coordinator, partitions, limits, logger: root, autoCreatePartitions: config.autoCreatePartitions,
      ...(cluster === undefined ? {} : { cluster: cluster.topics }) })
    const broker: BrokerInfo = { brokerId: meta.brokerId, clusterId: meta.clusterId, serverVersion: SERVER_VERSION, url: '', autoCreateTopics: config.autoCreateTopics }
    const reads = new PartitionReads(partitions)
    const outbound = new OutboundBytes(limits)
    const connections = new HttpConnections(config.http, outbound, root.child({ module: 'http-connections' }))
    const metrics = new BrokerMetrics({ partitions, topics, watch, outbound, connections, options: config.metrics, logger: root.child({ module: 'metrics' }) })
    if (cluster !== undefined) metrics.useCluster(cluster)
    const gateway = new GatewayState({ limits, topics, partitions, watch, reads, broker, metrics, outbound, logger: root.child({ module: 'session' }), cluster, security })
    let server: GatewayServer | undefined
    let kafka: KafkaListener | undefined
    try {
      const opened = await topics.openAll()
      logger.info({ topics: topics.all().length, partitions: opened }, 'partitions open')
      server = await GatewayServer.listen({
        host: config.host, port: config.port, gateway, logger: root, connections, ...(tls === undefined ? {} : { tls }),
        origins: originPolicy(config.allowedOrigins, cluster, logger),
        health: () => ({ version: SERVER_VERSION, brokerId: meta.brokerId, topics: topics.all().length, partitions: partitions.partitionCount,
          uptimeMs: Date.now() - startedMs, rssBytes: process.memoryUsage.rss(), queuedBytes: outbound.queuedBytes,
          readBudgetBytesInUse: outbound.readBudget.used, ...logDirHealth(config.dataDir, partitions, gateway.draining) }),
        routes: [
          (app) => registerHttpApi(app, gateway, { limits: config.http }),
          (app) => registerMetrics(app, gateway),
          (app) => registerConsole(app),
        ],
      })
      if (config.kafkaPort !== undefined) {
        kafka = await KafkaListener.listen({ host: config.host, port: config.kafkaPort, advertisedHost: config.kafkaAdvertisedHost,
          brokerId: meta.brokerId, clusterId: meta.clusterId, gateway, logger: root, ...(tls === undefined ? {} : { tls }) })
      }
      broker.url = config.cluster?.advertisedUrl ?? `${tls === undefined ? 'ws' : 'wss'}://${urlHost(config.host)}:${server.port}`
      await cluster?.join({ url: broker.url, kafkaAddress: kafka === undefined ? undefined : `${config.kafkaAdvertisedHost ?? urlHost(config.host)}:${kafka.port}` })
    } catch (err) {
      await securityStore?.close()
      await cluster?.stop()
      await kafka?.close()
      await server?.close()
      await partitions.shutdown()
      await coordinator.close()
      throw err
    }
    logger.info({ host: config.host, port: server.port, url: broker.url, ws: `${broker.url}/v1/ws`, startMs: Date.now() - startedMs },
      'broker listening')
    return new Broker({ config, logger, meta, partitions, coordinator, server, gateway, kafka, cluster, faults, tls, securityStore })
  }

  get port(): number {
    return this.#server.port
  }

  /** The Kafka listener's port, undefined with --no-kafka. */
  get kafkaPort(): number | undefined {
    return this.#kafka?.port
  }

  get url(): string {
    return this.#gateway.broker.url
  }

  /** Reads the TLS files again (SIGHUP); open connections keep theirs. False without TLS or when a file is bad (logged). */
  reloadTls(): boolean {
    return this.#tls?.reload() ?? false
  }

  /** Drains and stops; safe to call more than once. */
  stop(reason = 'stop requested'): Promise<void> {
    this.#stopping ??= this.#stop(reason)
    return this.#stopping
  }

  async #stop(reason: string): Promise<void> {
    const logger = this.#logger
    const cluster = this.#config.cluster
    if (this.#cluster !== undefined && cluster !== undefined && cluster.controlledShutdownTimeoutMs > 0) {
      // Still serving: leaderships move to other brokers first, so clients retry there, not into a gap.
      logger.info({ reason, controlledShutdownTimeoutMs: cluster.controlledShutdownTimeoutMs }, 'broker stopping: controlled shutdown')
      await this.#cluster.controlledShutdown(cluster.controlledShutdownTimeoutMs)
    }
    logger.info({ reason, sessions: this.#server.sessions.size }, 'broker stopping: draining requests in flight')
    this.#gateway.draining = true
    this.#gateway.watch.releaseAll()
    await this.#securityStore?.close()
    await this.#cluster?.stop()
    const busy = await this.#server.drain(this.#config.drainTimeoutMs)
    if (busy > 0) logger.warn({ sessions: busy, drainTimeoutMs: this.#config.drainTimeoutMs }, 'sessions still busy at the drain timeout')
    this.#server.closeSessions(CloseCode.shuttingDown, 'broker shutting down')
    await this.#kafka?.close()
    await this.#server.close()
    await this.#partitions.shutdown()
    await this.#coordinator.close()
    this.#faults?.stop()
    logger.info('broker stopped: partitions closed cleanly')
  }
}

class GatewayState implements Gateway {
  readonly limits: Gateway['limits']
  readonly topics: Gateway['topics']
  readonly partitions: Gateway['partitions']
  readonly watch: Gateway['watch']
  readonly reads: Gateway['reads']
  readonly broker: BrokerInfo
  readonly logger: Logger
  readonly metrics: Gateway['metrics']
  readonly outbound: Gateway['outbound']
  readonly cluster: Gateway['cluster']
  readonly security: Gateway['security']
  draining = false

  constructor(parts: Omit<Gateway, 'draining' | 'cluster'> & { cluster?: Gateway['cluster'] }) {
    this.limits = parts.limits
    this.topics = parts.topics
    this.partitions = parts.partitions
    this.watch = parts.watch
    this.reads = parts.reads
    this.broker = parts.broker
    this.logger = parts.logger
    this.metrics = parts.metrics
    this.outbound = parts.outbound
    this.cluster = parts.cluster
    this.security = parts.security
  }
}

/** Fault injection on the main thread, announced with a warning (a test harness's broker only). */
function startMainThreadFaults(path: string, root: Logger): FaultInjection {
  const logger = root.child({ module: 'fault-injection' })
  logger.warn({ path }, 'fault injection ON (--fault-injection): disk and clock faults follow this file; for test harnesses only')
  return startFaultInjection(path, logger)
}

/** The host part of the broker's URL: a wildcard bind is reached on loopback; IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** --allowed-origins and the broker's own; in a cluster, the consoles of the other live brokers too. */
function originPolicy(allowed: readonly string[], cluster: ClusterRuntime | undefined, logger: Logger): OriginPolicy {
  const policy = new OriginPolicy(allowed, logger)
  if (cluster !== undefined) policy.allowPeers(() => cluster.brokers().map((b) => b.advertisedUrl))
  return policy
}
