// Op `deleteTopics`: the coordinator records each deletion, then the topic's partitions are closed
// and their directories removed; answered per topic. Internal topics cannot be deleted.
import { partitionKey } from '../../partition/messages.js'
import { changeOptions, checkItemCount, wireError, type OpHandler } from '../context.js'

export const deleteTopics: OpHandler<'deleteTopics'> = async (request, { gateway, session }) => {
  checkItemCount(request.topics.length, gateway.limits)
  const answers = await Promise.all(request.topics.map(async (topic) => {
    try {
      const meta = await gateway.topics.delete(topic, changeOptions(session))
      for (let p = 0; p < meta.partitions; p++) gateway.watch.forget(partitionKey(topic, p))
      return { topic }
    } catch (err) {
      return { topic, error: wireError(err, session.logger) }
    }
  }))
  return { topics: answers }
}
