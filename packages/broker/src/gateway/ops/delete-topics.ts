// Op `deleteTopics`: the coordinator records each deletion, then the topic's partitions are closed
// and their directories removed; answered per topic. Internal topics cannot be deleted. ACLs: Delete
// on each topic (else TOPIC_AUTHORIZATION_FAILED for it, before telling whether it exists).
import { partitionKey } from '../../partition/messages.js'
import { topicRefusals } from '../../security/op-access.js'
import { changeOptions, checkItemCount, wireError, type OpHandler } from '../context.js'

export const deleteTopics: OpHandler<'deleteTopics'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.length, gateway.limits)
  const refused = topicRefusals(gateway.security, session, 'Delete', request.topics)
  const answers = await Promise.all(request.topics.map(async (topic) => {
    try {
      const refusal = refused.get(topic)
      if (refusal !== undefined) throw refusal
      const meta = await gateway.topics.delete(topic, changeOptions(session))
      for (let p = 0; p < meta.partitions; p++) gateway.watch.forget(partitionKey(topic, p))
      return { topic }
    } catch (err) {
      return { topic, error: wireError(err, session.logger) }
    }
  }))
  return { topics: answers }
}
