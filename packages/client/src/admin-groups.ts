// The admin client's consumer-group methods (admin.ts delegates here): list, describe, delete,
// committed offsets (fetch, alter, reset to earliest / latest / an offset / a time), and lag: per
// partition, the committed offset against the end (the high watermark), as
// kafka-consumer-groups.sh --describe shows it. Lag is computed here, from fetchOffsets and
// listOffsets; the broker keeps no figure of its own.
import {
  EARLIEST_TIMESTAMP,
  FaecieError,
  LATEST_TIMESTAMP,
  type DescribedGroup,
  type ListedGroup,
  type WireError,
} from '@faecie/protocol'
import type { Cluster } from './cluster.js'
import { withRetry } from './retry.js'

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

function wireError(what: string, error: WireError): FaecieError {
  return new FaecieError(error.code, `${what}: ${error.message}`, { errorName: error.name, retriable: error.retriable })
}

/** The offsets of `partitions` at `timestamp` (-2 earliest, -1 latest), retried: Admin's. */
export type OffsetsAt = (topic: string, partitions: number[], timestamp: number) => Promise<number[]>

export class GroupAdmin {
  constructor(private readonly cluster: Cluster, private readonly offsetsAt: OffsetsAt) {}

  async listGroups(options: { states?: string[] } = {}): Promise<{ groups: ListedGroup[] }> {
    const response = await this.cluster.request('listGroups', options.states === undefined ? {} : { states: options.states })
    return { groups: response.groups }
  }

  /** Each group's state, epochs, assignor and members; an unknown group comes back with state Dead and an error. */
  async describeGroups(groupIds: string[]): Promise<{ groups: DescribedGroup[] }> {
    const response = await this.cluster.request('describeGroups', { groupIds })
    return { groups: response.groups }
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const groupId of groupIds) await this.cluster.request('deleteGroup', { groupId })
  }

  /** The group's committed offsets (-1 where none), for these topics or every one it has committed. */
  async fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<GroupTopicOffsets[]> {
    const topics = options.topics?.map((topic) => ({ topic }))
    return withRetry(async () => {
      const response = await this.cluster.request('fetchOffsets', topics === undefined ? { groupId: options.groupId } : { groupId: options.groupId, topics }, { retry: false })
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
    }, this.cluster.config.retry, { signal: this.cluster.signal })
  }

  /** Sets committed offsets by hand; refused (NON_EMPTY_GROUP) while the group has members. */
  async alterGroupOffsets(options: { groupId: string; topics: GroupTopicOffsets[] }): Promise<void> {
    const response = await this.cluster.request('alterGroupOffsets', { groupId: options.groupId, topics: options.topics })
    for (const t of response.topics) {
      for (const p of t.partitions) if (p.error !== undefined) throw wireError(`${t.topic}-${p.partition}`, p.error)
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
