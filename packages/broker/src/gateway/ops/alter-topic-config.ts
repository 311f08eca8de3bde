// Op `alterTopicConfig`: changes some of a topic's config keys (nil: back to the default). The
// coordinator checks the merged config and records it; then every partition gets the new settings.
// Answers with the whole effective config. Any refusal fails the request as a whole. ACLs:
// AlterConfigs on the topic (which implies DescribeConfigs, so the answer's config may be shown).
import { effectiveTopicConfig } from '../../topics/config.js'
import { changeOptions, type OpHandler } from '../context.js'

export const alterTopicConfig: OpHandler<'alterTopicConfig'> = async (request, { gateway, session }) => {
  gateway.security.check(session, 'AlterConfigs', 'topic', request.topic)
  const meta = await gateway.topics.alterConfig(request.topic, request.config, changeOptions(session))
  return { topic: meta.topic, config: effectiveTopicConfig(meta.config, gateway.topics.limits) }
}
