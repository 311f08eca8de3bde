// The admin client's consumer-group methods (admin.ts delegates here): list, describe, delete,
// committed offsets (fetch, alter, reset to earliest / latest / an offset / a time), and lag: per
// partition, the committed offset against the end (the high watermark), as
// kafka-consumer-groups.sh --describe shows it. Lag is computed here, from fetchOffsets and
// listOffsets; the broker keeps no figure of its own.
//
// Each group's ops go to its coordinator (coordinators.ts), found again when it moves (a dead
// coordinator's closed connection included, within the retry budget). listGroups in a cluster asks
// every live broker (each answers for the groups it coordinates) and merges, as Kafka's AdminClient
// does; a broker that cannot be reached (one just killed stays registered until its lease expires)
// is reported in `unreachable` instead of failing the whole list. describeGroups asks each
// coordinator once for all its groups, and says which coordinator answered.
import {
  EARLIEST_TIMESTAMP,
  ErrorCode,
  FaecieError,
  LATEST_TIMESTAMP,
  type DescribeClusterResponse,
  type DescribedGroup,
  type ListedGroup,
  type WireError,
} from '@faecie/protocol'
import type { Clock } from './clock.js'
import type { Cluster } from './cluster.js'
import { Coordinators, isCoordinatorError } from './coordinators.js'
import { isRetriable } from './retry.js'

export interface GroupPartitionOffset {
  partition: number
  offset: number
}

export interface GroupTopicOffsets {
  topic: string
  partitions: GroupPartitionOffset[]
}

/** Where reset-offsets moves a group: Kafka's --to-earliest, --to-latest, --to-offset, --to-datetime. */
export type ResetTarget = { to: 'earliest' } | { to: 'latest' } | { to: 'offset'; offset: number } | { to: 'timestamp'; timestamp: number }

export interface ResetPlanEntry {
  topic: string
  partition: number
  /** The committed offset now; -1 when none is. */
  current: number
  /** The offset it is (or would be) set to. */
  offset: number
}

export interface PartitionLag {
  topic: string
  partition: number
  /** -1 when the group has committed nothing for the partition. */
  committed: number
  /** The high watermark: where the next record goes. */
  end: number
  /** end - committed; undefined when nothing is committed. */
  lag: number | undefined
  /** The member that owns the partition now, if one does. */
  memberId?: string
  clientId?: string
}

export interface GroupLag {
  groupId: string
  partitions: PartitionLag[]
  /** The sum of the partitions' lags (those with a committed offset). */
  totalLag: number
}

/** A broker listGroups could not reach (its groups are missing from the list). */
export interface UnreachableBroker {
  brokerId: number
  url: string
  error: FaecieError
}

export interface ListedGroups {
  groups: ListedGroup[]
  /** Present when some broker could not be reached. */
  unreachable?: UnreachableBroker[]
}

/** A described group and its coordinator (the broker that answered; "any" broker of old: the one reached). */
export type GroupDescription = DescribedGroup & { coordinator?: { brokerId: number; url: string } }

/** Errors that say a broker cannot be reached now: listGroups does not wait them out for one broker. */
const UNREACHABLE_CODES: ReadonlySet<number> = new Set([ErrorCode.NETWORK_EXCEPTION, ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT])

function wireError(what: string, error: WireError): FaecieError {
  return new FaecieError(error.code, `${what}: ${error.message}`, { errorName: error.name, retriable: error.retriable })
}

/** The offsets of `partitions` at `timestamp` (-2 earliest, -1 latest), retried: Admin's. */
export type OffsetsAt = (topic: string, partitions: number[], timestamp: number) => Promise<number[]>

export class GroupAdmin {
  private readonly coordinators: Coordinators

  constructor(private readonly cluster: Cluster, private readonly offsetsAt: OffsetsAt, clock?: Clock) {
    this.coordinators = new Coordinators(cluster, clock === undefined ? {} : { clock })
  }

