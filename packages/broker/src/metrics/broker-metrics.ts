// Every Prometheus metric of one broker, in its own Registry (several brokers in one process do not
// collide), plus the rate series of the `stats` op. Handlers record into it on the hot path through
// a few methods that cost a map lookup and an add: per-topic label children are resolved once and
// cached, per-op histogram children are made up front, nothing is allocated per record. What is
// costly to know (log sizes, group lag, mailbox depths) is computed when scraped (scrape-sources.ts).
//
// In cluster mode the cluster runtime adds the replication series with useCluster (cluster-metrics.ts).
//
// Label cardinality, and how it is capped (MetricsOptions):
//   topic           the first `topicLabelsMax` topics seen get their own series; later ones are
//                   summed under topic="_other_" (a deleted topic's series stay until restart)
//   topic,partition log size: the first `partitionLabelsMax` user partitions; the total of all of
//                   them is faecie_log_size_bytes_all, the number left out faecie_log_size_partitions_omitted
//   group,...       consumer-group lag: at most `groupsMax` groups and `groupLagSeriesMax` series per
//                   scrape (faecie_consumer_group_lag_omitted counts the rest)
//   op, thread      bounded by the protocol's ops and partitionThreads
//   principal,quota quota throttles: the first `topicLabelsMax` principals, later ones under "_other_"
import { strict as assert } from 'node:assert'
import { OPS } from '@faecie/protocol'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { registerClusterMetrics, type ClusterMetricsSource } from './cluster-metrics.js'
import { registerStorageGauges } from './storage-gauges.js'
import type { Logger } from '../log.js'
import type { OffsetWatch } from '../gateway/offset-watch.js'
import { SESSION_CLOSE_REASONS, type OutboundBytes } from '../gateway/outbound.js'
import type { HttpConnections } from '../http/connections.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { TopicService } from '../topics/topic-service.js'
import { RateSeries } from './rate-series.js'
import { ScrapeSources } from './scrape-sources.js'
import type { FsyncReport } from './fsync-timing.js'

export interface MetricsOptions {
  /** Topics with their own records/bytes series; later topics share topic="_other_". */
  topicLabelsMax: number
  /** Partitions with their own log-size series. */
  partitionLabelsMax: number
  /** Consumer groups whose lag one scrape looks at. */
  groupsMax: number
  /** Lag series (group, topic, partition) one scrape exports. */
  groupLagSeriesMax: number
  /** Log sizes and group lags are computed at most once per this many milliseconds. */
  scrapeCacheMs: number
  /** Width of one point of the `stats` op's series, and how many points are kept. */
  seriesIntervalMs: number
  seriesPointsMax: number
}

export const DEFAULT_METRICS_OPTIONS: Readonly<MetricsOptions> = {
  topicLabelsMax: 1000,
  partitionLabelsMax: 1000,
  groupsMax: 100,
  groupLagSeriesMax: 1000,
  scrapeCacheMs: 5000,
  seriesIntervalMs: 10_000,
  seriesPointsMax: 30,
}

export const OTHER_TOPICS_LABEL = '_other_'

/** Seconds, for request latency: 0.1 ms to 10 s. */
const REQUEST_BUCKETS_SECONDS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Seconds, for fdatasync: 50 µs to 2.5 s. */
const FSYNC_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

interface TopicCounters {
  recordsIn: Counter.Internal
  bytesIn: Counter.Internal
  recordsOut: Counter.Internal
  bytesOut: Counter.Internal
}

export interface BrokerMetricsParts {
  partitions: PartitionManager
  topics: TopicService
  watch: OffsetWatch
  logger: Logger
  /** Bytes queued for sending, the read budget, sessions closed by reason (absent in some unit tests). */
  outbound?: OutboundBytes
  /** Open HTTP connections and request bodies in flight (absent in some unit tests). */
  connections?: HttpConnections
  options?: Partial<MetricsOptions>
}

export class BrokerMetrics {
  readonly registry = new Registry()
  readonly options: Readonly<MetricsOptions>
  readonly series: RateSeries
  readonly sources: ScrapeSources
  readonly startedMs = Date.now()
  /** Open WebSocket sessions. */
  sessions = 0
  readonly #recordsIn: Counter<'topic'>
  readonly #bytesIn: Counter<'topic'>
  readonly #recordsOut: Counter<'topic'>
  readonly #bytesOut: Counter<'topic'>
  readonly #byTopic = new Map<string, TopicCounters>()
  #otherTopics: TopicCounters | undefined
  readonly #opDurations = new Map<string, Histogram.Internal<'op'>>()
  readonly #fsync: Histogram
  readonly #fsyncDropped: Counter
  readonly #logger: Logger
  readonly #throttleTime: Counter<'principal' | 'quota'>
  readonly #throttleResumed: Counter
  readonly #throttlePrincipals = new Set<string>()
  #cluster: ClusterMetricsSource | undefined

