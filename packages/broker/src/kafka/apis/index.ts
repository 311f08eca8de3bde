// The Kafka APIs the listener serves, by API key. An API not in this table is not advertised, and a
// request for it closes the connection (connection.ts).
import type { ServedApi } from '../versions.js'
import { createAcls, deleteAcls, describeAcls } from './acls.js'
import { apiVersions } from './api-versions.js'
import { CLASSIC_GROUP_HANDLERS } from './classic-groups.js'
import { createPartitions, describeCluster } from './cluster.js'
import { alterConfigs, describeConfigs, incrementalAlterConfigs } from './configs.js'
import type { KafkaApiHandler } from './context.js'
import { consumerGroupDescribe } from './consumer-group-describe.js'
import { consumerGroupHeartbeat } from './consumer-group-heartbeat.js'
import { deleteRecords } from './delete-records.js'
import { fetch } from './fetch.js'
import { findCoordinator } from './find-coordinator.js'
import { deleteGroups, describeGroups, listGroups } from './groups-admin.js'
import { initProducerId } from './init-producer-id.js'
import { listOffsets } from './list-offsets.js'
import { metadata } from './metadata.js'
import { offsetCommit, offsetDelete, offsetFetch } from './offsets.js'
import { produce } from './produce.js'
import { saslAuthenticate, saslHandshake } from './sasl.js'
import { createTopics, deleteTopics } from './topics.js'
import { alterUserScramCredentials, describeUserScramCredentials } from './users.js'

export const KAFKA_HANDLERS: ReadonlyMap<number, KafkaApiHandler<unknown, unknown>> = new Map(
  [apiVersions, metadata, produce, fetch, listOffsets, initProducerId, createTopics, deleteTopics, findCoordinator,
    describeConfigs, incrementalAlterConfigs, alterConfigs, createPartitions, describeCluster, deleteRecords,
    offsetCommit, offsetFetch, offsetDelete, describeGroups, listGroups, deleteGroups, ...CLASSIC_GROUP_HANDLERS,
    consumerGroupHeartbeat, consumerGroupDescribe, saslHandshake, saslAuthenticate, createAcls, describeAcls, deleteAcls,
    describeUserScramCredentials, alterUserScramCredentials].map((h) => [h.api.apiKey, h]),
)

export const SERVED_APIS: readonly ServedApi[] = [...KAFKA_HANDLERS.values()].map((h) => h.api)
