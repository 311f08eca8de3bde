// What a producer, consumer or admin talks through: a connection that heals. It opens a session with
// one of the configured brokers, and when that closes, the next caller opens another (the next broker
// in turn), waiting a backoff with jitter after each failed attempt (retry.ts) so that a broker that
// is down is not hammered. `request` retries retriable errors within the configured budget; callers
// with their own retry logic (the producer's sequence numbers, the consumer's fetch loop) call
// `connect()` and the connection directly. It also caches topic metadata (partition counts).
import { ErrorCode, FaecieError, type MetadataResponse, type MetadataTopic, type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import type { ClientConfig } from './config.js'
import { Connection, type RequestOptions } from './connection.js'
import { type RetryOptions, backoffMs, sleep, withRetry } from './retry.js'

export interface ClusterRequestOptions extends RequestOptions {
  /** false: one attempt. Default: the client's retry options. */
  retry?: RetryOptions | false
}

interface CachedTopic {
  topic: MetadataTopic
  fetchedAtMs: number
}

export class Cluster {
  readonly config: ClientConfig
  private current: Connection | undefined
  private connecting: Promise<Connection> | undefined
  private failures = 0
  private brokerIndex = 0
  private closed = false
  private readonly abort = new AbortController()
  private readonly topics = new Map<string, CachedTopic>()

  constructor(config: ClientConfig) {
    this.config = config
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Aborted by disconnect(): loops that wait on backoffs listen to it. */
  get signal(): AbortSignal {
    return this.abort.signal
  }

  /** The open connection, or a new one (one attempt, after the backoff the failures so far call for). */
  connect(): Promise<Connection> {
    if (this.closed) return Promise.reject(this.disconnected())
    if (this.current?.isOpen === true) return Promise.resolve(this.current)
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined
    })
    return this.connecting
  }

  /** A request on the current connection, retried (on a new connection if need be) while retriable. */
  request<Op extends OpName>(op: Op, fields: OpRequest<Op>, options: ClusterRequestOptions = {}): Promise<OpResponse<Op>> {
    const retry = options.retry ?? this.config.retry
    const once = async (): Promise<OpResponse<Op>> => (await this.connect()).request(op, fields, options)
    if (retry === false) return once()
    return withRetry(once, retry, { signal: this.abort.signal })
  }

  /** Topic metadata, from the cache while fresh; an unknown topic throws UNKNOWN_TOPIC_OR_PARTITION. */
  async topic(name: string, options: { refresh?: boolean } = {}): Promise<MetadataTopic> {
    const cached = this.topics.get(name)
    if (options.refresh !== true && cached !== undefined && Date.now() - cached.fetchedAtMs < this.config.metadataMaxAgeMs) return cached.topic
    const response = await this.metadata([name])
    const topic = response.topics.find((t) => t.topic === name)
    if (topic === undefined || topic.error !== undefined) {
      this.topics.delete(name)
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
    if (topic === undefined) this.topics.clear()
    else this.topics.delete(topic)
  }

  async metadata(topics?: string[]): Promise<MetadataResponse> {
    const response = await this.request('metadata', topics === undefined ? {} : { topics })
    const now = Date.now()
    for (const topic of response.topics) {
      if (topic.error === undefined) this.topics.set(topic.topic, { topic, fetchedAtMs: now })
    }
    return response
  }

  async disconnect(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.abort.abort()
    this.current?.close('disconnect')
    this.current = undefined
  }

  private async attempt(): Promise<Connection> {
    if (this.failures > 0) await sleep(backoffMs(this.failures - 1, this.config.retry), this.abort.signal)
    if (this.closed) throw this.disconnected()
    const url = this.config.brokers[this.brokerIndex % this.config.brokers.length]!
    try {
      const connection = await Connection.open({
        url,
        clientId: this.config.clientId,
        transport: this.config.transport,
        connectTimeoutMs: this.config.connectTimeoutMs,
        requestTimeoutMs: this.config.requestTimeoutMs,
        messageBytesMax: this.config.messageBytesMax,
      })
      if (this.closed) {
        connection.close('disconnect')
        throw this.disconnected()
      }
      this.failures = 0
      this.current = connection
      return connection
    } catch (err) {
      this.failures++
      this.brokerIndex++
      throw err
    }
  }

  private disconnected(): FaecieError {
    return new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The client has been disconnected.', { retriable: false })
  }
}
