// One member of a classic group (Kafka's ClassicGroupMember), the held answer a parked JoinGroup or
// SyncGroup waits on, and the bounds a JoinGroup or SyncGroup must keep before the group looks at it.
//
// A held answer is answered exactly once: by the end of the phase, the member's removal, a newer
// request of the same member, or the group's shutdown. Answering one twice is a bug in the group
// (asserted), never something a client can cause.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { ClassicGroupSettings } from './classic-group.js'
import type { ClassicLeaveGroupRequest, ClassicProtocol, JoinGroupRequest, JoinGroupResult, SyncGroupRequest, SyncGroupResult } from './kafka-group-ops.js'
import { TOPIC_NAME_LENGTH_MAX } from '../topics/names.js'
import { decodeConsumerSubscription } from './consumer-protocol.js'

/** Kafka's ConsumerProtocol.PROTOCOL_TYPE: members' metadata and assignments are ConsumerProtocol bytes. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer'

/** An answer the caller waits for; `answer` settles it, once. */
export class Held<T> {
  readonly promise: Promise<T>
  private resolve!: (value: T) => void
  private settled: { value: T } | undefined

  constructor(readonly what: string) {
    this.promise = new Promise<T>((resolve) => { this.resolve = resolve })
  }

  get answered(): boolean { return this.settled !== undefined }

  answer(value: T): void {
    assert(this.settled === undefined, `${this.what} answered twice`)
    this.settled = { value }
    this.resolve(value)
  }

  /** The answer itself when it came already (within the call that made it), else the promise. */
  valueOrPromise(): T | Promise<T> {
    return this.settled !== undefined ? this.settled.value : this.promise
  }
}

export class ClassicMember {
  memberId: string
  readonly groupInstanceId: string | undefined
  readonly clientId: string
  readonly clientHost: string
  readonly protocolType: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  /** In the member's order of preference. */
  protocols: ClassicProtocol[]
  /** The bytes the leader gave it at the last completed sync (empty before). */
  assignment: Uint8Array = new Uint8Array(0)
  /** Its session ends here unless a heartbeat, join or sync comes first (ignored while a join or sync is held). */
  sessionDeadlineMs: number
  heldJoin: Held<JoinGroupResult> | undefined
  heldSync: Held<SyncGroupResult> | undefined
  /**
   * A member not yet in a generation (Kafka's isNew): its held join ends here (UNKNOWN_MEMBER_ID,
   * the member removed) however long its rebalance timeout, newMemberJoinTimeoutMs after it joined;
   * undefined once a join phase it was held in completed.
   */
  newJoinDeadlineMs: number | undefined
  /**
   * Protocol name -> the topics its metadata subscribes to, decoded once when the protocols are set
   * (protocol type 'consumer' only): at most topicNamesMax names, none longer than a topic name.
   */
  private topicsByProtocol = new Map<string, readonly string[]>()

  constructor(memberId: string, request: JoinGroupRequest, nowMs: number, private readonly topicNamesMax: number) {
    this.memberId = memberId
    this.groupInstanceId = request.groupInstanceId
    this.clientId = request.clientId
    this.clientHost = request.clientHost
    this.protocolType = request.protocolType
    this.rebalanceTimeoutMs = request.rebalanceTimeoutMs
    this.sessionTimeoutMs = request.sessionTimeoutMs
    this.protocols = uniqueProtocols(request.protocols)
    this.decodeTopics()
    this.sessionDeadlineMs = nowMs + request.sessionTimeoutMs
  }

  get isStatic(): boolean { return this.groupInstanceId !== undefined }
  get awaitingJoin(): boolean { return this.heldJoin !== undefined }
  get awaitingSync(): boolean { return this.heldSync !== undefined }

  /** Only through ClassicMembers.setProtocols, which keeps the group's protocol counts. */
  setProtocols(protocols: readonly ClassicProtocol[]): void {
    this.protocols = uniqueProtocols(protocols)
    this.decodeTopics()
  }

  /** The topics it subscribes to with this protocol (undefined: with each of its protocols). */
  topics(protocolName: string | undefined): readonly string[] {
    if (protocolName !== undefined) return this.topicsByProtocol.get(protocolName) ?? []
    if (this.topicsByProtocol.size <= 1) return this.topicsByProtocol.values().next().value ?? []
    const union = new Set<string>()
    for (const topics of this.topicsByProtocol.values()) for (const topic of topics) union.add(topic)
    return [...union].slice(0, this.topicNamesMax)
  }

