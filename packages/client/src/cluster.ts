// What a producer, consumer or admin talks through: connections that heal, one per broker.
//
// The "any" connection: a session with one of the configured brokers (or, once metadata named them,
// any broker of the cluster), and when that closes, the next caller opens another (each broker in
// turn until one answers), waiting a backoff with jitter after each round that found none
// (retry.ts) so that brokers that are down are not hammered. Admin ops and metadata go there (group ops go to
// their coordinator: coordinators.ts); `request` retries retriable errors on it within the configured budget.
//
// Partition ops (produce, fetch, listOffsets, subscribe) go to the partition's leader: route() names
// the connection (leaders.ts keeps who leads what). The session the any connection opened counts as
// the connection of the broker it reached (hello names it), so a single broker, leader of every
// partition, is reached over that one session exactly as before clusters. After a routing error
// (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, ...) noteError() marks the topic stale: its next
// route asks metadata first (one request per topic at a time, backing off while a partition has
// no leader). A lost connection to a broker in a cluster does the same for the topics it led.
import { ErrorCode, FaecieError, type MetadataResponse, type MetadataTopic, type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import { type ClientConfig, brokerUrl } from './config.js'
import { Connection, type RequestOptions } from './connection.js'
import { ANY_BROKER, LeaderTable, NO_LEADER, STALE, isRoutingError } from './leaders.js'
import { type Clock, systemClock } from './clock.js'
import { type RetryOptions, backoffMs, sleep, withRetry } from './retry.js'

export interface ClusterRequestOptions extends RequestOptions {
  /** false: one attempt. Default: the client's retry options. */
  retry?: RetryOptions | false
}

/** Where to send a partition's request now: an open connection, or something to wait for first. */
export type Route = { connection: Connection; wait?: undefined } | { connection?: undefined; wait: Promise<unknown> }

export class Cluster {
  readonly config: ClientConfig
  readonly leaders = new LeaderTable()
  private current: Connection | undefined
  private connecting: Promise<Connection> | undefined
  private failures = 0
  private brokerIndex = 0
  /** The broker the any connection reached last (its hello's brokerId); -1 before. */
  private anyBrokerId = -1
  private closed = false
  private readonly abort = new AbortController()
  /** One open session per broker id (the any connection's included). */
  private readonly byBroker = new Map<number, Connection>()
  private readonly opening = new Map<number, Promise<Connection>>()
  private readonly brokerFailures = new Map<number, number>()
  private readonly refreshing = new Map<string, Promise<void>>()
  /** Metadata refreshes of a topic in a row that failed: their backoff. */
  private readonly refreshFailures = new Map<string, number>()

  /** Whose timers the reconnect and refresh backoffs run on (tests pass a manual clock). */
  readonly clock: Clock

  constructor(config: ClientConfig, clock: Clock = systemClock) {
    this.config = config
    this.clock = clock
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Aborted by disconnect(): loops that wait on backoffs listen to it. */
  get signal(): AbortSignal {
    return this.abort.signal
  }

  /** The open any connection, or a new one (one attempt, after the backoff the failures so far call for). */
  connect(): Promise<Connection> {
    if (this.closed) return Promise.reject(this.disconnected())
    if (this.current?.isOpen === true) return Promise.resolve(this.current)
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined
    })
    return this.connecting
  }

  /** A request on the any connection, retried (on a new connection if need be) while retriable. */
  request<Op extends OpName>(op: Op, fields: OpRequest<Op>, options: ClusterRequestOptions = {}): Promise<OpResponse<Op>> {
    const retry = options.retry ?? this.config.retry
    const once = async (): Promise<OpResponse<Op>> => (await this.connect()).request(op, fields, options)
    if (retry === false) return once()
    return withRetry(once, retry, { signal: this.abort.signal, clock: this.clock })
  }

  /**
   * The connection for a partition's requests, if open now; else a promise to wait on (connecting
   * to the leader, or refreshing the topic's metadata), after which route() is asked again.
   */
  route(topic: string, partition: number): Route {
    if (this.closed) return { wait: Promise.reject(this.disconnected()) }
    const leader = this.leaders.leaderOf(topic, partition)
    if (leader === STALE || leader === NO_LEADER) return { wait: this.refreshRoutes(topic) }
    if (leader === ANY_BROKER) return this.current?.isOpen === true ? { connection: this.current } : { wait: this.connect() }
    const open = this.byBroker.get(leader)
    if (open?.isOpen === true) return { connection: open }
    return { wait: this.connectBroker(leader) }
  }

  /**
   * The open connection of a partition's leader, waiting for it (connecting, refreshing metadata) at
   * most as many times as the retry budget has retries; then LEADER_NOT_AVAILABLE (retriable).
   */
  async leaderConnection(topic: string, partition: number): Promise<Connection> {
    for (let waits = 0; waits <= this.config.retry.retries; waits++) {
      const route = this.route(topic, partition)
      if (route.connection !== undefined) return route.connection
      await route.wait
    }
    throw new FaecieError(ErrorCode.LEADER_NOT_AVAILABLE, `No leader to reach for ${topic}-${partition}.`)
  }

  /**
   * The open session with a broker named by an answer other than metadata (findCoordinator): the
   * pooled one, else a new one at `url` (one at a time per broker, backing off after failures). The
   * broker the any connection reaches is reconnected there (a single broker names itself with a URL
   * the client may not reach it by); the caller checks hello.brokerId.
   */
  brokerConnection(brokerId: number, url: string): Promise<Connection> {
    if (this.closed) return Promise.reject(this.disconnected())
    const open = this.byBroker.get(brokerId)
    if (open?.isOpen === true) return Promise.resolve(open)
    return this.connectBroker(brokerId, url)
  }

  /** Hears a partition's error: a routing error marks its topic stale (true), UNKNOWN_TOPIC forgets it. */
  noteError(topic: string, err: unknown): boolean {
    if (err instanceof FaecieError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) this.leaders.forget(topic)
    if (!isRoutingError(err)) return false
    this.leaders.markStale(topic)
    return true
  }

  /** Topic metadata, from the cache while fresh; an unknown topic throws UNKNOWN_TOPIC_OR_PARTITION. */
  async topic(name: string, options: { refresh?: boolean } = {}): Promise<MetadataTopic> {
    const cached = this.leaders.fresh(name, Date.now(), this.config.metadataMaxAgeMs)
    if (options.refresh !== true && cached !== undefined) return cached
    const response = await this.metadata([name])
    const topic = response.topics.find((t) => t.topic === name)
    if (topic === undefined || topic.error !== undefined) {
      this.leaders.forget(name)
      throw topic?.error === undefined
        ? new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown topic: ${name}.`)
        : new FaecieError(topic.error.code, topic.error.message.includes(name) ? topic.error.message : `Topic ${name}: ${topic.error.message}`, { errorName: topic.error.name, retriable: topic.error.retriable })
    }
    return topic
  }

  async partitionCount(topic: string, options: { refresh?: boolean } = {}): Promise<number> {
    return (await this.topic(topic, options)).partitions.length
  }

  /** Forgets cached metadata (all of it, or one topic's), e.g. after UNKNOWN_TOPIC_OR_PARTITION. */
  invalidate(topic?: string): void {
    this.leaders.forget(topic)
  }

  async metadata(topics?: string[], options: ClusterRequestOptions = {}): Promise<MetadataResponse> {
    const response = await this.request('metadata', topics === undefined ? {} : { topics }, options)
    this.leaders.learn(response, Date.now())
    return response
  }

  async disconnect(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.abort.abort()
    this.current?.close('disconnect')
    this.current = undefined
    for (const connection of this.byBroker.values()) connection.close('disconnect')
    this.byBroker.clear()
  }

  /**
   * Asks the topic's metadata again (once at a time), backing off while a partition has no leader
   * and after refreshes that failed.
   */
  private refreshRoutes(topic: string): Promise<void> {
    let refresh = this.refreshing.get(topic)
    if (refresh === undefined) {
      const waits = Math.max(this.leaders.leaderlessCount(topic), this.refreshFailures.get(topic) ?? 0)
      refresh = (async () => {
        if (waits > 0) await sleep(backoffMs(waits - 1, this.config.retry), this.abort.signal, this.clock)
        if (this.closed) throw this.disconnected()
        let response: MetadataResponse
        try {
          response = await this.metadata([topic], { retry: false })
        } catch (err) {
          this.refreshFailures.set(topic, (this.refreshFailures.get(topic) ?? 0) + 1)
          throw err
        }
        this.refreshFailures.delete(topic)
        // Gone: its partitions route to any broker, which answers UNKNOWN_TOPIC_OR_PARTITION to the caller.
        if (!response.topics.some((t) => t.topic === topic && t.error === undefined)) this.leaders.forget(topic)
      })().finally(() => this.refreshing.delete(topic))
      this.refreshing.set(topic, refresh)
    }
    return refresh
  }

  /** A session with one broker (one at a time per broker); its URL comes from metadata. */
  private connectBroker(brokerId: number, url = this.leaders.urlOf(brokerId)): Promise<Connection> {
    // The broker the any connection reaches (a single broker, or one whose URL is unknown): reconnect there.
    if (url === undefined || brokerId === this.anyBrokerId) {
      return this.connect().then((connection) => {
        if (connection.hello.brokerId !== brokerId) {
          // The any connection landed elsewhere: ask again who leads what before routing there.
          this.leaders.markLedBy(brokerId)
          if (url !== undefined) this.anyBrokerId = connection.hello.brokerId
        }
        return connection
      })
    }
    let opening = this.opening.get(brokerId)
    if (opening === undefined) {
      opening = this.openBroker(brokerId, url).finally(() => this.opening.delete(brokerId))
      this.opening.set(brokerId, opening)
    }
    return opening
  }

  private async openBroker(brokerId: number, url: string): Promise<Connection> {
    const failures = this.brokerFailures.get(brokerId) ?? 0
    if (failures > 0) await sleep(backoffMs(failures - 1, this.config.retry), this.abort.signal, this.clock)
    if (this.closed) throw this.disconnected()
    try {
      const connection = await this.open(brokerUrl(url))
      if (connection.hello.brokerId !== brokerId) {
        // Its URL now reaches another broker: not the one metadata meant (backed off like a refusal).
        connection.close('another broker')
        throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, `${url} is broker ${connection.hello.brokerId}, not broker ${brokerId}.`)
      }
      this.brokerFailures.delete(brokerId)
      this.adopt(connection)
      return connection
    } catch (err) {
      this.brokerFailures.set(brokerId, failures + 1)
      // Unreachable: it may have lost its partitions; metadata says.
      this.leaders.markLedBy(brokerId)
      throw err
    }
  }

  /** Registers a session under the broker it reached; when it closes, a cluster re-asks its leaders. */
  private adopt(connection: Connection): void {
    const brokerId = connection.hello.brokerId
    const existing = this.byBroker.get(brokerId)
    if (existing?.isOpen === true && existing !== connection && existing !== this.current) existing.close('replaced')
    this.byBroker.set(brokerId, connection)
    connection.onClose(() => {
      if (this.byBroker.get(brokerId) === connection) this.byBroker.delete(brokerId)
      if (!this.closed && this.leaders.brokerCount > 1) this.leaders.markLedBy(brokerId)
    })
  }

  /**
   * One round: each known broker in turn (from the one after the last that failed) until one
   * answers hello; a round that finds none fails, and the next waits the backoff. With one broker
   * configured a round is one attempt, as before clusters.
   */
  private async attempt(): Promise<Connection> {
    if (this.failures > 0) await sleep(backoffMs(this.failures - 1, this.config.retry), this.abort.signal, this.clock)
    const candidates = this.candidates()
    let lastError: unknown
    for (let tried = 0; tried < candidates.length; tried++) {
      if (this.closed) throw this.disconnected()
      const url = candidates[this.brokerIndex % candidates.length]!
      try {
        return this.opened(await this.open(url))
      } catch (err) {
        lastError = err
        this.brokerIndex++
      }
    }
    this.failures++
    throw lastError
  }

  /** The any connection is open: it is also the connection of the broker it reached. */
  private opened(connection: Connection): Connection {
    this.failures = 0
    this.current = connection
    this.anyBrokerId = connection.hello.brokerId
    const pooled = this.byBroker.get(this.anyBrokerId)
    if (pooled?.isOpen === true) {
      // Already connected to that broker for its partitions: one session per broker.
      connection.close('duplicate')
      this.current = pooled
      return pooled
    }
    this.adopt(connection)
    return connection
  }

  /** The configured brokers, then the others metadata named. */
  private candidates(): string[] {
    const urls = [...this.config.brokers]
    for (const url of this.leaders.brokerUrls()) {
      let full: string
      try {
        full = brokerUrl(url)
      } catch {
        continue
      }
      if (!urls.includes(full)) urls.push(full)
    }
    return urls
  }

  private async open(url: string): Promise<Connection> {
    const connection = await Connection.open({
      url,
      clientId: this.config.clientId,
      transport: this.config.transport,
      connectTimeoutMs: this.config.connectTimeoutMs,
      requestTimeoutMs: this.config.requestTimeoutMs,
      messageBytesMax: this.config.messageBytesMax,
      sasl: this.config.sasl,
    })
    if (this.closed) {
      connection.close('disconnect')
      throw this.disconnected()
    }
    return connection
  }

  private disconnected(): FaecieError {
    return new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The client has been disconnected.', { retriable: false })
  }
}