  /** Every group: in a cluster, each live broker's (the groups it coordinates), merged (a group listed twice, mid-move, once). */
  async listGroups(options: { states?: string[] } = {}): Promise<ListedGroups> {
    const request = options.states === undefined ? {} : { states: options.states }
    const cluster = await this.clusterOrSingle()
    if (cluster === undefined || cluster.mode !== 'cluster') return { groups: (await this.cluster.request('listGroups', request)).groups }
    const unreachable: UnreachableBroker[] = []
    // A broker that cannot be reached is reported at once; other retriable refusals are retried.
    const retriable = (err: unknown): boolean => isRetriable(err) && !(err instanceof FaecieError && UNREACHABLE_CODES.has(err.code))
    const lists = await Promise.all(cluster.brokers.map((broker) => this.coordinators.retrying(async () => {
      const connection = await this.cluster.brokerConnection(broker.brokerId, broker.url)
      if (connection.hello.brokerId !== broker.brokerId) {
        throw new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, `${broker.url} is broker ${connection.hello.brokerId}, not broker ${broker.brokerId}.`)
      }
      return (await connection.request('listGroups', request)).groups
    }, retriable).catch((err: unknown): ListedGroup[] => {
      if (!(err instanceof FaecieError) || !UNREACHABLE_CODES.has(err.code)) throw err
      unreachable.push({ brokerId: broker.brokerId, url: broker.url, error: err })
      return []
    })))
    if (unreachable.length === cluster.brokers.length && unreachable.length > 0) throw unreachable[0]!.error
    const merged = new Map<string, ListedGroup>()
    for (const group of lists.flat()) if (!merged.has(group.groupId)) merged.set(group.groupId, group)
    const groups = [...merged.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
    return unreachable.length === 0 ? { groups } : { groups, unreachable: unreachable.sort((a, b) => a.brokerId - b.brokerId) }
  }

