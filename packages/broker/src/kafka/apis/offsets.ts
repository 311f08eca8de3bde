// OffsetCommit (v2-10), OffsetFetch (v1-10) and OffsetDelete (v0): a group's committed offsets,
// through the coordinator's commitOffsets and fetchOffsets ops and the Kafka-only deleteOffsets op
// (docs/kafka-protocol.md "Offsets"). The listener is a client's session: a group op is never
// forwarded; a broker that is not the group's coordinator answers NOT_COORDINATOR and the client
// asks FindCoordinator again.
//
// OffsetCommit: a generation (classic) or member epoch (v9+, KIP-848) >= 0 commits as that member;
// -1 commits without one (the admin client, a consumer without group management: allowed while the
// group has no members, as in Kafka). A member's groupInstanceId (v7+) goes along: a static member
// whose instance has been taken over is FENCED_INSTANCE_ID. A refusal of the whole commit (UNKNOWN_MEMBER_ID,
// STALE_MEMBER_EPOCH, NOT_COORDINATOR, ...) is every partition's error, as Kafka answers it.
// committedLeaderEpoch and retentionTimeMs are ignored (faecie keeps no leader epoch with an offset;
// retention is the broker's offsets.retention.ms). v10 names topics by id.
//
// OffsetFetch: a partition with no committed offset answers -1 with no error, also for a topic that
// does not exist (Kafka does not check topics either); the leader epoch is always -1.
// Each distinct group entry is fetched once; the answer names at most requestItemsMax partitions
// (fetchAll), else the request is refused and the connection closes.
//
// Authorization (with --auth scram), as Kafka: OffsetCommit needs Read on the group (else every
// partition GROUP_AUTHORIZATION_FAILED) and Read on each topic (else its partitions
// TOPIC_AUTHORIZATION_FAILED, not committed); OffsetFetch Describe on the group (the group's error)
// and Describe on each topic named (its partitions' error), a fetch of all offsets leaving out the
// topics not describable; OffsetDelete Delete on the group and Read on each topic.
import { ErrorCode, FaecieError, type CommitOffsetsTopicSpec, type FetchOffsetsResponse, type OpResponse } from '@faecie/protocol'
import { checkItemCount } from '../../gateway/context.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultOffsetCommitResponse, readOffsetCommitRequest, writeOffsetCommitResponse, type OffsetCommitRequest,
  type OffsetCommitResponse } from '../generated/offset-commit.js'
import { defaultOffsetDeleteResponse, readOffsetDeleteRequest, writeOffsetDeleteResponse, type OffsetDeleteRequest,
  type OffsetDeleteResponse } from '../generated/offset-delete.js'
import { defaultOffsetFetchResponse, readOffsetFetchRequest, writeOffsetFetchResponse, type OffsetFetchRequest, type OffsetFetchResponse,
  type OffsetFetchResponsePartitions } from '../generated/offset-fetch.js'
import { deniedCode, isAllowed, kafkaApi, topicNameById, uuidBytes, type KafkaApiContext } from './context.js'

/** The longest metadata string kept with a committed offset (Kafka's offset.metadata.max.bytes: 4096). */
export const OFFSET_METADATA_CHARS_MAX = 4096
/** Kafka's "no committed offset", and "no leader epoch". */
const NO_OFFSET = -1n
const NO_EPOCH = -1
/** The largest offset faecie's logs can hold (2^53 - 1). */
const OFFSET_MAX = BigInt(Number.MAX_SAFE_INTEGER)
const ZERO_UUID = new Uint8Array(16)
/** A group op is never forwarded from the Kafka listener: clients find the coordinator themselves. */
const CLIENT_SESSION = { mayForward: false } as const

