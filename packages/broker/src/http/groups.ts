// /v1/groups: list consumer groups (op listGroups) and describe one with its lag. Lag is computed
// as the admin client does (packages/client/src/admin-groups.ts fetchGroupLag): per partition of
// every topic the group committed for or its members are assigned, the committed offset (op
// fetchOffsets, -1 when none) against the end (op listOffsets, latest); total = the sum of the lags
// of partitions with a committed offset.
import { ErrorCode, FaecieError, LATEST_TIMESTAMP } from '@faecie/protocol'
import type { FastifyInstance } from 'fastify'
import { throwIfError } from './errors.js'
import type { HttpApiContext, HttpSession, HttpSessions } from './http-session.js'
import { leaderElsewhere } from './leadership.js'
import { stringParam, type Query } from './params.js'

export interface PartitionLagJson {
  topic: string
  partition: number
  /** -1 when the group committed nothing for the partition. */
  committed: number
  /** The high watermark: where the next record goes. */
  end: number
  /** end - committed; null when nothing is committed. */
  lag: number | null
  memberId?: string
  clientId?: string
  /** Cluster mode: the leader's HTTP URL of a partition led elsewhere (its end is not known here). */
  leaderUrl?: string | null
}

async function partitionsOf(sessions: HttpSessions, session: HttpSession, topics: string[]): Promise<Map<string, number[]>> {
  if (topics.length === 0) return new Map()
  const metadata = (await sessions.run(session, 'metadata', { topics }))!
  // A topic deleted since the commit has nothing to lag behind: left out.
  return new Map(metadata.topics.filter((t) => t.error === undefined).map((t) => [t.topic, t.partitions.map((p) => p.partition).sort((a, b) => a - b)]))
}

export async function registerGroupRoutes(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { sessions } = ctx

  app.get<{ Querystring: Query }>('/groups', async (request, reply) => {
    const states = stringParam('states', request.query.states)
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'listGroups', states === undefined ? {} : { states: states.split(',') }))!
    return { groups: answer.groups }
  })

  app.get<{ Params: { group: string } }>('/groups/:group', async (request, reply) => {
    const groupId = request.params.group
    const session = sessions.open(reply)
    const [described, committed] = await Promise.all([
      sessions.run(session, 'describeGroups', { groupIds: [groupId] }),
      sessions.run(session, 'fetchOffsets', { groupId }),
    ])
    const group = described!.groups[0]
    const commits = committed!.topics
    if (group === undefined || (group.error !== undefined && commits.length === 0)) {
      throw group?.error !== undefined ? FaecieError.fromWire(group.error)
        : new FaecieError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} does not exist.`)
    }
    const owners = new Map<string, { memberId: string; clientId: string }>()
    const topics = new Set(commits.map((t) => t.topic))
    for (const member of group.error === undefined ? group.members : []) {
      for (const { topic, partitions } of member.assignment) {
        topics.add(topic)
        for (const p of partitions) owners.set(`${topic}\u0000${p}`, { memberId: member.memberId, clientId: member.clientId })
      }
    }
    const partitionsByTopic = await partitionsOf(sessions, session, [...topics].sort())
    const lags: PartitionLagJson[] = []
    const committedOf = (topic: string, partition: number): number =>
      commits.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? -1
    for (const [topic, partitions] of partitionsByTopic) {
      const led = partitions.filter((partition) => {
        const leader = leaderElsewhere(ctx.gateway, topic, partition)
        if (leader === undefined) return true
        lags.push({ topic, partition, committed: committedOf(topic, partition), end: -1, lag: null, leaderUrl: leader.leaderUrl,
          ...owners.get(`${topic}\u0000${partition}`) })
        return false
      })
      partitionsByTopic.set(topic, led)
    }
    const ends = (await sessions.run(session, 'listOffsets', {
      topics: [...partitionsByTopic].filter(([, partitions]) => partitions.length > 0)
        .map(([topic, partitions]) => ({ topic, partitions: partitions.map((partition) => ({ partition, timestamp: LATEST_TIMESTAMP })) })),
    }))!
    for (const t of ends.topics) {
      const committedOf = new Map((commits.find((c) => c.topic === t.topic)?.partitions ?? []).map((p) => [p.partition, p.offset]))
      for (const p of t.partitions) {
        throwIfError(p)
        const c = committedOf.get(p.partition) ?? -1
        lags.push({ topic: t.topic, partition: p.partition, committed: c, end: p.offset, lag: c < 0 ? null : Math.max(0, p.offset - c),
          ...owners.get(`${t.topic}\u0000${p.partition}`) })
      }
    }
    // Topics in code-unit order, as partitionsOf asked for them.
    lags.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    const { error: _error, ...described_ } = group
    return { ...described_, partitions: lags, totalLag: lags.reduce((sum, p) => sum + (p.lag ?? 0), 0) }
  })
}
