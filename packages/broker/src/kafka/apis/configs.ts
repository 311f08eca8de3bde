// DescribeConfigs (v1-4), IncrementalAlterConfigs (v0-1) and AlterConfigs (v0-2) for topics: read
// from the topic's metadata (as the describeTopics op reads it, without asking every partition for
// its offsets), changed through the gateway's alterTopicConfig op. A topic's config is its effective config
// (defaults with its overrides on top): an override is DYNAMIC_TOPIC_CONFIG, the rest
// DEFAULT_CONFIG. Broker resources describe as an empty list (faecie's broker settings are flags,
// not Kafka configs) and cannot be altered. Incremental APPEND and SUBTRACT (list-valued keys) are
// refused with INVALID_REQUEST. validateOnly checks that the topic exists and changes nothing.
// AlterConfigs replaces a topic's overrides as a whole, as Kafka's: keys not named go back to default.
// Authorization (with --auth scram), per resource as Kafka: DescribeConfigs on the topic (else
// TOPIC_AUTHORIZATION_FAILED) or, for a broker, on the cluster (CLUSTER_AUTHORIZATION_FAILED);
// altering, AlterConfigs on the topic or the cluster, checked before validateOnly or any change.
import { CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError, type AclOperation, type ConfigChanges } from '@faecie/protocol'
import { unknownTopicOrPartition, wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { effectiveTopicConfig } from '../../topics/config.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { readAlterConfigsRequest, writeAlterConfigsResponse, type AlterConfigsRequest, type AlterConfigsResponse } from '../generated/alter-configs.js'
import { readDescribeConfigsRequest, writeDescribeConfigsResponse, type DescribeConfigsRequest, type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResult } from '../generated/describe-configs.js'
import { readIncrementalAlterConfigsRequest, writeIncrementalAlterConfigsResponse, type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse } from '../generated/incremental-alter-configs.js'
import { denial, kafkaApi, type KafkaApiContext } from './context.js'

const TOPIC = 2
const BROKER = 4
const DYNAMIC_TOPIC_CONFIG = 1
const DEFAULT_CONFIG = 5
const SET = 0
const DELETE = 1

interface Outcome { errorCode: number; errorMessage: string | null }

function failure(err: unknown, ctx: KafkaApiContext): Outcome {
  const error = wireError(err, ctx.logger)
  return { errorCode: error.code, errorMessage: error.message }
}

/** The refusal of `operation` on a topic or the broker's configs (the cluster's), as an outcome; undefined when allowed. */
function refused(ctx: KafkaApiContext, operation: AclOperation, resourceType: number, resourceName: string): Outcome | undefined {
  const denied = resourceType === TOPIC ? denial(ctx, operation, 'topic', resourceName)
    : resourceType === BROKER ? denial(ctx, operation, 'cluster', CLUSTER_RESOURCE_NAME) : undefined
  return denied === undefined ? undefined : { errorCode: denied.code, errorMessage: denied.message }
}

/** A topic's effective config from the metadata (as the describeTopics op has it, without asking its partitions). */
function describeTopic(name: string, keys: string[] | null, ctx: KafkaApiContext): Omit<DescribeConfigsResponseDescribeConfigsResult, 'resourceType' | 'resourceName'> {
  const meta = ctx.gateway.topics.lookup(name)
  // A cluster's internal topics live in etcd like any other (their partitions have states); a single broker's do not.
  if (meta === undefined || (meta.internal && ctx.gateway.cluster?.partitionState(name, 0) === undefined)) {
    return { ...failure(unknownTopicOrPartition(name), ctx), configs: [] }
  }
  const overrides = meta.config
  const configs = Object.entries(effectiveTopicConfig(meta.config, ctx.gateway.topics.limits))
    .filter(([key]) => keys === null || keys.length === 0 || keys.includes(key))
    .map(([key, value]) => ({ name: key, value, readOnly: false, configSource: key in overrides ? DYNAMIC_TOPIC_CONFIG : DEFAULT_CONFIG,
      isSensitive: false, synonyms: [], configType: 0, documentation: null }))
  return { errorCode: 0, errorMessage: null, configs }
}

export const describeConfigs = kafkaApi<DescribeConfigsRequest, DescribeConfigsResponse>({
  api: KAFKA_APIS.DescribeConfigs,
  read: readDescribeConfigsRequest,
  write: writeDescribeConfigsResponse,
  handle: async (request, _version, ctx) => ({
    throttleTimeMs: 0,
    results: await Promise.all(request.resources.map(async (r) => {
      const resource = { resourceType: r.resourceType, resourceName: r.resourceName }
      const denied = refused(ctx, 'DescribeConfigs', r.resourceType, r.resourceName)
      if (denied !== undefined) return { ...resource, ...denied, configs: [] }
      if (r.resourceType === TOPIC) return { ...resource, ...describeTopic(r.resourceName, r.configurationKeys, ctx) }
      if (r.resourceType === BROKER) return { ...resource, errorCode: 0, errorMessage: null, configs: [] }
      return { ...resource, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} has no configs here`, configs: [] }
    })),
  }),
})

/** Applies one topic's changes (or, with validateOnly, checks the topic exists). */
async function alterTopic(name: string, changes: ConfigChanges, validateOnly: boolean, ctx: KafkaApiContext): Promise<Outcome> {
  try {
    const meta = ctx.gateway.topics.lookup(name)
    if (meta === undefined || meta.internal) throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${name} does not exist.`)
    if (!validateOnly) await OP_HANDLERS.alterTopicConfig({ topic: name, config: changes }, ctx.op)
    return { errorCode: 0, errorMessage: null }
  } catch (err) {
    return failure(err, ctx)
  }
}

function notTopic(resourceType: number): Outcome {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${resourceType} cannot be altered here; only topics (2) can` }
}

export const incrementalAlterConfigs = kafkaApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  api: KAFKA_APIS.IncrementalAlterConfigs,
  read: readIncrementalAlterConfigsRequest,
  write: writeIncrementalAlterConfigsResponse,
  handle: async (request, _version, ctx) => ({
    throttleTimeMs: 0,
    responses: await Promise.all(request.resources.map(async (r) => {
      const resource = { resourceType: r.resourceType, resourceName: r.resourceName }
      const denied = refused(ctx, 'AlterConfigs', r.resourceType, r.resourceName)
      if (denied !== undefined) return { ...resource, ...denied }
      if (r.resourceType !== TOPIC) return { ...resource, ...notTopic(r.resourceType) }
      const unsupported = r.configs.find((c) => c.configOperation !== SET && c.configOperation !== DELETE)
      if (unsupported !== undefined) {
        return { ...resource, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `config operation ${unsupported.configOperation} on ${unsupported.name} is not supported (SET and DELETE are)` }
      }
      const changes: ConfigChanges = Object.fromEntries(r.configs.map((c) => [c.name, c.configOperation === DELETE ? null : c.value]))
      return { ...resource, ...await alterTopic(r.resourceName, changes, request.validateOnly, ctx) }
    })),
  }),
})

export const alterConfigs = kafkaApi<AlterConfigsRequest, AlterConfigsResponse>({
  api: KAFKA_APIS.AlterConfigs,
  read: readAlterConfigsRequest,
  write: writeAlterConfigsResponse,
  handle: async (request, _version, ctx) => ({
    throttleTimeMs: 0,
    responses: await Promise.all(request.resources.map(async (r) => {
      const resource = { resourceType: r.resourceType, resourceName: r.resourceName }
      const denied = refused(ctx, 'AlterConfigs', r.resourceType, r.resourceName)
      if (denied !== undefined) return { ...resource, ...denied }
      if (r.resourceType !== TOPIC) return { ...resource, ...notTopic(r.resourceType) }
      const current = ctx.gateway.topics.lookup(r.resourceName)?.config ?? {}
      const changes: ConfigChanges = Object.fromEntries(Object.keys(current).map((key) => [key, null]))
      for (const c of r.configs) changes[c.name] = c.value
      return { ...resource, ...await alterTopic(r.resourceName, changes, request.validateOnly, ctx) }
    })),
  }),
})
