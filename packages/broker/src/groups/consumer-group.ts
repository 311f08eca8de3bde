// One consumer group's membership and reconciliation (KIP-848's model, independent of any wire
// protocol: the heartbeat op and, later, Kafka's JoinGroup/SyncGroup both drive this class).
//
// - The group epoch goes up on every change that can change the assignment: a member joins or
//   leaves or changes its subscription, a subscribed topic is created, grown or deleted. Each bump
//   recomputes the target assignment at once (assignmentEpoch = groupEpoch).
// - Each member owns (in the coordinator's view) what it has been given. A member whose target
//   lost partitions it owns must revoke them first: it is told to keep only owned ∩ target and
//   keeps its epoch until it reports (ownedPartitions) that it dropped the rest; then it moves to
//   the assignment epoch. Partitions of its target still owned by another member are given only
//   once that member has let them go, so no partition ever has two owners.
// - Fencing: a heartbeat whose epoch is not the member's (nor its previous one, for a lost answer)
//   gets FENCED_MEMBER_EPOCH; an unknown member id, UNKNOWN_MEMBER_ID.
// - Static members (KIP-848): a groupInstanceId belongs to one member until it leaves with epoch -2
//   (then the next member with that id takes over its epoch and partitions, without a rebalance) or
//   its session ends; meanwhile another join with that id gets UNRELEASED_INSTANCE_ID.
// - Subscription regexes are RE2 (topic-regex.ts), compiled once per subscription change.
// - A coordinator restart: membership is not written down, the group is. For startupAssignmentDelayMs
//   after the start the replayed group hands out nothing and takes members of before back as they
//   heartbeat with their id, epoch and owned partitions (#readmit), so they consume on unbroken.
// - Time: the caller passes `nowMs` to every call; `expire(nowMs)` removes members whose session
//   ran out or who did not revoke within their rebalance timeout.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError, LEAVE_GROUP_EPOCH, LEAVE_GROUP_STATIC_EPOCH, type GroupState, type HeartbeatRequest,
  type HeartbeatResponse, type ServerAssignor } from '@faecie/protocol'
import { type Assignment, emptyAssignment, fromWire, has, intersect, keyOf, pairsOf, sameAssignment, subtract,
  toWire, union, filterAssignment } from './assignment.js'
import { ASSIGNORS } from './assignors.js'
import { compileTopicRegex, type TopicRegex } from './topic-regex.js'

export interface GroupTopics {
  /** Partition count and id of an existing topic. */
  topic(name: string): { partitions: number; topicId: string } | undefined
  /** Names of every non-internal topic (for regex subscriptions). */
  names(): string[]
}

/** The member that committed a group's latest offset of a partition; undefined: none known. */
export type Committers = (topic: string, partition: number) => string | undefined

