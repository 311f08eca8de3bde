// The public face of @faecie/client, and its entry point for browsers (package.json `exports`,
// condition "default"): it installs the global WebSocket as the transport where there is one. The
// Node entry (node.ts, condition "node") installs the `ws` transport and native codecs instead and
// re-exports all of this. Nothing here imports a `node:` module or a Node-only package.
import { browserTransport } from './transport-browser.js'
import { setDefaultTransport } from './transport.js'

if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') setDefaultTransport(browserTransport)

export { Faecie } from './faecie.js'
export { Admin, type BrokerStats, type ConfigValue, type CreateTopicsOptions, type TopicOffsets, type TopicSpec } from './admin.js'
export type { PartitionDescription, TopicDescription } from './admin-partitions.js'
export { REASSIGN_PARTITIONS_PER_REQUEST_MAX, type ElectionResult, type PartitionReassignment, type PartitionReassignments, type PartitionResult } from './admin-cluster.js'
export type { OngoingReassignment } from '@faecie/protocol'
export type { DescribeClusterResponse, DescribeClusterBroker, MetadataBroker, MetadataPartition, MetadataTopic } from '@faecie/protocol'
export type { GroupDescription, GroupLag, GroupPartitionOffset, GroupTopicOffsets, ListedGroups, PartitionLag, ResetPlanEntry, ResetTarget, UnreachableBroker } from './admin-groups.js'
export type { UpsertUserOptions, UserDescription } from './admin-security.js'
export type { AclBinding, AclFilter, AclOperation, AclPermission, AclPatternType, AclResourceType, ScramMechanism } from '@faecie/protocol'
export { Producer, type ProducerRecord } from './producer/producer.js'
export type { ProducerValues } from './producer/values.js'
export type { AcksOption, ProducerConfig } from './producer/config.js'
export type { RecordMetadata } from './producer/batch.js'
export type { HeaderValue, Message, MessageHeaders } from './producer/records.js'
export { Consumer, type PartitionAssignment, type PartitionSelector } from './consumer/consumer.js'
export type { AutoOffsetReset, ConsumerConfig, ConsumerMode } from './consumer/config.js'
export { GroupConsumer, type GroupConsumerEvent, type SubscribeOptions } from './consumer/group-consumer.js'
export type { GroupConsumerConfig, PartitionsListener } from './consumer/group-config.js'
export type { TopicPartitionOffset } from './consumer/group-offsets.js'
export type { ConsumedHeaders, ConsumedMessage } from './consumer/message.js'
export type { Batch, EachBatchPayload, EachMessagePayload, RecordView, RunOptions } from './consumer/run.js'
export type { TopicPartition } from './consumer/state.js'
export { type FaecieConfig, brokerUrl } from './config.js'
export type { SaslOptions } from './sasl.js'
export { RETRY_DEFAULTS, backoffMs, retryWindowMs, type RetryOptions } from './retry.js'
export { setDefaultTransport, type Transport, type TransportFactory, type TransportHandlers, type TransportOptions } from './transport.js'
export { browserTransport } from './transport-browser.js'
export {
  ErrorCode,
  FaecieError,
  decodeText,
  isCompressionSupported,
  registerCompressionCodec,
  type CodecFunctions,
  type CompressionName,
} from '@faecie/protocol'
