// `faecie produce`: one record per line of standard input, like kafka-console-producer. Lines go to
// the producer a chunk of stdin at a time (it batches them; Kafka's partitioner picks partitions by
// key), and stdin is read only while the lines sent and not yet acknowledged stay under a bound:
// a file of any size streams through in bounded memory, at the pace the broker acknowledges.
// The command exits 0 once every line is acknowledged (with --acks 0, once every line is sent),
// and 1 with the error when a line can't be delivered. A first Ctrl-C stops reading and delivers
// what was read; a second exits at once.
import type { AcksOption, CompressionName, Producer } from '@faecie/client'
import { COMMON_USAGE, UsageError, parseFlags, unescapeSeparator } from '../args.js'
import { STEADY_RETRY, clientFor, partitionsOf, targetOf, withinConnectTimeout } from '../connect.js'
import { LineSplitter, splitKey } from '../lines.js'
import type { LineWriter } from '../output.js'

export const PRODUCE_USAGE = `Usage: faecie produce --topic T [options] < lines

Sends each line of standard input as one record.

  --topic T                 the topic (it must exist: faecie topics create --topic T)
  --partition P             send every record to partition P (default: by key, as Kafka does)
  --key-separator S         the text before the first S is the record's key, the rest its value;
                            a line without S has a null key (\\t is understood as a tab)
  --acks 0|1|all            all (default): acknowledged once written, idempotent, no duplicates
                            on retry; 1: once written, without idempotence; 0: not acknowledged
  --compression C           none (default), gzip, lz4, zstd or snappy
  --linger-ms MS            how long a batch waits for more lines (default 5)

${COMMON_USAGE}`

const OPTIONS = {
  topic: { type: 'string' },
  partition: { type: 'string' },
  'key-separator': { type: 'string' },
  acks: { type: 'string' },
  compression: { type: 'string' },
  'linger-ms': { type: 'string' },
} as const

/**
 * The producer's record buffer, and how much of it the lines sent and not yet acknowledged may take
 * (by the producer's own estimate of a record's size, at most RECORD_OVERHEAD_BYTES plus its
 * characters) before stdin is paused. Staying under half the buffer means send() never waits for
 * room: concurrent send() calls that wait for room can resume out of order, and then lines with one
 * key would be appended out of order.
 */
const PRODUCER_BUFFER_BYTES = 64 * 1024 * 1024
const IN_FLIGHT_BYTES_MAX = PRODUCER_BUFFER_BYTES / 2
const RECORD_OVERHEAD_BYTES = 32

interface LineTarget {
  producer: Producer
  topic: string
  partition: number | undefined
  separator: string | undefined
}

export async function produceCommand(argv: string[], out: LineWriter): Promise<number> {
  const flags = parseFlags(argv, OPTIONS)
  if (flags.bool('help')) {
    out.write(PRODUCE_USAGE)
    return 0
  }
  const topic = flags.requiredString('topic')
  const partition = flags.integer('partition', 0)
  const separatorText = flags.string('key-separator')
  const separator = separatorText === undefined ? undefined : unescapeSeparator(separatorText)
  if (separator === '') throw new UsageError('--key-separator must not be empty')
  const acksText = flags.choice('acks', ['0', '1', 'all', '-1'] as const) ?? 'all'
  const acks: AcksOption = acksText === 'all' || acksText === '-1' ? 'all' : acksText === '1' ? 1 : 0
  const compression = flags.choice('compression', ['none', 'gzip', 'lz4', 'zstd', 'snappy'] as const) as CompressionName | undefined
  const lingerMs = flags.integer('linger-ms', 0)
  const target = targetOf(flags)
  // The topic's partition count is looked up once and kept: a send() that has to look it up again
  // (the cache expired) can overtake the sends before it, which would reorder lines with one key.
  const faecie = clientFor(target, { metadataMaxAgeMs: Number.MAX_SAFE_INTEGER })
  let producer: Producer
  try {
    producer = faecie.producer({
      acks,
      idempotent: acks === 'all',
      retry: STEADY_RETRY,
      bufferBytesMax: PRODUCER_BUFFER_BYTES,
      ...(compression === undefined ? {} : { compression }),
      ...(lingerMs === undefined ? {} : { lingerMs }),
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  // An unknown topic or partition is refused before a line is read.
  await partitionsOf(faecie, target, topic, partition)
  try {
    await withinConnectTimeout(target, producer.connect())
    // Nothing to send: this caches the partition count before the lines' sends run concurrently.
    await withinConnectTimeout(target, producer.send({ topic, messages: [] }))
    await sendLines(process.stdin, { producer, topic, partition, separator })
  } finally {
    await producer.disconnect()
  }
  return 0
}

/** Sends every line of `input`; resolves once all are acknowledged, throws the first failure. */
async function sendLines(input: NodeJS.ReadStream, to: LineTarget): Promise<number> {
  const splitter = new LineSplitter()
  let inFlightBytes = 0
  let wakeReader: (() => void) | undefined
  const pending = new Set<Promise<void>>()
  let failure: unknown
  let lines = 0
  let stopping = false

  const submit = (batch: string[]): void => {
    if (batch.length === 0) return
    const messages = batch.map((line) => {
      const { key, value } = splitKey(line, to.separator)
      return to.partition === undefined ? { key, value } : { key, value, partition: to.partition }
    })
    const bytes = batch.reduce((sum, line) => sum + line.length + RECORD_OVERHEAD_BYTES, 0)
    inFlightBytes += bytes
    lines += batch.length
    const done: Promise<void> = to.producer.send({ topic: to.topic, messages }).then(
      () => undefined,
      (err: unknown) => {
        failure ??= err
      },
    ).finally(() => {
      inFlightBytes -= bytes
      pending.delete(done)
      wakeReader?.()
    })
    pending.add(done)
  }

  const onSignal = (): void => {
    if (stopping) process.exit(130)
    stopping = true
    process.stderr.write('faecie produce: stopping; delivering the lines read so far (Ctrl-C again to quit at once)\n')
    input.destroy()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    input.setEncoding('utf8')
    for await (const chunk of input as AsyncIterable<string>) {
      submit(splitter.push(chunk))
      while (inFlightBytes > IN_FLIGHT_BYTES_MAX && failure === undefined) {
        await new Promise<void>((resolve) => (wakeReader = resolve))
        wakeReader = undefined
      }
      if (failure !== undefined) break
    }
  } catch (err) {
    // Destroyed by a signal: the lines read so far are still delivered below.
    if (!stopping) throw err
  }
  if (failure === undefined) submit(splitter.end())
  while (pending.size > 0) await Promise.all([...pending])
  process.removeListener('SIGINT', onSignal)
  process.removeListener('SIGTERM', onSignal)
  if (failure !== undefined) throw failure
  return lines
}