export const offsetCommit = kafkaApi<OffsetCommitRequest, OffsetCommitResponse>({
  api: KAFKA_APIS.OffsetCommit,
  read: readOffsetCommitRequest,
  write: writeOffsetCommitResponse,
  handle: async (request, version, ctx) => {
    checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), ctx.gateway.limits)
    const names = request.topics.map((t) => (version >= 10 ? topicNameById(ctx.gateway, t.topicId) : t.name))
    const groupDenied = deniedCode(ctx, 'Read', 'group', request.groupId)
    const topicDenied = new Map(groupDenied !== 0 ? [] : names.filter((n) => n !== undefined).map((n) => [n, deniedCode(ctx, 'Read', 'topic', n)]))
    // A partition's own error (unknown topic id, not authorized, metadata too large, an offset no log has), or undefined: sent on.
    const own = request.topics.map((t, i) => t.partitions.map((p): number | undefined => {
      if (groupDenied !== 0) return groupDenied
      if (names[i] === undefined) return ErrorCode.UNKNOWN_TOPIC_ID
      const denied = topicDenied.get(names[i]!) ?? 0
      if (denied !== 0) return denied
      if ((p.committedMetadata?.length ?? 0) > OFFSET_METADATA_CHARS_MAX) return ErrorCode.OFFSET_METADATA_TOO_LARGE
      return p.committedOffset < 0n || p.committedOffset > OFFSET_MAX ? ErrorCode.INVALID_REQUEST : undefined
    }))
    const topics: CommitOffsetsTopicSpec[] = request.topics.map((t, i) => ({
      topic: names[i] ?? '',
      partitions: t.partitions.filter((_p, j) => own[i]![j] === undefined).map((p) => ({
        partition: p.partitionIndex, offset: Number(p.committedOffset), ...(p.committedMetadata === null ? {} : { metadata: p.committedMetadata }),
      })),
    })).filter((t) => t.partitions.length > 0)
    const results = new Map<string, number>()
    let whole: number | undefined
    if (topics.length > 0) {
      const asMember = request.generationIdOrMemberEpoch >= 0
      try {
        const answer = await ctx.gateway.topics.group('commitOffsets', {
          groupId: request.groupId, topics, ...(asMember ? { memberId: request.memberId, memberEpoch: request.generationIdOrMemberEpoch } : {}),
          // A static member's instance id (v7+): the coordinator fences an instance taken over since (FENCED_INSTANCE_ID).
          ...(asMember && request.groupInstanceId !== null ? { groupInstanceId: request.groupInstanceId } : {}),
        }, CLIENT_SESSION)
        for (const t of answer.topics) for (const p of t.partitions) results.set(`${t.topic}\0${p.partition}`, p.error?.code ?? 0)
      } catch (err) {
        whole = refusalCode(err)
      }
    }
    return {
      ...defaultOffsetCommitResponse(),
      topics: request.topics.map((t, i) => ({
        name: t.name, topicId: t.topicId,
        partitions: t.partitions.map((p, j) => ({
          partitionIndex: p.partitionIndex, errorCode: own[i]![j] ?? whole ?? results.get(`${names[i]}\0${p.partitionIndex}`) ?? 0,
        })),
      })),
    }
  },
})

/** One group's part of an OffsetFetch, whatever the version: topics by name (v1-9) or by id (v10); null: every committed offset. */
interface FetchAsk {
  groupId: string
  memberId: string | null
  memberEpoch: number
  topics: Array<{ name: string; topicId: Uint8Array; partitionIndexes: number[] }> | null
}

interface FetchedGroup {
  errorCode: number
  topics: Array<{ name: string; topicId: Uint8Array; partitions: OffsetFetchResponsePartitions[] }>
}

export const offsetFetch = kafkaApi<OffsetFetchRequest, OffsetFetchResponse>({
  api: KAFKA_APIS.OffsetFetch,
  read: readOffsetFetchRequest,
  write: writeOffsetFetchResponse,
  handle: async (request, version, ctx) => {
    const asks: FetchAsk[] = version <= 7
      ? [{ groupId: request.groupId, memberId: null, memberEpoch: -1, topics: request.topics?.map((t) => ({ ...t, topicId: ZERO_UUID })) ?? null }]
      : request.groups
    checkItemCount(asks.reduce((n, g) => n + 1 + (g.topics ?? []).reduce((m, t) => m + 1 + t.partitionIndexes.length, 0), 0), ctx.gateway.limits)
    const fetched = await fetchAll(asks, version, ctx)
    if (version >= 8) return { ...defaultOffsetFetchResponse(), groups: asks.map((ask, i) => ({ groupId: ask.groupId, ...fetched[i]! })) }
    const [one] = fetched as [FetchedGroup]
    // v1 has no group error: Kafka puts it on every partition asked for.
    const partitionError = version < 2 ? one.errorCode : 0
    return {
      ...defaultOffsetFetchResponse(),
      errorCode: version >= 2 ? one.errorCode : 0,
      topics: one.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode || partitionError })) })),
    }
  },
})

