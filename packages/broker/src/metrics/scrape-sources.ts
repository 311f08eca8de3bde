// What /metrics and the `stats` op compute when asked rather than on the hot path: the log size of
// every user partition (one `status` request to each partition's actor) and each consumer group's
// lag (the coordinator's committed offsets against the partitions' high watermarks as the offset
// watch knows them). Both are cached for `cacheMs` and shared by concurrent scrapes, so a scraper
// polling fast, or several at once, cost one round of requests per `cacheMs` at most; and both are
// capped: at most `groupsMax` groups are looked at per round, and the lag of at most
// `groupLagSeriesMax` partitions is kept (the rest are counted in `omitted`).
import { partitionKey } from '../partition/messages.js'
import type { PartitionManager } from '../partition/partition-manager.js'
import type { OffsetWatch } from '../gateway/offset-watch.js'
import type { TopicService } from '../topics/topic-service.js'
import type { Logger } from '../log.js'

/** Groups of this broker's own coordinator: in a cluster they are read where they live, never forwarded. */
const LOCAL_GROUPS = { mayForward: false }

export interface PartitionSize {
  topic: string
  partition: number
  sizeBytes: number
}

export interface PartitionSizes {
  partitions: PartitionSize[]
  totalBytes: number
}

export interface GroupLag {
  group: string
  topic: string
  partition: number
  lag: number
}

export interface GroupLags {
  lags: GroupLag[]
  /** Partitions (or whole groups, past groupsMax) whose lag was left out by the caps. */
  omitted: number
}

export interface ScrapeSourcesOptions {
  partitions: PartitionManager
  topics: TopicService
  watch: OffsetWatch
  logger: Logger
  cacheMs: number
  groupsMax: number
  groupLagSeriesMax: number
  clock?: () => number
}

/** A value computed at most once per `cacheMs`, concurrent askers sharing the computation. */
export class Cached<T> {
  #value: T | undefined
  #atMs = -Infinity
  #pending: Promise<T> | undefined

  constructor(private readonly compute: () => Promise<T>, private readonly cacheMs: number, private readonly clock: () => number) {}

  get(): Promise<T> {
    if (this.#value !== undefined && this.clock() - this.#atMs < this.cacheMs) return Promise.resolve(this.#value)
    this.#pending ??= this.compute().then((value) => {
      this.#value = value
      this.#atMs = this.clock()
      return value
    }).finally(() => { this.#pending = undefined })
    return this.#pending
  }
}

export class ScrapeSources {
  readonly #o: ScrapeSourcesOptions
  readonly #sizes: Cached<PartitionSizes>
  readonly #lags: Cached<GroupLags>

  constructor(options: ScrapeSourcesOptions) {
    this.#o = options
    const clock = options.clock ?? Date.now
    this.#sizes = new Cached(() => this.#computeSizes(), options.cacheMs, clock)
    this.#lags = new Cached(() => this.#computeLags(), options.cacheMs, clock)
  }

  sizes(): Promise<PartitionSizes> {
    return this.#sizes.get()
  }

  lags(): Promise<GroupLags> {
    return this.#lags.get()
  }

  /** User topics and their partition count right now (internal topics, `__*`, left out). */
  userTopics(): { topics: number; partitions: number } {
    let topics = 0
    let partitions = 0
    for (const meta of this.#o.topics.all()) {
      if (meta.internal) continue
      topics++
      partitions += meta.partitions
    }
    return { topics, partitions }
  }

  async #computeSizes(): Promise<PartitionSizes> {
    const asks: Promise<PartitionSize | undefined>[] = []
    for (const meta of this.#o.topics.all()) {
      if (meta.internal) continue
      for (let partition = 0; partition < meta.partitions; partition++) {
        // A partition being opened, deleted or busy (MAILBOX_FULL) is left out of this round.
        asks.push(this.#o.partitions.request(meta.topic, partition, { op: 'status' }).then(
          (s) => ({ topic: meta.topic, partition, sizeBytes: s.sizeBytes }),
          () => undefined,
        ))
      }
    }
    const partitions = (await Promise.all(asks)).filter((p): p is PartitionSize => p !== undefined)
    return { partitions, totalBytes: partitions.reduce((n, p) => n + p.sizeBytes, 0) }
  }

  async #computeLags(): Promise<GroupLags> {
    const { topics, watch, groupsMax, groupLagSeriesMax } = this.#o
    let groups: { groupId: string }[]
    try {
      groups = (await topics.group('listGroups', {}, LOCAL_GROUPS)).groups
    } catch (err) {
      // The coordinator is restarting or shutting down: no lag this round, rather than a failed scrape.
      this.#o.logger.warn({ err }, 'metrics: consumer groups not listed')
      return { lags: [], omitted: 0 }
    }
    const lags: GroupLag[] = []
    let omitted = Math.max(0, groups.length - groupsMax)
    const answers = await Promise.all(groups.slice(0, groupsMax).map((g) =>
      topics.group('fetchOffsets', { groupId: g.groupId }, LOCAL_GROUPS).catch((err: unknown) => {
        this.#o.logger.debug({ err, group: g.groupId }, 'metrics: committed offsets not read')
        return undefined
      })))
    for (const answer of answers) {
      if (answer === undefined) continue
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (p.offset < 0 || p.error !== undefined) continue
          const known = watch.latest(partitionKey(t.topic, p.partition))
          if (known === undefined) continue
          if (lags.length >= groupLagSeriesMax) {
            omitted++
            continue
          }
          lags.push({ group: answer.groupId, topic: t.topic, partition: p.partition, lag: Math.max(0, known.highWatermark - p.offset) })
        }
      }
    }
    return { lags, omitted }
  }
}
