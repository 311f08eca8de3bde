// `faecie consume`: a topic's records on stdout, one line each, like kafka-console-consumer. It reads
// every partition of the topic (or the one --partition names) with a group-less consumer from the
// end, the beginning, or a given offset, and follows the topic until --max-messages records have
// been printed, --timeout-ms passed with no new record (both exit 0), Ctrl-C, or the reader of
// stdout goes away. With --group it is a member of that consumer group instead: it reads the
// partitions the group gives it, from the group's committed offsets, and commits as it goes (every
// second, and on exit). The consumer's stream reads ahead only as far as its bounded buffer and waits
// while stdout is backed up, so memory stays bounded however fast the topic grows.
import type { ConsumedMessage, PartitionAssignment } from '@faecie/client'
import { FIELD_ENCODINGS } from '@faecie/protocol'
import { COMMON_USAGE, type Flags, UsageError, parseFlags, parseInteger, propertyFlag, unescapeSeparator } from '../args.js'
import { STEADY_RETRY, clientFor, partitionsOf, targetOf } from '../connect.js'
import { type JsonEncodings, TEXT_DEFAULTS, type TextOptions, formatJson, formatRaw, formatText } from '../format.js'
import type { LineWriter } from '../output.js'

export const CONSUME_USAGE = `Usage: faecie consume --topic T [options]

Prints the topic's records on stdout, one per line, and follows it for new ones.

  --topic T                 the topic
  --group G                 read as a member of consumer group G, from its committed offsets
                            (--from-beginning: where it has none), committing as it goes
  --session-timeout-ms MS   with --group: the member's session timeout (default the broker's)
  --from-beginning          start at each partition's first record (default: only new records)
  --partition P             read only partition P (default: every partition of the topic)
  --offset O                with --partition: start at offset O, or at earliest or latest
  --max-messages N          exit after N records
  --timeout-ms MS           exit once MS pass without a new record
  --format text|json|raw    text (default): the value, with what --print-* adds, for people
                            (bytes that are not UTF-8 show as U+FFFD);
                            json: {topic, partition, offset, timestamp, key, keyEncoding, value,
                            valueEncoding, headers: [{key, value}]}, no byte ever replaced;
                            raw: the value's bytes as stored, then a newline
  --key-encoding E          json: the key as string (default), json, base64 or hex; a key that
                            is not UTF-8 (or not JSON) comes as base64, and keyEncoding says so
  --value-encoding E        json: the value likewise (default string)
  --header-encoding E       json: header values likewise (default string); a header that does
                            not fit says so in its own valueEncoding
  --print-key               text: print the key, then --key-separator, before the value
  --print-offset            text: print Offset:O before the record
  --print-partition         text: print Partition:P before the record
  --print-timestamp         text: print CreateTime:MS before the record
  --print-headers           text: print the headers (k:v,k2:v2, or NO_HEADERS) before the key
  --key-separator S         text: what follows the key (default a tab; \\t is understood)
  --property name=value     kafka-console-consumer's: print.key, print.offset, print.partition,
                            print.timestamp, print.headers (=true|false), key.separator,
                            headers.separator (default ,), headers.key.separator (default :)

Without --max-messages or --timeout-ms it runs until Ctrl-C.

${COMMON_USAGE}`