/**
 * Each distinct ask fetched once, one after another, and the partitions of the answer counted as
 * they come (an entry named twice counts twice: it is answered twice): past requestItemsMax the
 * request is refused (the connection closes), so a group asked for all its offsets (topics null),
 * however often, answers at most requestItemsMax partitions.
 */
async function fetchAll(asks: FetchAsk[], version: number, ctx: KafkaApiContext): Promise<FetchedGroup[]> {
  const { requestItemsMax } = ctx.gateway.limits
  const done = new Map<string, FetchedGroup>()
  const epochs: MemberEpochs = new Map()
  const fetched: FetchedGroup[] = []
  let partitions = 0
  for (const ask of asks) {
    const key = askKey(ask)
    let group = done.get(key)
    if (group === undefined) {
      group = await fetchGroup(ask, version, ctx, epochs)
      done.set(key, group)
    }
    partitions += group.topics.reduce((n, t) => n + t.partitions.length, 0)
    if (partitions > requestItemsMax) {
      throw new FaecieError(ErrorCode.INVALID_REQUEST,
        `The OffsetFetch answer would name more than ${requestItemsMax} partitions (requestItemsMax); ask for fewer groups or name the partitions.`)
    }
    fetched.push(group)
  }
  return fetched
}

function askKey(ask: FetchAsk): string {
  return JSON.stringify(ask, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value))
}

async function fetchGroup(ask: FetchAsk, version: number, ctx: KafkaApiContext, epochs: MemberEpochs): Promise<FetchedGroup> {
  const byId = version >= 10
  const asked = ask.topics?.map((t) => ({ ...t, name: byId ? topicNameById(ctx.gateway, t.topicId) : t.name }))
  const none = (partitionIndex: number, errorCode: number): OffsetFetchResponsePartitions =>
    ({ partitionIndex, committedOffset: NO_OFFSET, committedLeaderEpoch: NO_EPOCH, metadata: '', errorCode })
  const failAll = (errorCode: number): FetchedGroup => ({
    errorCode, topics: (ask.topics ?? []).map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitionIndexes.map((p) => none(p, 0)) })),
  })
  const groupDenied = deniedCode(ctx, 'Describe', 'group', ask.groupId)
  if (groupDenied !== 0) return failAll(groupDenied)
  // Per topic named: 0, or TOPIC_AUTHORIZATION_FAILED (such a topic is not asked of the coordinator).
  const topicDenied = new Map(asked?.filter((t) => t.name !== undefined).map((t) => [t.name!, deniedCode(ctx, 'Describe', 'topic', t.name!)]))
  let answer: FetchOffsetsResponse
  try {
    const memberError = version >= 9 ? await checkFetchingMember(ask, ctx, epochs) : 0
    if (memberError !== 0) return failAll(memberError)
    const known = asked?.filter((t): t is typeof t & { name: string } => t.name !== undefined && topicDenied.get(t.name) === 0)
    answer = await ctx.gateway.topics.group('fetchOffsets', {
      groupId: ask.groupId, ...(known === undefined ? {} : { topics: known.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })) }),
    }, CLIENT_SESSION)
  } catch (err) {
    return failAll(refusalCode(err))
  }
  const committed = new Map<string, OffsetFetchResponsePartitions>()
  for (const t of answer.topics) {
    for (const p of t.partitions) {
      // Never committed, or a topic that does not exist: -1 and no error, as Kafka answers both.
      committed.set(`${t.topic}\0${p.partition}`, p.offset < 0 || p.error !== undefined ? none(p.partition, 0)
        : { partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: NO_EPOCH, metadata: p.metadata, errorCode: 0 })
    }
  }
  if (asked === undefined) {
    return {
      errorCode: 0,
      topics: answer.topics.filter((t) => isAllowed(ctx, 'Describe', 'topic', t.topic)).map((t) => ({
        name: t.topic, topicId: uuidBytes(ctx.gateway.topics.lookup(t.topic)?.topicId ?? ''),
        partitions: t.partitions.map((p) => committed.get(`${t.topic}\0${p.partition}`)!).filter((p) => p.committedOffset >= 0n),
      })).filter((t) => t.partitions.length > 0),
    }
  }
  return {
    errorCode: 0,
    topics: asked.map((t, i) => ({
      name: ask.topics![i]!.name, topicId: t.topicId,
      partitions: t.partitionIndexes.map((p) => t.name === undefined ? none(p, ErrorCode.UNKNOWN_TOPIC_ID)
        : topicDenied.get(t.name) ? none(p, topicDenied.get(t.name)!) : committed.get(`${t.name}\0${p}`) ?? none(p, 0)),
    })),
  }
}

