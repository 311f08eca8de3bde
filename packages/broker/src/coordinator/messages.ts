// The messages between the main thread (CoordinatorClient) and the coordinator's thread
// (worker-entry.ts). Calls are answered by callId, in the order they were sent, except a Kafka
// classic join or sync the group holds (`kafkaGroup`), answered when the rebalance phase ends;
// topic changes are posted before the reply of the call that made them, so the main thread's cache
// is current when the call resolves; so are changes of users and ACLs (`security`), which the main
// thread applies to its SecurityState.
import type { AclBinding, AclFilter, OpRequest } from '@faecie/protocol'
import type { GroupSettings } from '../groups/consumer-group.js'
import type { KafkaGroupOp, KafkaGroupRequest } from '../groups/kafka-group-ops.js'
import type { TopicConfig, TopicConfigChanges } from '../topics/config.js'
import type { CoordinatorSettings } from './coordinator-actor.js'
import type { TopicMeta } from './metadata-state.js'
import type { SecurityRecord } from './records.js'
import type { CredentialDeletion, CredentialUpsert, ItemError } from './security-writes.js'

export interface CoordinatorWorkerData {
  dataDir: string
  settings: CoordinatorSettings
  groupSettings?: Partial<GroupSettings>
  /**
   * Cluster mode: partition directories belong to etcd's topics (the reconciler's), not to this
   * metadata log, so none is moved aside at start.
   */
  keepUnknownPartitionDirs?: boolean
  /** `--fault-injection FILE` (faults/fault-injection.ts); undefined: no fault injection. */
  faultInjection?: string
}

/** The consumer-group ops, served by the coordinator's GroupCoordinator. */
export const GROUP_OPS = ['heartbeat', 'leaveGroup', 'commitOffsets', 'fetchOffsets', 'describeGroups', 'listGroups',
  'deleteGroup', 'alterGroupOffsets'] as const
export type GroupOp = (typeof GROUP_OPS)[number]

export type CoordinatorCall =
  | { method: 'createTopic'; topic: string; numPartitions: number; config: TopicConfig; validateOnly: boolean }
  | { method: 'deleteTopic'; topic: string }
  | { method: 'alterTopicConfig'; topic: string; changes: TopicConfigChanges }
  | { method: 'createPartitions'; topic: string; count: number }
  | { method: 'initProducerId' }
  | { method: 'alterUsers'; upsertions: CredentialUpsert[]; deletions: CredentialDeletion[] }
  | { method: 'createAcls'; acls: AclBinding[] }
  | { method: 'deleteAcls'; filters: AclFilter[] }
  /** Cluster mode: etcd's topics, which consumer groups see instead of the metadata log's (CoordinatorActor.mirrorClusterTopics). */
  | { method: 'mirrorClusterTopics'; topics: TopicMeta[] }
  | { [Op in GroupOp]: { method: 'group'; op: Op; request: OpRequest<Op> } }[GroupOp]
  /** A group op of Kafka's protocol only (groups/kafka-group-ops.ts); a held join or sync is answered later. */
  | { [Op in KafkaGroupOp]: { method: 'kafkaGroup'; op: Op; request: KafkaGroupRequest<Op> } }[KafkaGroupOp]

export interface CoordinatorResultByMethod {
  createTopic: TopicMeta
  deleteTopic: TopicMeta
  alterTopicConfig: TopicMeta
  createPartitions: TopicMeta
  initProducerId: number
  /** One per upsertion then per deletion: null done, or the refusal. */
  alterUsers: (ItemError | null)[]
  createAcls: (ItemError | null)[]
  deleteAcls: AclBinding[][]
  mirrorClusterTopics: null
  /** The op's response (OpResponse<op>); the client side narrows it. */
  group: unknown
  /** The op's result (KafkaGroupResult<op>); the client side narrows it. */
  kafkaGroup: unknown
}

export type ToCoordinator =
  | { type: 'call'; callId: number; call: CoordinatorCall }
  /** Close the metadata log cleanly, answer `closed`, and let the thread end. */
  | { type: 'close' }

export type FromCoordinator =
  /** `security`: every stored user and ACL (the main thread's SecurityState is made to hold exactly these). */
  | { type: 'ready'; topics: TopicMeta[]; movedAside: string[]; security: SecurityRecord[] }
  | { type: 'startFailed'; message: string }
  | { type: 'topic'; topic: string; meta: TopicMeta | null }
  | { type: 'security'; records: SecurityRecord[] }
  | { type: 'reply'; callId: number; ok: true; value: unknown }
  | { type: 'reply'; callId: number; ok: false; error: { code: number; message: string } }
  | { type: 'closed' }
