// A gateway for the ACL tests of the op handlers (op-access*.test.ts): a real GatewaySecurity with
// --auth scram over a SecurityState the test fills with ACLs directly, and stand-ins for the parts
// the handlers reach (topics, partitions, reads, offset watch, metrics, a session's subscriptions)
// that record what reached them, so a test can tell that nothing was written, created or asked of
// the group coordinator for a refused request. The audit log's lines are kept as parsed JSON.
import { pino } from 'pino'
import {
  CLUSTER_RESOURCE_NAME, type AclOperation, type AclPatternType, type AclPermission, type AclResourceType, type OpName,
  type OpRequest, type OpResponse,
} from '@faecie/protocol'
import type { TopicMeta } from '../coordinator/metadata-state.js'
import type { Gateway, OpContext, SessionHandle } from '../gateway/context.js'
import { NO_RESPONSE } from '../gateway/context.js'
import { resolveLimits } from '../gateway/limits.js'
import { OP_HANDLERS } from '../gateway/ops/index.js'
import { silentLogger } from '../log.js'
import { OPEN_SECURITY_CONFIG } from '../server/security-config.js'
import { GatewaySecurity } from './gateway-security.js'
import { SecurityState } from './security-state.js'

export interface AclTestOptions {
  /** Topics that exist, each with PARTITIONS partitions. */
  topics: string[]
  autoCreateTopics?: boolean
  superUsers?: string[]
  /** Groups the coordinator stand-in lists. */
  groups?: string[]
}

export const PARTITIONS = 2
/** The address every test session comes from. */
export const CLIENT_ADDRESS = '10.0.0.7'

export class AclTestGateway {
  readonly state = new SecurityState()
  readonly audit: Array<Record<string, unknown>> = []
  readonly produced: string[] = []
  readonly read: string[] = []
  readonly ensured: string[] = []
  readonly created: string[] = []
  readonly deleted: string[] = []
  readonly subscribed: string[] = []
  readonly groupCalls: Array<{ op: string; request: Record<string, unknown> }> = []
  readonly partitionCalls: Array<{ op: string; topic: string; partition: number }> = []
  readonly topics = new Map<string, TopicMeta>()
  readonly gateway: Gateway

  constructor(readonly options: AclTestOptions) {
    for (const topic of options.topics) this.#add(topic)
    const auditLogger = pino({ level: 'info' }, { write: (line: string) => { this.audit.push(JSON.parse(line) as Record<string, unknown>) } })
    const security = new GatewaySecurity({ ...OPEN_SECURITY_CONFIG, auth: 'scram', superUsers: options.superUsers ?? [] }, auditLogger, this.state)
    const limits = resolveLimits({})
    const logger = silentLogger()
    this.gateway = {
      limits, logger, security, draining: false, cluster: undefined,
      broker: { brokerId: 1, clusterId: 'test', serverVersion: 'test', url: 'ws://127.0.0.1:1', autoCreateTopics: options.autoCreateTopics === true },
      topics: this.#topicService(limits.batchBytesMax),
      partitions: {
        produce: async (topic: string, partition: number) => {
          this.produced.push(`${topic}-${partition}`)
          return { baseOffset: 0, lastOffset: 0, logAppendTime: -1, logStartOffset: 0, duplicate: false }
        },
        request: async (topic: string, partition: number, request: { op: string }) => {
          this.partitionCalls.push({ op: request.op, topic, partition })
          if (request.op === 'listOffsets') return { offset: 3 }
          if (request.op === 'deleteRecords') return { logStartOffset: 5 }
          return { logStartOffset: 0, highWatermark: 3, logEndOffset: 3, sizeBytes: 10 }
        },
        repair: async () => ({ logStartOffset: 4, offsetsSkipped: 1 }),
      },
      reads: {
        fetch: async (topic: string, partition: number) => {
          this.read.push(`${topic}-${partition}`)
          return { highWatermark: 3, logStartOffset: 0, bytes: new Uint8Array(0) }
        },
      },
      watch: {
        arm: () => ({ wait: async () => undefined, disarm: () => undefined }), latest: () => undefined, forget: () => undefined,
        watch: () => () => undefined,
      },
      metrics: {
        recordIn: () => undefined, recordOut: () => undefined, startedMs: 0, sessions: 1,
        sources: { userTopics: () => ({ topics: this.topics.size, partitions: this.topics.size * PARTITIONS }), sizes: async () => ({ totalBytes: 0 }) },
        series: { intervalMs: 1000, points: () => [] },
      },
      outbound: undefined,
    } as unknown as Gateway
  }