/** Per request: each KIP-848 group's members and their epochs, described once (null: not checked). */
type MemberEpochs = Map<string, Promise<ReadonlyMap<string, number> | null>>

/**
 * OffsetFetch v9+ from a member of a KIP-848 group (memberId, memberEpoch >= 0): the member must be
 * the group's at that epoch (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH), as Kafka checks. An unknown
 * group, a classic one, or an ask without a member (the admin client) is not checked. The group is
 * described once per request, whatever the number of its entries.
 */
async function checkFetchingMember(ask: FetchAsk, ctx: KafkaApiContext, epochs: MemberEpochs): Promise<number> {
  if (ask.memberId === null || ask.memberEpoch < 0) return 0
  let members = epochs.get(ask.groupId)
  if (members === undefined) {
    members = memberEpochsOf(ask.groupId, ctx)
    epochs.set(ask.groupId, members)
  }
  const known = await members
  if (known === null) return 0
  const epoch = known.get(ask.memberId)
  if (epoch === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
  return epoch === ask.memberEpoch ? 0 : ErrorCode.STALE_MEMBER_EPOCH
}

async function memberEpochsOf(groupId: string, ctx: KafkaApiContext): Promise<ReadonlyMap<string, number> | null> {
  const [group] = (await ctx.gateway.topics.group('describeGroups', { groupIds: [groupId] }, CLIENT_SESSION)).groups
  if (group === undefined || group.error !== undefined || (group.type ?? 'consumer') !== 'consumer') return null
  return new Map(group.members.map((m) => [m.memberId, m.memberEpoch]))
}

export const offsetDelete = kafkaApi<OffsetDeleteRequest, OffsetDeleteResponse>({
  api: KAFKA_APIS.OffsetDelete,
  read: readOffsetDeleteRequest,
  write: writeOffsetDeleteResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), ctx.gateway.limits)
    try {
      ctx.gateway.security.check(ctx.op.session, 'Delete', 'group', request.groupId)
      const topicDenied = new Map(request.topics.map((t) => [t.name, deniedCode(ctx, 'Read', 'topic', t.name)]))
      const refused = request.topics.filter((t) => topicDenied.get(t.name) !== 0)
        .map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: topicDenied.get(t.name)! })) }))
      const allowed = request.topics.filter((t) => topicDenied.get(t.name) === 0)
      const answer = allowed.length === 0 && refused.length > 0 ? { errorCode: 0, topics: [] } : await ctx.gateway.topics.kafkaGroup('deleteOffsets', {
        groupId: request.groupId, topics: allowed.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
      })
      return {
        ...defaultOffsetDeleteResponse(),
        errorCode: answer.errorCode,
        topics: [...answer.topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
          ...refused],
      }
    } catch (err) {
      return { ...defaultOffsetDeleteResponse(), errorCode: refusalCode(err) }
    }
  },
})

/** A coordinator's refusal of a whole request (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, UNKNOWN_MEMBER_ID...) as Kafka's error code; anything else is a bug and is thrown on. */
export function refusalCode(err: unknown): number {
  if (err instanceof FaecieError) return err.code
  throw err
}
