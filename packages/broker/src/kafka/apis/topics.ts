// CreateTopics (v2-7) and DeleteTopics (v1-6) through the gateway's createTopics and deleteTopics
// ops. One broker: a replication factor other than 1 or -1 (the broker's default) is
// INVALID_REPLICATION_FACTOR, and manual replica assignments are refused (INVALID_REQUEST). A
// partition count of -1 takes the broker's default (1).
import { ErrorCode, type WireError } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultCreateTopicsResponse, defaultCreateTopicsResponseCreatableTopicResult, readCreateTopicsRequest, writeCreateTopicsResponse,
  type CreateTopicsRequest, type CreateTopicsResponse } from '../generated/create-topics.js'
import { defaultDeleteTopicsResponse, readDeleteTopicsRequest, writeDeleteTopicsResponse, type DeleteTopicsRequest,
  type DeleteTopicsResponse } from '../generated/delete-topics.js'
import { kafkaApi, topicNameById, uuidBytes } from './context.js'

function refusal(topic: CreateTopicsRequest['topics'][number]): WireError | undefined {
  const error = (code: number, message: string): WireError => ({ code, name: '', message, retriable: false })
  if (topic.replicationFactor !== -1 && topic.replicationFactor !== 1) {
    return error(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor ${topic.replicationFactor}: this cluster has 1 broker.`)
  }
  if (topic.assignments.length > 0) return error(ErrorCode.INVALID_REQUEST, 'Manual replica assignments are not supported.')
  return undefined
}

export const createTopics = kafkaApi<CreateTopicsRequest, CreateTopicsResponse>({
  api: KAFKA_APIS.CreateTopics,
  read: readCreateTopicsRequest,
  write: writeCreateTopicsResponse,
  handle: async (request, _version, ctx) => {
    const refused = request.topics.map(refusal)
    const asked = request.topics.filter((_, i) => refused[i] === undefined)
    const answer = await OP_HANDLERS.createTopics({
      validateOnly: request.validateOnly,
      topics: asked.map((t) => ({
        topic: t.name,
        ...(t.numPartitions === -1 ? {} : { numPartitions: t.numPartitions }),
        config: Object.fromEntries(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!])),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('createTopics always answers')
    const results = [...answer.topics]
    return {
      ...defaultCreateTopicsResponse(),
      topics: request.topics.map((t, i) => {
        const error = refused[i] ?? results.shift()!.error
        const meta = error === undefined ? ctx.gateway.topics.lookup(t.name) : undefined
        return {
          ...defaultCreateTopicsResponseCreatableTopicResult(),
          name: t.name,
          topicId: meta === undefined ? new Uint8Array(16) : uuidBytes(meta.topicId),
          errorCode: error?.code ?? 0,
          errorMessage: error?.message ?? null,
          numPartitions: meta?.partitions ?? -1,
          replicationFactor: meta === undefined ? -1 : 1,
          configs: [],
        }
      }),
    }
  },
})

export const deleteTopics = kafkaApi<DeleteTopicsRequest, DeleteTopicsResponse>({
  api: KAFKA_APIS.DeleteTopics,
  read: readDeleteTopicsRequest,
  write: writeDeleteTopicsResponse,
  handle: async (request, version, ctx) => {
    const named = version >= 6
      ? request.topics.map((t) => ({ name: t.name ?? topicNameById(ctx.gateway, t.topicId) ?? '', topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: new Uint8Array(16) }))
    const ids = named.map((t) => ctx.gateway.topics.lookup(t.name)?.topicId)
    const answer = await OP_HANDLERS.deleteTopics({ topics: named.filter((t) => t.name !== '').map((t) => t.name) }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('deleteTopics always answers')
    const results = [...answer.topics]
    return {
      ...defaultDeleteTopicsResponse(),
      responses: named.map((t, i) => {
        const error = t.name === '' ? { code: ErrorCode.UNKNOWN_TOPIC_ID, message: 'No topic has this id.' } : results.shift()!.error
        return { name: t.name === '' ? null : t.name, topicId: ids[i] === undefined ? t.topicId : uuidBytes(ids[i]!),
          errorCode: error?.code ?? 0, errorMessage: error?.message ?? null }
      }),
    }
  },
})