  private decodeTopics(): void {
    this.topicsByProtocol = new Map()
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return
    for (const p of this.protocols) {
      const topics = new Set<string>()
      for (const topic of decodeConsumerSubscription(p.metadata)?.topics ?? []) {
        if (topics.size >= this.topicNamesMax) break
        if (topic.length > 0 && topic.length <= TOPIC_NAME_LENGTH_MAX) topics.add(topic)
      }
      this.topicsByProtocol.set(p.name, [...topics])
    }
  }

  /** Heard from: its session starts again. */
  touch(nowMs: number): void {
    this.sessionDeadlineMs = nowMs + this.sessionTimeoutMs
  }

  /** Same protocols, same metadata, same order (Kafka's ClassicGroupMember.matches). */
  matches(protocols: readonly ClassicProtocol[]): boolean {
    const other = uniqueProtocols(protocols)
    return other.length === this.protocols.length &&
      other.every((p, i) => p.name === this.protocols[i]!.name && sameBytes(p.metadata, this.protocols[i]!.metadata))
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name))
    assert(choice !== undefined, `member ${this.memberId} votes without a candidate it supports`)
    return choice.name
  }

  metadata(protocolName: string | undefined): Uint8Array {
    const protocol = protocolName === undefined ? this.protocols[0] : this.protocols.find((p) => p.name === protocolName)
    return protocol?.metadata ?? new Uint8Array(0)
  }
}

/** Kafka keeps a member's protocols by name: a name given twice counts once, its first metadata. */
function uniqueProtocols(protocols: readonly ClassicProtocol[]): ClassicProtocol[] {
  const seen = new Set<string>()
  const unique: ClassicProtocol[] = []
  for (const p of protocols) {
    if (seen.has(p.name)) continue
    seen.add(p.name)
    unique.push({ name: p.name, metadata: p.metadata.slice() }) // a copy: never hold a whole request buffer
  }
  return unique
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function invalid(message: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_REQUEST, message)
}

function checkField(name: string, value: string | undefined, settings: ClassicGroupSettings): void {
  if (value !== undefined && value.length > settings.memberFieldCharsMax) {
    throw invalid(`${name} is ${value.length} characters long; at most ${settings.memberFieldCharsMax} are taken (memberFieldCharsMax)`)
  }
}

function checkTimeout(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) throw invalid(`${name} must be an int32 of 0 or more, not ${value}`)
}

/** The bounds of a JoinGroup; a request past one is refused whole (INVALID_REQUEST thrown). */
export function checkJoinRequest(request: JoinGroupRequest, settings: ClassicGroupSettings): void {
  checkField('memberId', request.memberId, settings)
  checkField('groupInstanceId', request.groupInstanceId, settings)
  checkField('clientId', request.clientId, settings)
  checkField('clientHost', request.clientHost, settings)
  checkField('protocolType', request.protocolType, settings)
  checkField('reason', request.reason, settings)
  checkTimeout('sessionTimeoutMs', request.sessionTimeoutMs)
  checkTimeout('rebalanceTimeoutMs', request.rebalanceTimeoutMs)
  if (request.groupInstanceId === '') throw invalid('groupInstanceId must not be empty (leave it out for a dynamic member)')
  if (request.protocols.length > settings.memberProtocolsMax) {
    throw invalid(`a member offers ${request.protocols.length} protocols; at most ${settings.memberProtocolsMax} are taken (memberProtocolsMax)`)
  }
  let bytes = 0
  for (const p of request.protocols) {
    checkField('protocol name', p.name, settings)
    bytes += p.name.length + p.metadata.byteLength
  }
  if (bytes > settings.memberProtocolBytesMax) {
    throw invalid(`a member's protocols take ${bytes} bytes; at most ${settings.memberProtocolBytesMax} are taken (memberProtocolBytesMax)`)
  }
}

/** The bounds of a LeaveGroup (each member's ids and reason: Kafka only logs the reason). */
export function checkLeaveRequest(request: ClassicLeaveGroupRequest, settings: ClassicGroupSettings): void {
  for (const m of request.members) {
    checkField('memberId', m.memberId, settings)
    checkField('groupInstanceId', m.groupInstanceId, settings)
    checkField('reason', m.reason, settings)
  }
}

/** The bounds of a SyncGroup (the leader's assignment of each member). */
export function checkSyncRequest(request: SyncGroupRequest, settings: ClassicGroupSettings): void {
  checkField('memberId', request.memberId, settings)
  checkField('groupInstanceId', request.groupInstanceId, settings)
  for (const a of request.assignments) {
    if (a.assignment.byteLength > settings.memberAssignmentBytesMax) {
      throw invalid(`the assignment of member ${a.memberId.slice(0, settings.memberFieldCharsMax)} takes ${a.assignment.byteLength} bytes; ` +
        `at most ${settings.memberAssignmentBytesMax} are taken (memberAssignmentBytesMax)`)
    }
  }
}