  #add(topic: string): TopicMeta {
    const meta: TopicMeta = { topic, topicId: `id-${topic}`, partitions: PARTITIONS, config: {}, internal: topic.startsWith('__') }
    this.topics.set(topic, meta)
    return meta
  }

  #topicService(batchBytesMax: number): unknown {
    return {
      limits: { batchBytesMax },
      lookup: (topic: string) => this.topics.get(topic),
      all: () => [...this.topics.values()],
      ensure: async (topic: string) => { this.ensured.push(topic); return this.topics.get(topic) ?? this.#add(topic) },
      create: async (topic: string) => { this.created.push(topic); return this.#add(topic) },
      delete: async (topic: string) => {
        this.deleted.push(topic)
        const meta = this.topics.get(topic)!
        this.topics.delete(topic)
        return meta
      },
      alterConfig: async (topic: string) => this.topics.get(topic)!,
      createPartitions: async (topic: string, count: number) => ({ ...this.topics.get(topic)!, partitions: count }),
      initProducerId: async () => 7,
      group: async (op: string, request: Record<string, unknown>) => {
        this.groupCalls.push({ op, request })
        return this.#groupAnswer(op, request)
      },
    }
  }

  #groupAnswer(op: string, request: Record<string, unknown>): unknown {
    type Topics = Array<{ topic: string; partitions?: Array<number | { partition: number }> }>
    switch (op) {
      case 'commitOffsets': case 'alterGroupOffsets':
        return { topics: (request.topics as Topics).map((t) => ({ topic: t.topic, partitions: (t.partitions ?? []).map((p) => ({ partition: typeof p === 'number' ? p : p.partition })) })) }
      case 'fetchOffsets': {
        const asked = (request.topics as Topics | undefined) ?? [...this.topics.keys()].map((topic) => ({ topic, partitions: [0] }))
        return { groupId: request.groupId, topics: asked.map((t) => ({ topic: t.topic,
          partitions: (t.partitions ?? [0]).map((p) => ({ partition: p as number, offset: 9, metadata: '', commitTimestamp: 1 })) })) }
      }
      case 'describeGroups':
        return { groups: (request.groupIds as string[]).map((groupId) => ({ groupId, state: 'Stable', groupEpoch: 1, assignmentEpoch: 1, assignor: 'uniform', members: [] })) }
      case 'listGroups':
        return { groups: (this.options.groups ?? []).map((groupId) => ({ groupId, state: 'Stable', groupEpoch: 1, members: 1 })) }
      case 'heartbeat': return { memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 3000 }
      case 'leaveGroup': return { memberId: request.memberId, memberEpoch: -1 }
      case 'deleteGroup': return { groupId: request.groupId }
      default: throw new Error(`no answer for group op ${op}`)
    }
  }

  /** Adds an ACL of `principal` from any host. */
  acl(permission: AclPermission, principal: string, operation: AclOperation, resourceType: AclResourceType, resourceName: string,
    patternType: AclPatternType = 'literal', host = '*'): void {
    this.state.addAcl({ principal, host, resourceType, resourceName: resourceType === 'cluster' ? CLUSTER_RESOURCE_NAME : resourceName,
      patternType, operation, permission })
  }

  allow(principal: string, operation: AclOperation, resourceType: AclResourceType, resourceName = CLUSTER_RESOURCE_NAME, patternType: AclPatternType = 'literal'): void {
    this.acl('Allow', principal, operation, resourceType, resourceName, patternType)
  }

  deny(principal: string, operation: AclOperation, resourceType: AclResourceType, resourceName = CLUSTER_RESOURCE_NAME, patternType: AclPatternType = 'literal'): void {
    this.acl('Deny', principal, operation, resourceType, resourceName, patternType)
  }

  /** A logged-in session of `principal` ("User:alice"), from CLIENT_ADDRESS. */
  session(principal: string): SessionHandle {
    return {
      id: 1, logger: silentLogger(), principal, clientAddress: CLIENT_ADDRESS, authenticated: true, signal: new AbortController().signal,
      readBudget: { reserve: async () => ({ resize: () => undefined, release: () => undefined }) },
      subscriptions: { subscribe: async (topic: string, partition: number) => { this.subscribed.push(`${topic}-${partition}`); return 1 } },
      helloDone: () => undefined, close: () => undefined,
    } as unknown as SessionHandle
  }

  /** Runs the real op handler as `principal`; throws what it throws. */
  async run<Op extends OpName>(principal: string, op: Op, request: OpRequest<Op>): Promise<OpResponse<Op>> {
    const ctx: OpContext = { gateway: this.gateway, session: this.session(principal), hold: () => undefined }
    const handler = OP_HANDLERS[op] as (request: OpRequest<Op>, ctx: OpContext) => Promise<OpResponse<Op> | typeof NO_RESPONSE>
    const answer = await handler(request, ctx)
    if (answer === NO_RESPONSE) throw new Error(`${op} gave no answer`)
    return answer
  }

  /** The audit log's denials, as "principal operation resourceType:resourceName". */
  denials(): string[] {
    return this.audit.filter((l) => l.event === 'denied').map((l) => `${String(l.principal)} ${String(l.operation)} ${String(l.resourceType)}:${String(l.resourceName)}`)
  }
}
