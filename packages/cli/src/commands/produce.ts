// `faecie produce`: one record per line of standard input, like kafka-console-producer. Lines go to
// the producer a chunk of stdin at a time (it batches them; Kafka's partitioner picks partitions by
// key), and stdin is read only while the lines sent and not yet acknowledged stay under a bound:
// a file of any size streams through in bounded memory, at the pace the broker acknowledges.
// The command exits 0 once every line is acknowledged (with --acks 0, once every line is sent),
// and 1 with the error when a line can't be delivered. A first Ctrl-C stops reading and delivers
// what was read; a second exits at once.
import type { AcksOption, CompressionName, Message, Producer } from '@faecie/client'
import { fieldFromText } from '@faecie/protocol'
import { COMMON_USAGE, type Flags, UsageError, parseFlags, propertyFlag, unescapeSeparator } from '../args.js'
import { STEADY_RETRY, clientFor, partitionsOf, targetOf, withinConnectTimeout } from '../connect.js'
import { LineSplitter, parseLine, type LineFormat } from '../lines.js'
import type { LineWriter } from '../output.js'

export const PRODUCE_USAGE = `Usage: faecie produce --topic T [options] < lines

Sends each line of standard input as one record.

  --topic T                 the topic (it must exist: faecie topics create --topic T)
  --partition P             send every record to partition P (default: by key, as Kafka does)
  --key-separator S         the text before the first S is the record's key, the rest its value;
                            a line without S has a null key (\\t is understood as a tab)
  --header k=v              a header on every record (repeatable; k= gives an empty value)
  --key-encoding E          how the key text is written: string (default, UTF-8), base64 or
                            hex, for keys of any bytes (what consume --format json writes)
  --value-encoding E        the value likewise: string (default), base64 or hex
  --property name=value     kafka-console-producer's: parse.key=true (the key comes first, then
                            key.separator, default a tab), parse.headers=true (each line starts
                            with its headers, h1:v1,h2:v2, then headers.delimiter, default a tab;
                            headers.separator default ",", headers.key.separator default ":");
                            a line without the delimiter has no headers of its own
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
  header: { type: 'string', multiple: true },
  property: { type: 'string', multiple: true },
  'key-encoding': { type: 'string' },
  'value-encoding': { type: 'string' },
} as const

// Stdin is read as bytes: each byte becomes one character of a "byte string" (latin1), so lines
// split, keys separate and headers parse on bytes, and a value comes back out as exactly the bytes
// that were read, whether or not they are UTF-8 (kafka-console-producer, too, sends the bytes it
// reads). Separators given on the command line are turned into the same form.

/** `text` as the byte string of its UTF-8 bytes. */
function asByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

/** The bytes a byte string stands for. */
function bytesOf(byteString: string): Uint8Array {
  return Buffer.from(byteString, 'latin1')
}

/** How key and value text from stdin becomes bytes: as read, or base64 / hex decoded. */
const INPUT_ENCODINGS = ['string', 'base64', 'hex'] as const
type InputEncoding = (typeof INPUT_ENCODINGS)[number]

/** A key or value of line `lineNumber` as the bytes its encoding stands for; bad text fails the command. */
function inputField(text: string | null, encoding: InputEncoding, what: string, lineNumber: number): string | Uint8Array | null {
  if (text === null) return null
  if (encoding === 'string') return bytesOf(text)
  try {
    return fieldFromText(text, encoding)
  } catch (err) {
    throw new Error(`line ${lineNumber}: the ${what} is not ${encoding}: ${(err as Error).message}`)
  }
}

/** The --property names of kafka-console-producer's line reader that faecie knows. */
const PROPERTIES = ['parse.key', 'key.separator', 'parse.headers', 'headers.delimiter', 'headers.separator', 'headers.key.separator'] as const

/** How lines become records, from --key-separator and kafka-console-producer's --property names. */
function lineFormat(flags: Flags): LineFormat {
  const properties = flags.properties(PROPERTIES)
  const separator = (name: string, text: string | undefined): string | undefined => {
    if (text === undefined) return undefined
    const value = unescapeSeparator(text)
    if (value === '') throw new UsageError(`${name} must not be empty`)
    return asByteString(value)
  }
  const keySeparatorFlag = separator('--key-separator', flags.string('key-separator'))
  const keySeparatorProperty = separator('--property key.separator', properties['key.separator'])
  const parseKey = keySeparatorFlag !== undefined || (propertyFlag(properties, 'parse.key') ?? false)
  const parseHeaders = propertyFlag(properties, 'parse.headers') ?? false
  return {
    keySeparator: parseKey ? keySeparatorFlag ?? keySeparatorProperty ?? '\t' : undefined,
    headersDelimiter: parseHeaders ? separator('--property headers.delimiter', properties['headers.delimiter']) ?? '\t' : undefined,
    headersSeparator: separator('--property headers.separator', properties['headers.separator']) ?? ',',
    headersKeySeparator: separator('--property headers.key.separator', properties['headers.key.separator']) ?? ':',
  }
}

/** --header k=v flags, in order (a key may repeat, as record headers may). */
function fixedHeaders(flags: Flags): Array<{ key: string; value: string }> {
  return flags.strings('header').map((item) => {
    const at = item.indexOf('=')
    if (at <= 0) throw new UsageError(`--header takes key=value, not ${JSON.stringify(item)}`)
    return { key: item.slice(0, at), value: item.slice(at + 1) }
  })
}

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
  format: LineFormat
  headers: Array<{ key: string; value: string }>
  keyEncoding: InputEncoding
  valueEncoding: InputEncoding
}

export async function produceCommand(argv: string[], out: LineWriter): Promise<number> {
  const flags = parseFlags(argv, OPTIONS)
  if (flags.bool('help')) {
    out.write(PRODUCE_USAGE)
    return 0
  }
  const topic = flags.requiredString('topic')
  const partition = flags.integer('partition', 0)
  const format = lineFormat(flags)
  const headers = fixedHeaders(flags)
  const keyEncoding = flags.choice('key-encoding', INPUT_ENCODINGS) ?? 'string'
  const valueEncoding = flags.choice('value-encoding', INPUT_ENCODINGS) ?? 'string'
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
    await sendLines(process.stdin, { producer, topic, partition, format, headers, keyEncoding, valueEncoding })
  } finally {
    await producer.disconnect()
  }
  return 0
}

/** Sends every line of `input`; resolves once all are acknowledged, throws the first failure. */
async function sendLines(input: NodeJS.ReadStream, to: LineTarget): Promise<number> {
  const splitter = new LineSplitter()
  const fixedHeaderChars = to.headers.reduce((sum, h) => sum + h.key.length + h.value.length + RECORD_OVERHEAD_BYTES, 0)
  let inFlightBytes = 0
  let wakeReader: (() => void) | undefined
  const pending = new Set<Promise<void>>()
  let failure: unknown
  let lines = 0
  let stopping = false

  /** The records of a batch of lines, up to the first line that is not valid in its encoding (that failure is kept). */
  const toMessages = (batch: string[]): Message[] => {
    const messages: Message[] = []
    for (const [i, line] of batch.entries()) {
      const record = parseLine(line, to.format)
      // A line's own headers: keys are text (UTF-8), values the bytes as read.
      const lineHeaders = record.headers.map((h) => ({
        key: Buffer.from(h.key, 'latin1').toString('utf8'),
        value: h.value === null ? null : bytesOf(h.value),
      }))
      const headers = to.headers.length === 0 ? lineHeaders : [...to.headers, ...lineHeaders]
      let key: Message['key']
      let value: Message['value']
      try {
        key = inputField(record.key, to.keyEncoding, 'key', lines + i + 1)
        value = inputField(record.value, to.valueEncoding, 'value', lines + i + 1)
      } catch (err) {
        failure ??= err
        break
      }
      const message: Message = { key, value, ...(headers.length === 0 ? {} : { headers }) }
      messages.push(to.partition === undefined ? message : { ...message, partition: to.partition })
    }
    return messages
  }

  const submit = (lineBatch: string[]): void => {
    if (lineBatch.length === 0) return
    const messages = toMessages(lineBatch)
    const batch = lineBatch.slice(0, messages.length)
    if (batch.length === 0) return
    // A line's own headers are part of its length; the --header ones are added to every record.
    const bytes = batch.reduce((sum, line) => sum + line.length + fixedHeaderChars + RECORD_OVERHEAD_BYTES, 0)
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
    input.setEncoding('latin1')
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