export interface GroupSettings {
  sessionTimeoutMsDefault: number
  sessionTimeoutMsMin: number
  sessionTimeoutMsMax: number
  rebalanceTimeoutMsDefault: number
  heartbeatIntervalMsMax: number
  /**
   * After the coordinator starts, groups it replayed hand out no partitions for this long, and take
   * their members of before back from their first heartbeat (membership is not durable). It should
   * cover heartbeatIntervalMsMax plus a reconnection: a member that joins at once must not get the
   * partitions of one still on its way back.
   */
  startupAssignmentDelayMs: number
  /** The longest subscribedTopicRegex taken (INVALID_REGULAR_EXPRESSION beyond). */
  subscribedTopicRegexCharsMax: number
  /** The largest compiled subscribedTopicRegex taken, in RE2 instructions (topic-regex.ts). */
  subscribedTopicRegexInstructionsMax: number
  /** Topic names one member may subscribe to (each at most a topic name's 249 characters); more: INVALID_REQUEST. */
  subscribedTopicNamesMax: number
  /** The longest memberId, groupInstanceId and clientId a member may give (the coordinator holds them); longer: INVALID_REQUEST. */
  memberFieldCharsMax: number
  /** Members of one group; a join past it: GROUP_MAX_SIZE_REACHED (each join and rebalance walks every member). */
  membersPerGroupMax: number
  /**
   * Kafka's `offsets.retention.minutes` (KIP-211), in ms: an empty group's committed offsets expire
   * this long after it became empty (or after their commit, if later); in a group with members, the
   * offsets of topics no member subscribes to expire this long after their commit. An empty group
   * with no offsets left is deleted (offset-retention.ts).
   */
  offsetsRetentionMs: number
  /** Kafka's `offsets.retention.check.interval.ms`: how often expired offsets and groups are looked for. */
  offsetsRetentionCheckIntervalMs: number
  // ---- classic groups (Kafka's JoinGroup protocol, classic-group.ts); memberFieldCharsMax is shared ----
  /** Kafka's group.initial.rebalance.delay.ms: an empty classic group's first rebalance waits this long for more members. */
  classicInitialRebalanceDelayMs: number
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms (KIP-848's bounds are sessionTimeoutMsMin/Max). */
  classicSessionTimeoutMsMin: number
  classicSessionTimeoutMsMax: number
  /** Kafka's group.classic.new.member.join.timeout: a new member's held join is answered UNKNOWN_MEMBER_ID after this long. */
  classicNewMemberJoinTimeoutMs: number
  /** Kafka's group.max.size: members of one classic group. */
  classicMembersPerGroupMax: number
  /** Protocols one classic member may offer, and the bytes of them all (names and metadata). */
  classicMemberProtocolsMax: number
  classicMemberProtocolBytesMax: number
  /** The bytes of one member's assignment in the leader's SyncGroup. */
  classicMemberAssignmentBytesMax: number
  // ---- one coordinator (a single broker; in a cluster, one `__consumer_offsets` partition's shard) ----
  /** Groups of either type; a new one past it: COORDINATOR_NOT_AVAILABLE. */
  groupsMax: number
  /** Members of all its groups (of either type, KIP-394's pending ids counted); a new one past it: COORDINATOR_NOT_AVAILABLE. */
  membersMax: number
  /** Bytes classic members hold (protocol metadata and assignments, all groups); a join or sync past it: COORDINATOR_NOT_AVAILABLE. */
  classicMemberBytesMax: number
}

export const DEFAULT_GROUP_SETTINGS: GroupSettings = {
  sessionTimeoutMsDefault: 45_000,
  sessionTimeoutMsMin: 100,
  sessionTimeoutMsMax: 30 * 60_000,
  rebalanceTimeoutMsDefault: 60_000,
  heartbeatIntervalMsMax: 5_000,
  startupAssignmentDelayMs: 10_000,
  subscribedTopicRegexCharsMax: 1_024,
  subscribedTopicRegexInstructionsMax: 5_000,
  subscribedTopicNamesMax: 1_000,
  memberFieldCharsMax: 255,
  membersPerGroupMax: 1_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  classicInitialRebalanceDelayMs: 3_000,
  classicSessionTimeoutMsMin: 6_000,
  classicSessionTimeoutMsMax: 30 * 60_000,
  classicNewMemberJoinTimeoutMs: 5 * 60_000,
  classicMembersPerGroupMax: 1_000,
  classicMemberProtocolsMax: 16,
  classicMemberProtocolBytesMax: 64 * 1024,
  classicMemberAssignmentBytesMax: 1024 * 1024,
  groupsMax: 10_000,
  membersMax: 10_000,
  classicMemberBytesMax: 256 * 1024 * 1024,
}

/** The heartbeat interval while a group holds partitions back, so that members get them soon after. */
const HOLDING_HEARTBEAT_INTERVAL_MS = 500

export interface Member {
  memberId: string
  instanceId: string | undefined
  clientId: string
  memberEpoch: number
  previousMemberEpoch: number
  subscribedTopicNames: string[]
  subscribedTopicRegex: TopicRegex | undefined
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  sessionDeadlineMs: number
  /** Set while the member has partitions to revoke. */
  revocationDeadlineMs: number | undefined
  /** What the member may hold, as far as the coordinator knows (includes what it must revoke). */
  owned: Assignment
  /** The assignment last sent, to send only changes. */
  lastSentKey: string | undefined
  /** A static member that left with epoch -2: its partitions wait for it until its session ends. */
  leftStatic: boolean
}

export class ConsumerGroup {
  groupEpoch = 0
  assignmentEpoch = 0
  assignor: ServerAssignor
  readonly members = new Map<string, Member>()
  target = new Map<string, Assignment>()
  #metadataKey = ''
  dead = false
  /** No partition is handed out before this time (a group replayed at the coordinator's start). */
  holdAssignmentsUntilMs = 0
  /** Read back from the log at the coordinator's start (not made by this run). */
  replayed = false
  /**
   * When the group last became empty, as far as this run knows: undefined while it has members, and
   * for a group replayed empty (membership is not durable; its offsets' commit times stand in, as in
   * Kafka for a group loaded empty).
   */
  emptySinceMs: number | undefined = undefined