const OPTIONS = {
  topic: { type: 'string' },
  group: { type: 'string' },
  'session-timeout-ms': { type: 'string' },
  'from-beginning': { type: 'boolean' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'max-messages': { type: 'string' },
  'timeout-ms': { type: 'string' },
  format: { type: 'string' },
  'print-key': { type: 'boolean' },
  'print-offset': { type: 'boolean' },
  'print-partition': { type: 'boolean' },
  'print-timestamp': { type: 'boolean' },
  'key-separator': { type: 'string' },
  'print-headers': { type: 'boolean' },
  'key-encoding': { type: 'string' },
  'value-encoding': { type: 'string' },
  'header-encoding': { type: 'string' },
  property: { type: 'string', multiple: true },
} as const

/** The --property names kafka-console-consumer's default formatter takes that faecie knows. */
const PROPERTIES = ['print.key', 'print.offset', 'print.partition', 'print.timestamp', 'print.headers', 'key.separator', 'headers.separator', 'headers.key.separator'] as const

/** The text layout from --print-* flags and kafka-console-consumer's --property names alike. */
function textOptions(flags: Flags): TextOptions {
  const properties = flags.properties(PROPERTIES)
  const print = (name: 'key' | 'offset' | 'partition' | 'timestamp' | 'headers'): boolean =>
    flags.bool(`print-${name}`) || (propertyFlag(properties, `print.${name}`) ?? false)
  const separator = (flag: string | undefined, property: string | undefined, fallback: string): string =>
    flag !== undefined ? unescapeSeparator(flag) : property !== undefined ? unescapeSeparator(property) : fallback
  return {
    printKey: print('key'),
    printOffset: print('offset'),
    printPartition: print('partition'),
    printTimestamp: print('timestamp'),
    printHeaders: print('headers'),
    keySeparator: separator(flags.string('key-separator'), properties['key.separator'], TEXT_DEFAULTS.keySeparator),
    headersSeparator: separator(undefined, properties['headers.separator'], TEXT_DEFAULTS.headersSeparator),
    headersKeySeparator: separator(undefined, properties['headers.key.separator'], TEXT_DEFAULTS.headersKeySeparator),
  }
}

export async function consumeCommand(argv: string[], out: LineWriter): Promise<number> {
  const flags = parseFlags(argv, OPTIONS)
  if (flags.bool('help')) {
    out.write(CONSUME_USAGE)
    return 0
  }
  const topic = flags.requiredString('topic')
  const partition = flags.integer('partition', 0)
  const offsetText = flags.string('offset')
  if (offsetText !== undefined && partition === undefined) throw new UsageError('--offset needs --partition')
  if (offsetText !== undefined && flags.bool('from-beginning')) throw new UsageError('--offset and --from-beginning exclude each other')
  const offset = offsetText === undefined || offsetText === 'earliest' || offsetText === 'latest' ? undefined : parseInteger(offsetText, '--offset', 0)
  const fromBeginning = flags.bool('from-beginning') || offsetText === 'earliest'
  const groupId = flags.string('group')
  if (groupId !== undefined && (partition !== undefined || offsetText !== undefined)) throw new UsageError('--group excludes --partition and --offset: the group assigns partitions')
  if (groupId === '') throw new UsageError('--group needs a name')
  const sessionTimeoutMs = flags.integer('session-timeout-ms', 1)
  if (sessionTimeoutMs !== undefined && groupId === undefined) throw new UsageError('--session-timeout-ms needs --group')
  const maxMessages = flags.integer('max-messages', 0)
  const timeoutMs = flags.integer('timeout-ms', 1)
  const format = flags.choice('format', ['text', 'json', 'raw'] as const) ?? 'text'
  const text = textOptions(flags)
  const encodings: JsonEncodings = {
    key: flags.choice('key-encoding', FIELD_ENCODINGS) ?? 'string',
    value: flags.choice('value-encoding', FIELD_ENCODINGS) ?? 'string',
    header: flags.choice('header-encoding', FIELD_ENCODINGS) ?? 'string',
  }
  for (const name of ['key-encoding', 'value-encoding', 'header-encoding']) {
    if (flags.has(name) && format !== 'json') throw new UsageError(`--${name} needs --format json`)
  }
  const print = format === 'json' ? (m: ConsumedMessage) => formatJson(m, encodings)
    : format === 'raw' ? formatRaw
    : (m: ConsumedMessage) => formatText(m, text)

  const target = targetOf(flags)
  const faecie = clientFor(target)
  const partitions = await partitionsOf(faecie, target, topic, partition)
  if (maxMessages === 0) return 0
  // autoOffsetReset decides where a partition without an offset starts, and where one whose offset
  // is out of range (before the log start, past the end) goes, as auto.offset.reset does in Kafka.
  const autoOffsetReset = fromBeginning ? 'earliest' : 'latest'
  let crash: unknown
  let consumer: { stream(): AsyncGenerator<ConsumedMessage, void, undefined>; disconnect(): Promise<void> }
  if (groupId !== undefined) {
    const member = faecie.consumer({ groupId, autoOffsetReset, retry: STEADY_RETRY, autoCommitIntervalMs: 1_000, ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }) })
    // A member that crashes leaves the group and ends its stream; the command then fails with the error.
    member.on('crash', (err) => void (crash ??= err))
    await member.subscribe({ topics: [topic] })
    consumer = member
  } else {
    const reader = faecie.consumer({ autoOffsetReset, retry: STEADY_RETRY })
    const assignments: PartitionAssignment[] = partition === undefined
      ? partitions.map((p) => ({ topic, partition: p }))
      : [offset === undefined ? { topic, partition } : { topic, partition, offset }]
    reader.assign(assignments)
    consumer = reader
  }

  let printed = 0
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  const stop = (): void => {
    clearTimeout(idleTimer)
    void consumer.disconnect()
  }
  const armIdleTimer = (): void => {
    if (timeoutMs === undefined) return
    clearTimeout(idleTimer)
    idleTimer = setTimeout(stop, timeoutMs)
  }
  let signals = 0
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130)
    stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  out.onClose(stop)
  armIdleTimer()
  try {
    for await (const message of consumer.stream()) {
      // No idle timeout while stdout is backed up: a slow reader is not a quiet topic.
      clearTimeout(idleTimer)
      const backedUp = out.write(print(message))
      printed++
      if (maxMessages !== undefined && printed >= maxMessages) break
      if (backedUp !== undefined) await backedUp
      if (out.closed) break
      armIdleTimer()
    }
  } finally {
    clearTimeout(idleTimer)
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    await consumer.disconnect()
  }
  process.stderr.write(`Processed a total of ${printed} messages\n`)
  if (crash !== undefined) throw crash
  return 0
}
