// What the client knows of where each partition lives: the topics' metadata as last answered (their
// partition counts, and in a cluster each partition's leader broker), the brokers' URLs, and which
// topics must be asked again before their partitions are routed (after NOT_LEADER_OR_FOLLOWER and
// the other errors that say a leader moved). Pure bookkeeping: cluster.ts asks the broker and
// connects. A topic never described routes to "any" broker (the bootstrap connection), so a client
// that never asked metadata (a consumer with assign()) sends exactly what it sent before clusters.
import { ErrorCode, FaecieError, type MetadataBroker, type MetadataResponse, type MetadataTopic } from '@faecie/protocol'

/** The errors that say a partition's leader is elsewhere (or being elected): refresh, then retry. */
export const ROUTING_ERROR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.BROKER_NOT_AVAILABLE,
])

export function isRoutingError(err: unknown): boolean {
  return err instanceof FaecieError && ROUTING_ERROR_CODES.has(err.code)
}

/** Where a partition goes: a broker id, ANY_BROKER (no metadata yet), or STALE (ask metadata first). */
export const ANY_BROKER = -1
export const STALE = -2
/** The partition has no leader right now (an election is under way). */
export const NO_LEADER = -3

interface CachedTopic {
  topic: MetadataTopic
  fetchedAtMs: number
}

export class LeaderTable {
  private readonly topics = new Map<string, CachedTopic>()
  private readonly stale = new Set<string>()
  private readonly urls = new Map<number, string>()
  /** Refreshes of a topic in a row that still found a partition without a leader: their backoff. */
  private readonly leaderlessRefreshes = new Map<string, number>()

  /** The cached topic if younger than maxAgeMs. */
  fresh(name: string, nowMs: number, maxAgeMs: number): MetadataTopic | undefined {
    const cached = this.topics.get(name)
    return cached !== undefined && nowMs - cached.fetchedAtMs < maxAgeMs ? cached.topic : undefined
  }

  /** Takes in a metadata answer: every topic in it, and the live brokers' URLs (replacing the last list). */
  learn(response: MetadataResponse, nowMs: number): void {
    const brokers = response.brokers ?? []
    if (brokers.length > 0) this.urls.clear()
    for (const broker of brokers) this.learnBroker(broker)
    for (const topic of response.topics) {
      if (topic.error !== undefined) {
        this.forget(topic.topic)
        continue
      }
      this.topics.set(topic.topic, { topic, fetchedAtMs: nowMs })
      this.stale.delete(topic.topic)
      // A leader metadata does not list among the live brokers is as good as none (yet).
      const leaderless = topic.partitions.some((p) => !this.reachable(p.leader))
      if (leaderless) this.leaderlessRefreshes.set(topic.topic, (this.leaderlessRefreshes.get(topic.topic) ?? 0) + 1)
      else this.leaderlessRefreshes.delete(topic.topic)
    }
  }

  /** Forgets a topic (deleted, unknown): it routes to any broker again. */
  forget(name?: string): void {
    if (name === undefined) {
      this.topics.clear()
      this.stale.clear()
      this.leaderlessRefreshes.clear()
      return
    }
    this.topics.delete(name)
    this.stale.delete(name)
    this.leaderlessRefreshes.delete(name)
  }

  /** The topic's leaders are to be asked again before its partitions are routed. */
  markStale(name: string): void {
    this.stale.add(name)
  }

  /** Marks stale every topic with a partition led by `brokerId` (its connection failed). */
  markLedBy(brokerId: number): void {
    for (const [name, { topic }] of this.topics) if (topic.partitions.some((p) => p.leader === brokerId)) this.stale.add(name)
  }

  isStale(name: string): boolean {
    return this.stale.has(name)
  }

  /** How many refreshes in a row found the topic with a leaderless partition. */
  leaderlessCount(name: string): number {
    return this.leaderlessRefreshes.get(name) ?? 0
  }

  /** The broker a partition's requests go to (see the constants above). */
  leaderOf(topic: string, partition: number): number {
    if (this.stale.has(topic)) return STALE
    const meta = this.topics.get(topic)?.topic.partitions.find((p) => p.partition === partition)
    if (meta === undefined) return ANY_BROKER
    if (!this.reachable(meta.leader)) return NO_LEADER
    return meta.leader
  }

  /** A leader, and listed among the brokers (a broker that lists none, as before clusters, names itself). */
  private reachable(leader: number): boolean {
    return leader >= 0 && (this.urls.size === 0 || this.urls.has(leader))
  }

  urlOf(brokerId: number): string | undefined {
    return this.urls.get(brokerId)
  }

  /** Every broker URL metadata named. */
  brokerUrls(): string[] {
    return [...this.urls.values()]
  }

  get brokerCount(): number {
    return this.urls.size
  }

  private learnBroker(broker: MetadataBroker): void {
    if (Number.isSafeInteger(broker.brokerId) && broker.brokerId >= 0 && typeof broker.url === 'string' && broker.url !== '') {
      this.urls.set(broker.brokerId, broker.url)
    }
  }
}
