// `faecie topics create|list|describe|alter|delete|delete-records`: the admin client on the command line, in the
// shape of kafka-topics.sh. What a user asked to see (the list, a description) goes to stdout, and
// so does "Created topic orders.", as kafka-topics.sh prints it; other confirmations go to stderr.
import type { Admin } from '@faecie/client'
import { COMMON_USAGE, UsageError } from '../args.js'
import { CommandError } from '../connect.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'
import { deleteRecords } from './delete-records.js'

type DescribedTopic = Awaited<ReturnType<Admin['describeTopics']>>[number]

export const TOPICS_USAGE = `Usage: faecie topics <action> [options]

Actions:
  create --topic T [--partitions N] [--replication-factor N] [--config k=v]... [--if-not-exists]
  list [--format text|json]
  describe [--topic T] [--format text|json]   (every topic when --topic is absent): per partition
                          its leader (none: offline), replicas and in-sync replicas (Isr), offsets
                          and size as its leader reports them; internal topics (__consumer_offsets)
                          when named with --topic
  alter --topic T [--config k=v]... [--delete-config k]... [--partitions N]
  delete --topic T [--if-exists]
  delete-records --topic T --partition P --offset N | --offset-json-file F
                          delete the records below offset N (-1: all of them, up to the high
                          watermark) for good: the partition's log start moves there

  --topic T               the topic's name
  --partitions N          create: how many partitions (default 1); alter: the new, larger count
  --replication-factor N  create: copies of each partition on distinct brokers of a cluster
                          (default the brokers' --replication-factor, at most the live brokers);
                          a single broker takes 1 only
  --config k=v            a topic setting, repeatable: retention.ms, retention.bytes, segment.bytes,
                          segment.ms, flush (always|interval|never), flush.ms, max.message.bytes,
                          message.timestamp.type (CreateTime|LogAppendTime), cleanup.policy
  --delete-config k       alter: reset a setting to its default, repeatable
  --if-not-exists         create: an existing topic is not an error
  --if-exists             delete: a missing topic is not an error
  --format text|json      list and describe: text (default) or one JSON object per line
  --partition P           delete-records: the partition's number
  --offset N              delete-records: records below N go; -1 means the high watermark
  --offset-json-file F    delete-records: kafka-delete-records's file instead, many partitions:
                          {"partitions": [{"topic": T, "partition": P, "offset": N}], "version": 1}

${COMMON_USAGE}`

const OPTIONS = {
  topic: { type: 'string' },
  partitions: { type: 'string' },
  'replication-factor': { type: 'string' },
  config: { type: 'string', multiple: true },
  'delete-config': { type: 'string', multiple: true },
  'if-not-exists': { type: 'boolean' },
  'if-exists': { type: 'boolean' },
  format: { type: 'string' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'offset-json-file': { type: 'string' },
} as const

/** Which flags each action takes, besides the common ones. */
const ACTION_FLAGS: Record<string, string[]> = {
  create: ['topic', 'partitions', 'replication-factor', 'config', 'if-not-exists'],
  list: ['format'],
  describe: ['topic', 'format'],
  alter: ['topic', 'config', 'delete-config', 'partitions'],
  delete: ['topic', 'if-exists'],
  'delete-records': ['topic', 'partition', 'offset', 'offset-json-file'],
}

export const TOPIC_ACTIONS = Object.keys(ACTION_FLAGS)

export function topicsCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'topics', usage: TOPICS_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: ACTIONS }, argv, out)
}


const create: Action = (flags, out) => {
  const topic = flags.requiredString('topic')
  const numPartitions = flags.integer('partitions', 1) ?? 1
  const replicationFactor = flags.integer('replication-factor', 1)
  const config = flags.keyValues('config')
  const ifNotExists = flags.bool('if-not-exists')
  return async (admin) => {
    const existed = ifNotExists && (await admin.listTopics()).includes(topic)
    const spec = { topic, numPartitions, config, ...(replicationFactor === undefined ? {} : { replicationFactor }) }
    await admin.createTopics({ topics: [spec], ifNotExists })
    if (existed) process.stderr.write(`Topic ${topic} already exists.\n`)
    else out.write(`Created topic ${topic}.`)
    return 0
  }
}