  constructor(readonly groupId: string, assignor: ServerAssignor = 'uniform') {
    this.assignor = assignor
  }

  get state(): GroupState {
    if (this.dead) return 'Dead'
    if (this.members.size === 0) return 'Empty'
    if (this.assignmentEpoch < this.groupEpoch) return 'Assigning'
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || !sameAssignment(m.owned, this.targetOf(m.memberId))) return 'Reconciling'
    }
    return 'Stable'
  }

  /** Whether a member subscribes to the topic: by name (existing or not) or by regex. */
  subscribes(topic: string): boolean {
    for (const m of this.members.values()) {
      const regex = m.subscribedTopicRegex
      if (regex === undefined ? m.subscribedTopicNames.includes(topic) : regex.matches(topic)) return true
    }
    return false
  }

  targetOf(memberId: string): Assignment {
    return this.target.get(memberId) ?? emptyAssignment()
  }

  /**
   * `committerOf`: the member id that committed the group's latest offset of a partition, if known
   * (a member readmitted after a restart may not claim a partition another member committed last).
   */
  heartbeat(request: HeartbeatRequest, nowMs: number, settings: GroupSettings, topics: GroupTopics, newMemberId: () => string,
    committerOf: Committers = () => undefined): HeartbeatResponse {
    if (request.memberEpoch === LEAVE_GROUP_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_EPOCH) {
      return this.leave(request.memberId, request.memberEpoch, topics)
    }
    // Checked before anything changes: a bad pattern leaves the group as it was.
    const regex = request.subscribedTopicRegex === undefined ? undefined
      : compileTopicRegex(request.subscribedTopicRegex, settings)
    const member = request.memberEpoch === 0
      ? this.#join(request, regex, nowMs, settings, topics, newMemberId)
      : this.members.get(request.memberId) ?? this.#readmit(request, regex, nowMs, settings, topics, committerOf)
    if (request.memberEpoch !== 0) this.#checkEpoch(member, request)
    member.sessionTimeoutMs = clamp(request.sessionTimeoutMs ?? member.sessionTimeoutMs, settings)
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs
    if (request.rebalanceTimeoutMs !== undefined) member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
    if (request.clientId !== undefined) member.clientId = request.clientId
    if (request.memberEpoch !== 0 && this.#subscriptionChanged(member, request, regex)) this.bump(topics)
    else this.refreshMetadata(topics)
    const reported = request.ownedPartitions === undefined ? undefined : fromWire(request.ownedPartitions)
    this.#reconcile(member, reported, nowMs)
    const response: HeartbeatResponse = {
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: Math.max(1, Math.min(settings.heartbeatIntervalMsMax, Math.floor(member.sessionTimeoutMs / 3),
        nowMs < this.holdAssignmentsUntilMs ? HOLDING_HEARTBEAT_INTERVAL_MS : Infinity)),
    }
    const given = this.#given(member)
    const key = keyOf(given)
    // Sent on a join, on a change, and whenever the member's epoch moves or it was behind (its
    // last answer may have been lost).
    if (request.memberEpoch !== member.memberEpoch || key !== member.lastSentKey) {
      response.assignment = toWire(given)
      member.lastSentKey = key
    }
    return response
  }

  leave(memberId: string, epoch: -1 | -2, topics: GroupTopics): HeartbeatResponse {
    const member = this.#existing(memberId)
    if (epoch === LEAVE_GROUP_STATIC_EPOCH && member.instanceId !== undefined) {
      member.leftStatic = true
    } else {
      this.members.delete(memberId)
      this.bump(topics)
    }
    return { memberId, memberEpoch: epoch, heartbeatIntervalMs: 0 }
  }

  /** Removes members whose session or revocation time ran out; returns their ids. */
  expire(nowMs: number, topics: GroupTopics): string[] {
    const gone: string[] = []
    for (const m of this.members.values()) {
      if (m.sessionDeadlineMs <= nowMs || (m.revocationDeadlineMs !== undefined && m.revocationDeadlineMs <= nowMs)) gone.push(m.memberId)
    }
    for (const id of gone) this.members.delete(id)
    if (gone.length > 0) this.bump(topics)
    return gone
  }

  /** Bumps the group epoch if the subscribed topics' partition counts (or ids) changed. */
  refreshMetadata(topics: GroupTopics): boolean {
    if (this.#computeMetadataKey(topics) === this.#metadataKey) return false
    this.bump(topics)
    return true
  }

  /** A new group epoch and, at once, the target assignment for it. */
  bump(topics: GroupTopics): void {
    this.groupEpoch++
    this.#metadataKey = this.#computeMetadataKey(topics)
    const partitionCounts = new Map<string, number>()
    const members = [...this.members.values()].map((m) => {
      const subscribed = this.#resolve(m, topics)
      for (const t of subscribed) partitionCounts.set(t, topics.topic(t)!.partitions)
      return { memberId: m.memberId, ...(m.instanceId === undefined ? {} : { instanceId: m.instanceId }), topics: subscribed }
    })
    this.target = ASSIGNORS[this.assignor]({ members, partitionCounts, previous: this.target })
    this.assignmentEpoch = this.groupEpoch
    // Partitions of topics that are gone (or shrank: they cannot) are no longer anyone's.
    for (const m of this.members.values()) {
      m.owned = filterAssignment(m.owned, (t, p) => p < (topics.topic(t)?.partitions ?? 0))
    }
  }

  #join(request: HeartbeatRequest, regex: TopicRegex | undefined, nowMs: number, settings: GroupSettings, topics: GroupTopics,
    newMemberId: () => string): Member {
    const sameInstance = this.#holderOf(request.groupInstanceId, request.memberId)
    if (sameInstance !== undefined && !sameInstance.leftStatic) {
      // KIP-848: an instance id is one member's until that member leaves with epoch -2 or its
      // session runs out; a second process with the same id waits (its client retries).
      throw new FaecieError(ErrorCode.UNRELEASED_INSTANCE_ID,
        `Instance ${request.groupInstanceId} of group ${this.groupId} is held by member ${sameInstance.memberId}, which has not left: ` +
        'retry once it leaves (epoch -2) or its session times out.')
    }
    const memberId = request.memberId === '' ? newMemberId() : request.memberId
    const previous = this.members.get(memberId)
    if (previous === undefined && sameInstance === undefined && this.members.size >= settings.membersPerGroupMax) {
      throw new FaecieError(ErrorCode.GROUP_MAX_SIZE_REACHED,
        `Group ${this.groupId} has ${this.members.size} members; at most ${settings.membersPerGroupMax} (groups.membersPerGroupMax).`)
    }
    const member: Member = {
      memberId,
      instanceId: request.groupInstanceId,
      clientId: request.clientId ?? previous?.clientId ?? '',
      memberEpoch: 0,
      previousMemberEpoch: -1,
      subscribedTopicNames: regex === undefined ? request.subscribedTopicNames ?? [] : [],
      subscribedTopicRegex: regex,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? settings.rebalanceTimeoutMsDefault,
      sessionTimeoutMs: clamp(request.sessionTimeoutMs, settings),
      sessionDeadlineMs: nowMs,
      revocationDeadlineMs: undefined,
      owned: emptyAssignment(),
      lastSentKey: undefined,
      leftStatic: false,
    }
    if (this.members.size === 0 && request.serverAssignor !== undefined) this.assignor = request.serverAssignor
    if (sameInstance !== undefined) {
      // A static member comes back after leaving with epoch -2: it takes over the old member's
      // place, epoch and partitions, and the old member id is fenced.
      this.members.delete(sameInstance.memberId)
      member.memberEpoch = sameInstance.memberEpoch
      member.owned = sameInstance.owned
      this.target.set(memberId, this.targetOf(sameInstance.memberId))
      this.target.delete(sameInstance.memberId)
      this.members.set(memberId, member)
      if (!sameSubscription(sameInstance, member)) this.bump(topics)
      return member
    }
    this.members.set(memberId, member)
    this.bump(topics)
    return member
  }

  /**
   * Membership is not durable: after the coordinator restarts, a member of before comes back with
   * its id, epoch and owned partitions. While the replayed group holds its partitions back
   * (holdAssignmentsUntilMs), it is taken back as it was, so it keeps consuming and its commits
   * count. Its epoch is an assignment epoch of before the restart, so the group epoch moves past it.
   * A claim on a partition another returning member already holds is refused (FENCED_MEMBER_EPOCH:
   * before the restart no partition had two owners, so one of the two had already lost it); that
   * member joins again as a new one. So is a claim on a partition whose latest committed offset
   * another member wrote: the old coordinator had given it away (this member was expired, or had
   * revoked it), and the new owner's offset must not be rewound by this member's commits, nor the
   * new owner fenced. After the hold it is simply unknown, as any forgotten member.
   */
  #readmit(request: HeartbeatRequest, regex: TopicRegex | undefined, nowMs: number, settings: GroupSettings, topics: GroupTopics,
    committerOf: Committers): Member {
    if (nowMs >= this.holdAssignmentsUntilMs || request.memberId === '') return this.#existing(request.memberId)
    const holder = this.#holderOf(request.groupInstanceId, request.memberId)
    if (holder !== undefined) {
      throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH,
        `Member ${request.memberId} of group ${this.groupId}: instance ${request.groupInstanceId} is held by ${holder.memberId} now: rejoin (memberEpoch 0).`)
    }
    const claimed = filterAssignment(fromWire(request.ownedPartitions ?? []), (t, p) => p < (topics.topic(t)?.partitions ?? 0))
    for (const [t, p] of pairsOf(claimed)) {
      if (this.#ownedByOther(request.memberId, t, p)) {
        throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH,
          `Member ${request.memberId} of group ${this.groupId} claims ${t}-${p}, which another member holds: rejoin (memberEpoch 0).`)
      }
      const committer = committerOf(t, p)
      if (committer !== undefined && committer !== request.memberId) {
        throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH,
          `Member ${request.memberId} of group ${this.groupId} claims ${t}-${p}, whose latest offset member ${committer} committed: rejoin (memberEpoch 0).`)
      }
    }
    const member: Member = {
      memberId: request.memberId,
      instanceId: request.groupInstanceId,
      clientId: request.clientId ?? '',
      memberEpoch: request.memberEpoch,
      previousMemberEpoch: -1,
      // A heartbeat need not repeat the subscription; until it does, the topics it holds stand for it.
      subscribedTopicNames: regex === undefined ? request.subscribedTopicNames ?? [...claimed.keys()] : [],
      subscribedTopicRegex: regex,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? settings.rebalanceTimeoutMsDefault,
      sessionTimeoutMs: clamp(request.sessionTimeoutMs, settings),
      sessionDeadlineMs: nowMs,
      revocationDeadlineMs: undefined,
      owned: claimed,
      lastSentKey: undefined,
      leftStatic: false,
    }
    this.members.set(member.memberId, member)
    // What it holds is its target until the assignor says otherwise (the uniform assignor is sticky).
    for (const [id, assignment] of this.target) this.target.set(id, subtract(assignment, claimed))
    this.target.set(member.memberId, claimed)
    this.groupEpoch = Math.max(this.groupEpoch, request.memberEpoch)
    this.bump(topics)
    return member
  }

  #existing(memberId: string): Member {
    const member = this.members.get(memberId)
    if (member === undefined) {
      throw new FaecieError(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${this.groupId} has no member ${memberId}: join again (memberEpoch 0).`)
    }
    return member
  }

  /** The member other than `memberId` that holds this static instance id, if any. */
  #holderOf(instanceId: string | undefined, memberId: string): Member | undefined {
    if (instanceId === undefined) return undefined
    for (const m of this.members.values()) if (m.instanceId === instanceId && m.memberId !== memberId) return m
    return undefined
  }

  #checkEpoch(member: Member, request: HeartbeatRequest): void {
    if (request.memberEpoch === member.memberEpoch) return
    // The answer that moved the member to its epoch may have been lost: accept the previous epoch
    // when what the member reports owning is within what it has.
    const owned = request.ownedPartitions === undefined ? undefined : fromWire(request.ownedPartitions)
    if (request.memberEpoch === member.previousMemberEpoch && owned !== undefined && sameAssignment(subtract(owned, member.owned), emptyAssignment())) return
    throw new FaecieError(ErrorCode.FENCED_MEMBER_EPOCH,
      `Member ${member.memberId} of group ${this.groupId} sent epoch ${request.memberEpoch}; its epoch is ${member.memberEpoch}: rejoin (memberEpoch 0).`)
  }

  /** Takes a new subscription (names or a regex: one replaces the other); true if it changed. */
  #subscriptionChanged(member: Member, request: HeartbeatRequest, regex: TopicRegex | undefined): boolean {
    const before = subscriptionKey(member)
    if (request.subscribedTopicNames !== undefined) {
      member.subscribedTopicNames = request.subscribedTopicNames
      member.subscribedTopicRegex = undefined
    } else if (regex !== undefined) {
      member.subscribedTopicRegex = regex
      member.subscribedTopicNames = []
    }
    return subscriptionKey(member) !== before
  }

  /** Moves the member towards its target: revoke first, then take what others have released. */
  #reconcile(member: Member, reported: Assignment | undefined, nowMs: number): void {
    member.leftStatic = false
    const target = this.targetOf(member.memberId)
    const toRevoke = subtract(member.owned, target)
    if (!sameAssignment(toRevoke, emptyAssignment())) {
      const revoked = reported !== undefined && ![...pairsOf(toRevoke)].some(([t, p]) => has(reported, t, p))
      if (!revoked) {
        member.revocationDeadlineMs ??= nowMs + member.rebalanceTimeoutMs
        return
      }
      member.owned = intersect(member.owned, target)
    }
    member.revocationDeadlineMs = undefined
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch
      member.memberEpoch = this.assignmentEpoch
    }
    const holding = nowMs < this.holdAssignmentsUntilMs
    const free = filterAssignment(subtract(target, member.owned), (t, p) => !holding && !this.#ownedByOther(member.memberId, t, p))
    member.owned = union(member.owned, free)
    this.#checkSingleOwners()
  }

  /** What the member is told to hold: what it owns minus what it must revoke. */
  #given(member: Member): Assignment {
    return intersect(member.owned, this.targetOf(member.memberId))
  }

  #ownedByOther(memberId: string, topic: string, partition: number): boolean {
    for (const m of this.members.values()) if (m.memberId !== memberId && has(m.owned, topic, partition)) return true
    return false
  }

  #checkSingleOwners(): void {
    const seen = new Map<string, string>()
    for (const m of this.members.values()) {
      for (const [t, p] of pairsOf(m.owned)) {
        const key = `${t}:${p}`
        assert(!seen.has(key), `group ${this.groupId}: ${key} owned by ${seen.get(key)} and ${m.memberId}`)
        seen.set(key, m.memberId)
      }
    }
  }

  #resolve(member: Member, topics: GroupTopics): string[] {
    const regex = member.subscribedTopicRegex
    if (regex !== undefined) return topics.names().filter((t) => regex.matches(t)).sort()
    return [...new Set(member.subscribedTopicNames)].filter((t) => topics.topic(t) !== undefined).sort()
  }

  #computeMetadataKey(topics: GroupTopics): string {
    const names = new Set<string>()
    for (const m of this.members.values()) for (const t of this.#resolve(m, topics)) names.add(t)
    return [...names].sort().map((t) => { const meta = topics.topic(t)!; return `${t}/${meta.topicId}/${meta.partitions}` }).join(',')
  }
}

function clamp(sessionTimeoutMs: number | undefined, settings: GroupSettings): number {
  const ms = sessionTimeoutMs ?? settings.sessionTimeoutMsDefault
  if (ms < settings.sessionTimeoutMsMin || ms > settings.sessionTimeoutMsMax) {
    throw new FaecieError(ErrorCode.INVALID_SESSION_TIMEOUT,
      `sessionTimeoutMs ${ms} is outside ${settings.sessionTimeoutMsMin}..${settings.sessionTimeoutMsMax}.`)
  }
  return ms
}

function subscriptionKey(m: Member): string {
  return m.subscribedTopicRegex === undefined ? `names:${m.subscribedTopicNames.join('\u0000')}` : `regex:${m.subscribedTopicRegex.source}`
}

function sameSubscription(a: Member, b: Member): boolean {
  return subscriptionKey(a) === subscriptionKey(b)
}
