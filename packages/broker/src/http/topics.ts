// /v1/topics: list, create, describe and delete topics, through the ops metadata, createTopics,
// describeTopics and deleteTopics. In a cluster a described partition also names its leader (and
// the leader's HTTP URL: its offsets are authoritative, a follower's may trail), replicas and ISR,
// and the replicas being added and removed while a reassignment moves it (empty otherwise).
import type { FastifyInstance } from 'fastify'
import { throwIfError, invalidInput } from './errors.js'
import type { HttpApiContext } from './http-session.js'
import { httpUrlOf } from './leadership.js'
import { bodyObject } from './params.js'

interface TopicParams {
  topic: string
}

/** Config values may be given as JSON numbers or booleans; the protocol carries strings. */
function configStrings(raw: unknown): unknown {
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) =>
    [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]))
}

export async function registerTopicRoutes(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { sessions } = ctx

  app.get('/topics', async (_request, reply) => {
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'metadata', {}))!
    return {
      topics: answer.topics.map((t) => ({ name: t.topic, topicId: t.topicId, partitions: t.partitions.length })),
    }
  })

  app.post('/topics', { bodyLimit: ctx.limits.smallBodyBytesMax }, async (request, reply) => {
    const body = bodyObject(request.body)
    if (typeof body.name !== 'string') throw invalidInput('name', 'expected the topic name as a string')
    const spec: Record<string, unknown> = { topic: body.name }
    if (body.partitions !== undefined) spec.numPartitions = body.partitions
    if (body.config !== undefined) spec.config = configStrings(body.config)
    const fields: Record<string, unknown> = { topics: [spec] }
    if (body.validateOnly !== undefined) fields.validateOnly = body.validateOnly
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'createTopics', fields))!
    const created = answer.topics[0]!
    throwIfError(created)
    const partitions = typeof body.partitions === 'number' ? body.partitions : 1
    return reply.code(body.validateOnly === true ? 200 : 201).send({ name: created.topic, topicId: created.topicId, partitions })
  })

  app.get<{ Params: TopicParams }>('/topics/:topic', async (request, reply) => {
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'describeTopics', { topics: [request.params.topic] }))!
    const topic = answer.topics[0]!
    throwIfError(topic)
    const cluster = ctx.gateway.cluster
    if (cluster === undefined) return { name: topic.topic, topicId: topic.topicId, config: topic.config, partitions: topic.partitions }
    const partitions = (topic.partitions ?? []).map((p) => {
      const state = cluster.partitionState(topic.topic, p.partition)
      if (state === undefined) return p
      const url = state.leader < 0 ? undefined : cluster.brokerUrl(state.leader)
      return { ...p, leader: state.leader, leaderEpoch: state.leaderEpoch, leaderUrl: url === undefined ? null : httpUrlOf(url) ?? null,
        replicas: state.replicas, isr: state.isr, addingReplicas: state.addingReplicas ?? [], removingReplicas: state.removingReplicas ?? [] }
    })
    return { name: topic.topic, topicId: topic.topicId, config: topic.config, partitions }
  })

  app.delete<{ Params: TopicParams }>('/topics/:topic', async (request, reply) => {
    const session = sessions.open(reply)
    const answer = (await sessions.run(session, 'deleteTopics', { topics: [request.params.topic] }))!
    throwIfError(answer.topics[0]!)
    return { name: request.params.topic, deleted: true }
  })
}