const list: Action = (flags, out) => {
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  return async (admin) => {
    const topics = (await admin.listTopics()).sort()
    for (const topic of topics) out.write(format === 'json' ? JSON.stringify({ topic }) : topic)
    return 0
  }
}

const describe: Action = (flags, out) => {
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  const named = flags.string('topic')
  return async (admin) => {
    const topics = named === undefined ? (await admin.listTopics()).sort() : [named]
    if (topics.length === 0) return 0
    for (const described of await admin.describeTopics({ topics, includeReplicas: true })) {
      if (format === 'json') out.write(JSON.stringify(described))
      else for (const line of describeLines(described)) out.write(line)
    }
    return 0
  }
}

/**
 * kafka-topics.sh --describe's layout: a topic line (with the replication factor), then a
 * tab-indented line per partition: its leader (`none` when offline, as Kafka prints it; JSON keeps
 * -1), replicas and in-sync replicas, then faecie's offsets and size, as its leader tells them
 * (-1 when no leader can).
 */
export function describeLines(described: DescribedTopic): string[] {
  const partitions = described.partitions ?? []
  const config = Object.entries(described.config ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')
  const replicationFactor = Math.max(0, ...partitions.map((p) => p.replicas?.length ?? 0))
  const factor = replicationFactor > 0 ? `\tReplicationFactor: ${replicationFactor}` : ''
  const lines = [`Topic: ${described.topic}\tTopicId: ${described.topicId ?? '-'}\tPartitionCount: ${partitions.length}${factor}\tConfigs: ${config}`]
  for (const p of partitions) {
    const replicas = p.leader === undefined ? '' : `\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${(p.replicas ?? []).join(',')}\tIsr: ${(p.isr ?? []).join(',')}`
    lines.push(`\tTopic: ${described.topic}\tPartition: ${p.partition}${replicas}\tLogStartOffset: ${p.logStartOffset}\tHighWatermark: ${p.highWatermark}\tLogEndOffset: ${p.logEndOffset}\tSize: ${p.sizeBytes}`)
  }
  return lines
}

const alter: Action = (flags) => {
  const topic = flags.requiredString('topic')
  const config: Record<string, string | null> = flags.keyValues('config')
  for (const key of flags.strings('delete-config')) config[key] = null
  const partitions = flags.integer('partitions', 1)
  if (Object.keys(config).length === 0 && partitions === undefined) {
    throw new UsageError('topics alter needs --config k=v, --delete-config k or --partitions N')
  }
  return async (admin) => {
    // Check the topic first: the answer to a wrong partition count should not be the first news of a typo.
    const [described] = await admin.describeTopics({ topics: [topic] })
    if (partitions !== undefined) {
      const count = described?.partitions?.length ?? 0
      if (partitions < count) throw new CommandError(`${topic} has ${count} partitions: the count can only grow`)
      if (partitions > count) await admin.createPartitions({ topicPartitions: [{ topic, count: partitions }] })
    }
    if (Object.keys(config).length > 0) await admin.alterTopicConfig({ topic, config })
    process.stderr.write(`Altered topic ${topic}.\n`)
    return 0
  }
}

const remove: Action = (flags) => {
  const topic = flags.requiredString('topic')
  const ifExists = flags.bool('if-exists')
  return async (admin) => {
    if (ifExists && !(await admin.listTopics()).includes(topic)) {
      process.stderr.write(`Topic ${topic} does not exist.\n`)
      return 0
    }
    await admin.deleteTopics({ topics: [topic] })
    process.stderr.write(`Deleted topic ${topic}.\n`)
    return 0
  }
}

const ACTIONS: Record<string, Action> = { create, list, describe, alter, delete: remove, 'delete-records': deleteRecords }