  constructor(parts: BrokerMetricsParts) {
    const options = this.options = { ...DEFAULT_METRICS_OPTIONS, ...parts.options }
    const registers = [this.registry]
    this.#logger = parts.logger
    collectDefaultMetrics({ register: this.registry })
    this.series = new RateSeries({ intervalMs: options.seriesIntervalMs, pointsMax: options.seriesPointsMax })
    const sources = this.sources = new ScrapeSources({
      partitions: parts.partitions, topics: parts.topics, watch: parts.watch, logger: parts.logger,
      cacheMs: options.scrapeCacheMs, groupsMax: options.groupsMax, groupLagSeriesMax: options.groupLagSeriesMax,
    })
    const counter = (name: string, help: string): Counter<'topic'> => new Counter({ name, help, labelNames: ['topic'], registers })
    this.#recordsIn = counter('faecie_records_in_total', 'Records appended by produce requests, per topic.')
    this.#bytesIn = counter('faecie_bytes_in_total', 'Record-batch bytes appended by produce requests, per topic.')
    this.#recordsOut = counter('faecie_records_out_total', 'Records sent to consumers (fetch answers and subscription pushes), per topic.')
    this.#bytesOut = counter('faecie_bytes_out_total', 'Record-batch bytes sent to consumers (fetch answers and subscription pushes), per topic.')
    const requests = new Histogram({
      name: 'faecie_request_duration_seconds', help: 'Time from a request read off the WebSocket to its answer, per op.',
      labelNames: ['op'], buckets: REQUEST_BUCKETS_SECONDS, registers,
    })
    for (const op of OPS) this.#opDurations.set(op, requests.labels(op))
    this.#fsync = new Histogram({
      name: 'faecie_fsync_duration_seconds', help: 'fdatasync durations on the partition threads.',
      buckets: FSYNC_BUCKETS_SECONDS, registers,
    })
    this.#fsyncDropped = new Counter({
      name: 'faecie_fsync_observations_dropped_total', help: 'fdatasync durations not observed (over the per-report cap).', registers,
    })
    parts.partitions.onFsyncs((report) => this.observeFsyncs(report))
    this.#throttleTime = new Counter({
      name: 'faecie_quota_throttle_time_ms_total', help: 'Throttle time given to requests over a client quota (security.quotas), per principal and quota type.',
      labelNames: ['principal', 'quota'], registers,
    })
    this.#throttleResumed = new Counter({
      name: 'faecie_quota_throttles_ended_total', help: 'Connections that stopped being read for a quota throttle and were read again.', registers,
    })
    const metrics = this
    new Gauge({ name: 'faecie_sessions', help: 'Open WebSocket sessions.', registers, collect() { this.set(metrics.sessions) } })
    new Gauge({
      name: 'faecie_partitions', help: 'Partitions of user topics.', registers,
      collect() { this.set(sources.userTopics().partitions) },
    })
    new Gauge({
      name: 'faecie_partition_thread_mailbox_depth', help: 'Requests sent to a partition thread and not yet answered.',
      labelNames: ['thread'], registers,
      collect() {
        this.reset()
        parts.partitions.threadMailboxDepths().forEach((depth, thread) => this.labels(String(thread)).set(depth))
      },
    })
    if (parts.outbound !== undefined) this.#outboundGauges(registers, parts.outbound)
    if (parts.connections !== undefined) this.#connectionGauges(registers, parts.connections)
    this.#sizeGauges(registers)
    this.#lagGauges(registers)
    registerStorageGauges(registers, parts.partitions)
  }

  /**
   * Cluster mode: adds the cluster's series (cluster-metrics.ts), fed by `source` (the cluster
   * runtime). Called once, before the first scrape; a single broker never calls it.
   */
  useCluster(source: ClusterMetricsSource): void {
    assert.equal(this.#cluster, undefined, 'BrokerMetrics.useCluster called twice')
    this.#cluster = source
    registerClusterMetrics({
      registers: [this.registry], source, partitionLabelsMax: this.options.partitionLabelsMax,
      scrapeCacheMs: this.options.scrapeCacheMs, logger: this.#logger,
    })
  }

  /** The cluster's metrics source, in cluster mode. */
  get cluster(): ClusterMetricsSource | undefined {
    return this.#cluster
  }

  /** A produce appended `records` records in `bytes` bytes to `topic`. */
  recordIn(topic: string, records: number, bytes: number): void {
    const c = this.#topic(topic)
    c.recordsIn.inc(records)
    c.bytesIn.inc(bytes)
    this.series.addIn(records, bytes)
  }

  /** A fetch answer or push carried `records` records in `bytes` bytes of `topic`. */
  recordOut(topic: string, records: number, bytes: number): void {
    const c = this.#topic(topic)
    c.recordsOut.inc(records)
    c.bytesOut.inc(bytes)
    this.series.addOut(records, bytes)
  }

  /** A request of `op` took `seconds` from read to answer. */
  observeRequest(op: string, seconds: number): void {
    this.#opDurations.get(op)?.observe(seconds)
  }

  /** A request of `principal` over its `quota` (produce, fetch, request) earned `ms` of throttle. */
  recordThrottle(principal: string, quota: string, ms: number): void {
    if (!this.#throttlePrincipals.has(principal) && this.#throttlePrincipals.size < this.options.topicLabelsMax) this.#throttlePrincipals.add(principal)
    this.#throttleTime.labels(this.#throttlePrincipals.has(principal) ? principal : OTHER_TOPICS_LABEL, quota).inc(ms)
  }

  /** A connection muted for a throttle is read again. */
  throttleEnded(): void {
    this.#throttleResumed.inc()
  }

  /** A partition thread's periodic report of its fdatasync durations. */
  observeFsyncs(report: FsyncReport): void {
    for (const s of report.seconds) this.#fsync.observe(s)
    if (report.dropped > 0) this.#fsyncDropped.inc(report.dropped)
  }

  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  #topic(topic: string): TopicCounters {
    const known = this.#byTopic.get(topic)
    if (known !== undefined) return known
    if (this.#byTopic.size >= this.options.topicLabelsMax) return this.#otherTopics ??= this.#countersFor(OTHER_TOPICS_LABEL)
    const counters = this.#countersFor(topic)
    this.#byTopic.set(topic, counters)
    return counters
  }

  #countersFor(label: string): TopicCounters {
    return {
      recordsIn: this.#recordsIn.labels(label), bytesIn: this.#bytesIn.labels(label),
      recordsOut: this.#recordsOut.labels(label), bytesOut: this.#bytesOut.labels(label),
    }
  }

  #outboundGauges(registers: Registry[], outbound: OutboundBytes): void {
    new Gauge({
      name: 'faecie_session_queued_bytes', help: 'Bytes queued for sending on all WebSocket sessions (answers and pushes), not yet handed to the kernel.',
      registers, collect() { this.set(outbound.queuedBytes) },
    })
    new Gauge({
      name: 'faecie_request_bytes_in_flight', help: 'Bytes of WebSocket request frames whose requests are in flight.',
      registers, collect() { this.set(outbound.requestBytes) },
    })
    new Gauge({
      name: 'faecie_read_budget_bytes_in_use', help: 'Bytes of the read budget (readBytesInFlightMax) held by reads and by answers not yet sent.',
      registers, collect() { this.set(outbound.readBudget.used) },
    })
    new Gauge({
      name: 'faecie_read_budget_waiting', help: 'Reads waiting for room in the read budget.',
      registers, collect() { this.set(outbound.readBudget.waiting) },
    })
    new Counter({
      name: 'faecie_sessions_closed_total', help: 'Sessions the broker closed (or refused), by reason.', labelNames: ['reason'], registers,
      collect() {
        this.reset()
        for (const reason of SESSION_CLOSE_REASONS) this.labels(reason).inc(outbound.closedByReason().get(reason) ?? 0)
      },
    })
  }

  #connectionGauges(registers: Registry[], connections: HttpConnections): void {
    new Gauge({
      name: 'faecie_http_connections', help: 'Open HTTP connections, WebSocket sessions included (http.connectionsMax).',
      registers, collect() { this.set(connections.open) },
    })
    new Gauge({
      name: 'faecie_http_request_body_bytes_in_flight', help: 'Bytes of request bodies being received or handled (http.requestBodyBytesInFlightMax).',
      registers, collect() { this.set(connections.bodyBudget.used) },
    })
  }

  #sizeGauges(registers: Registry[]): void {
    const { sources, options } = this
    // Each collect awaits the same cached computation (the registry collects metrics concurrently).
    new Gauge({
      name: 'faecie_log_size_bytes', help: `Log bytes of a user partition (the first partitionLabelsMax = ${options.partitionLabelsMax}).`,
      labelNames: ['topic', 'partition'], registers,
      async collect() {
        const sizes = await sources.sizes()
        this.reset()
        for (const p of sizes.partitions.slice(0, options.partitionLabelsMax)) this.labels(p.topic, String(p.partition)).set(p.sizeBytes)
      },
    })
    new Gauge({
      name: 'faecie_log_size_bytes_all', help: 'Log bytes of all user partitions together.', registers,
      async collect() { this.set((await sources.sizes()).totalBytes) },
    })
    new Gauge({
      name: 'faecie_log_size_partitions_omitted', help: 'User partitions without their own faecie_log_size_bytes series.', registers,
      async collect() { this.set(Math.max(0, (await sources.sizes()).partitions.length - options.partitionLabelsMax)) },
    })
  }

  #lagGauges(registers: Registry[]): void {
    const sources = this.sources
    new Gauge({
      name: 'faecie_consumer_group_lag', help: 'High watermark minus the committed offset, per group and partition.',
      labelNames: ['group', 'topic', 'partition'], registers,
      async collect() {
        const { lags } = await sources.lags()
        this.reset()
        for (const l of lags) this.labels(l.group, l.topic, String(l.partition)).set(l.lag)
      },
    })
    new Gauge({
      name: 'faecie_consumer_group_lag_omitted', help: 'Lag series left out by groupsMax and groupLagSeriesMax.', registers,
      async collect() { this.set((await sources.lags()).omitted) },
    })
  }
}