  /**
   * Each group's state, epochs, assignor and members; an unknown group comes back with state Dead
   * and an error. One request per coordinator; groups whose coordinator moved meanwhile are asked again.
   */
  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    const found = new Map<string, GroupDescription>()
    await this.coordinators.retrying(async () => {
      const byCoordinator = new Map<string, string[]>()
      await Promise.all([...new Set(groupIds)].filter((id) => !found.has(id)).map(async (groupId) => {
        const coordinator = await this.coordinators.find(groupId)
        const key = 'any' in coordinator ? 'any' : String(coordinator.brokerId)
        byCoordinator.set(key, [...byCoordinator.get(key) ?? [], groupId])
      }))
      let failure: unknown
      await Promise.all([...byCoordinator.values()].map(async (ids) => {
        try {
          let answeredBy: { brokerId: number; url: string } | undefined
          const response = await this.coordinators.withCoordinator(ids[0]!, (connection) => {
            const known = this.coordinators.coordinatorOf(ids[0]!)
            answeredBy = known !== undefined && !('any' in known) ? { brokerId: known.brokerId, url: known.url } : { brokerId: connection.hello.brokerId, url: connection.url }
            return connection.request('describeGroups', { groupIds: ids })
          })
          for (const group of response.groups) {
            const err = group.error === undefined ? undefined : wireError(group.groupId, group.error)
            if (err !== undefined && isCoordinatorError(err)) {
              this.coordinators.noteError(group.groupId, err)
              failure ??= err
            } else {
              found.set(group.groupId, answeredBy === undefined ? group : { ...group, coordinator: answeredBy })
            }
          }
        } catch (err) {
          for (const id of ids) this.coordinators.noteError(id, err)
          failure ??= err
        }
      }))
      if (failure !== undefined) throw failure
    })
    return { groups: groupIds.flatMap((id) => found.get(id) ?? []) }
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) await this.coordinators.request(groupId, 'deleteGroup', { groupId })
  }

  /** The group's committed offsets (-1 where none), for these topics or every one it has committed. */
  async fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<GroupTopicOffsets[]> {
    const topics = options.topics?.map((topic) => ({ topic }))
    return this.coordinators.retrying(() => this.coordinators.withCoordinator(options.groupId, async (connection) => {
      const response = await connection.request('fetchOffsets', topics === undefined ? { groupId: options.groupId } : { groupId: options.groupId, topics })
      return response.topics.map((t) => {
        if (t.error !== undefined) throw wireError(t.topic, t.error)
        return {
          topic: t.topic,
          partitions: t.partitions.map((p) => {
            if (p.error !== undefined) throw wireError(`${t.topic}-${p.partition}`, p.error)
            return { partition: p.partition, offset: p.offset }
          }).sort((a, b) => a.partition - b.partition),
        }
      })
    }))
  }

  /** Sets committed offsets by hand; refused (NON_EMPTY_GROUP) while the group has members. */
  async alterGroupOffsets(options: { groupId: string; topics: GroupTopicOffsets[] }): Promise<void> {
    // A partition's error is retried only if it says the coordinator moved (NON_EMPTY_GROUP is the caller's).
    const failure = await this.coordinators.retrying(() => this.coordinators.withCoordinator(options.groupId, async (connection) => {
      const response = await connection.request('alterGroupOffsets', { groupId: options.groupId, topics: options.topics })
      let failure: FaecieError | undefined
      for (const t of response.topics) {
        for (const p of t.partitions) {
          const err = p.error === undefined ? undefined : wireError(`${t.topic}-${p.partition}`, p.error)
          if (err !== undefined && isCoordinatorError(err)) throw err
          failure ??= err
        }
      }
      return failure
    }))
    if (failure !== undefined) throw failure
  }

  /** The cluster as describeCluster says; undefined from a broker without that op (a single broker, as before). */
  private async clusterOrSingle(): Promise<DescribeClusterResponse | undefined> {
    try {
      return await this.cluster.request('describeCluster', {})
    } catch (err) {
      if (err instanceof FaecieError && (err.code === ErrorCode.UNKNOWN_OP || err.code === ErrorCode.UNSUPPORTED_VERSION)) return undefined
      throw err
    }
  }

  /**
   * Moves the group's offsets of a topic (all its partitions, or those named) to a target. With
   * dryRun, only resolves the plan; otherwise applies it (refused while the group has members).
   */
  async resetOffsets(options: { groupId: string; topic: string; partitions?: number[]; dryRun?: boolean } & ResetTarget): Promise<ResetPlanEntry[]> {
    const { groupId, topic } = options
    const all = (await this.cluster.topic(topic, { refresh: true })).partitions.map((p) => p.partition).sort((a, b) => a - b)
    const partitions = options.partitions ?? all
    for (const p of partitions) if (!all.includes(p)) throw new RangeError(`${topic} has no partition ${p}`)
    const [committed] = await this.fetchOffsets({ groupId, topics: [topic] })
    const current = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]))
    const [low, high] = await Promise.all([this.offsetsAt(topic, partitions, EARLIEST_TIMESTAMP), this.offsetsAt(topic, partitions, LATEST_TIMESTAMP)])
    const at = options.to === 'timestamp' ? await this.offsetsAt(topic, partitions, options.timestamp) : undefined
    const plan = partitions.map((partition, i): ResetPlanEntry => {
      let offset: number
      if (options.to === 'earliest') offset = low[i]!
      else if (options.to === 'latest') offset = high[i]!
      else if (options.to === 'offset') offset = Math.min(Math.max(options.offset, low[i]!), high[i]!)
      else offset = at![i]! < 0 ? high[i]! : at![i]!
      return { topic, partition, current: current.get(partition) ?? -1, offset }
    })
    if (options.dryRun !== true) {
      await this.alterGroupOffsets({ groupId, topics: [{ topic, partitions: plan.map(({ partition, offset }) => ({ partition, offset })) }] })
    }
    return plan
  }

  /**
   * Per partition, the committed offset, the end and the lag, with the member that owns it: for the
   * given topics, else every topic the group has committed for or its members are assigned.
   */
  async fetchGroupLag(options: { groupId: string; topics?: string[] }): Promise<GroupLag> {
    const { groupId } = options
    const [{ groups }, committed] = await Promise.all([this.describeGroups([groupId]), this.fetchOffsets({ groupId })])
    const group = groups.find((g) => g.groupId === groupId)
    const owners = new Map<string, { memberId: string; clientId: string }>()
    const topics = new Set(options.topics ?? committed.map((t) => t.topic))
    for (const member of group?.error === undefined ? group?.members ?? [] : []) {
      for (const { topic, partitions } of member.assignment) {
        if (options.topics === undefined) topics.add(topic)
        for (const p of partitions) owners.set(`${topic}\u0000${p}`, { memberId: member.memberId, clientId: member.clientId })
      }
    }
    const out: PartitionLag[] = []
    for (const topic of [...topics].sort()) {
      let partitions: number[]
      try {
        partitions = (await this.cluster.topic(topic, { refresh: true })).partitions.map((p) => p.partition).sort((a, b) => a - b)
      } catch {
        continue // deleted since: nothing to lag behind
      }
      const ends = await this.offsetsAt(topic, partitions, LATEST_TIMESTAMP)
      const commits = new Map((committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]))
      partitions.forEach((partition, i) => {
        const end = ends[i]!
        const c = commits.get(partition) ?? -1
        const owner = owners.get(`${topic}\u0000${partition}`)
        out.push({ topic, partition, committed: c, end, lag: c < 0 ? undefined : Math.max(0, end - c), ...owner })
      })
    }
    return { groupId, partitions: out, totalLag: out.reduce((sum, p) => sum + (p.lag ?? 0), 0) }
  }
}
