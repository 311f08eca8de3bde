// The public face of @faecie/broker: start a broker in this process (`Broker.start`) or run the
// broker command (`runBroker(argv)`, what `faecie broker` calls), and the settings they take.
export { runBroker } from './main.js'
export { Broker, SERVER_VERSION } from './server/broker.js'
export { parseBrokerArgs, USAGE, UsageError, type BrokerConfig } from './server/config.js'
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './gateway/limits.js'
export { TOPIC_CONFIG_KEYS, effectiveTopicConfig, validateTopicConfig, type TopicConfig } from './topics/config.js'
export { topicNameProblem, isInternalTopic } from './topics/names.js'
export { createLogger, type Logger } from './log.js'
