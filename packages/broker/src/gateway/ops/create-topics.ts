// Op `createTopics`: each topic is checked and recorded by the coordinator (name, partition count,
// config), then its partitions are opened; answered per topic. `ifNotExists` turns
// TOPIC_ALREADY_EXISTS into success with the existing topic's id; `validateOnly` checks everything
// and creates nothing. `replicationFactor`: a cluster's controller places that many replicas per
// partition; a single broker refuses any other than 1 (INVALID_REPLICATION_FACTOR). ACLs (KIP-277):
// Create on the cluster, or else on the topic (TOPIC_AUTHORIZATION_FAILED for that topic).
import { ErrorCode, FaecieError, type CreateTopicResult } from '@faecie/protocol'
import { createRefusal } from '../../security/op-access.js'
import { changeOptions, checkItemCount, wireError, type OpHandler } from '../context.js'

export const createTopics: OpHandler<'createTopics'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.length, gateway.limits)
  const { topics } = gateway
  const answers = await Promise.all(request.topics.map(async (spec): Promise<CreateTopicResult> => {
    try {
      const refusal = createRefusal(gateway.security, session, spec.topic)
      if (refusal !== undefined) throw refusal
      const meta = await topics.create(spec.topic, spec.numPartitions ?? 1, spec.config ?? {}, request.validateOnly === true, {
        ...changeOptions(session), ...(spec.replicationFactor === undefined ? {} : { replicationFactor: spec.replicationFactor }),
      })
      return { topic: spec.topic, topicId: meta.topicId }
    } catch (err) {
      const existing = topics.lookup(spec.topic)
      if (request.ifNotExists === true && err instanceof FaecieError &&
          err.code === ErrorCode.TOPIC_ALREADY_EXISTS && existing !== undefined) {
        return { topic: spec.topic, topicId: existing.topicId }
      }
      return { topic: spec.topic, error: wireError(err, session.logger) }
    }
  }))
  return { topics: answers }
}
