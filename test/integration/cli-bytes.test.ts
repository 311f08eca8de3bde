// The `faecie` CLI with any bytes and with headers, each command a real child process against a real
// broker process, records written and read back by the client to know their exact bytes:
// - consume --format json never replaces a byte: key and value in the encoding asked for (string,
//   json, base64, hex), base64 where the bytes are not UTF-8, with fields that say which; headers
//   [{key, value}];
// - consume --format raw writes the value's bytes as stored;
// - produce --key-encoding / --value-encoding base64|hex take back what consume --format json wrote;
// - produce --header k=v and kafka-console-producer's --property parse.key / parse.headers;
// - consume --property print.key / print.headers / print.partition / print.offset;
// - "Created topic X." on stdout; perf produce --throughput -1; "did you mean" for a mistyped command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli, type CliOptions } from '../support/cli-process.js'

let broker: BrokerProcess
let env: Record<string, string>
let client: Faecie

beforeAll(async () => {
  broker = await startBrokerProcess()
  env = { FAECIE_BROKER: broker.url }
  client = new Faecie({ brokers: [broker.url], clientId: 'cli-bytes-test' })
})

afterAll(async () => {
  await broker?.stop()
})

const faecie = (args: string[], options: CliOptions = {}) => runCli(args, { env, ...options })

/** Runs a command that must succeed; returns its stdout lines. */
async function ok(args: string[], options: CliOptions = {}): Promise<string[]> {
  const result = await faecie(args, options)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.lines
}

/** A command's stdout as bytes (its text would hide what this checks); the command must succeed. */
async function stdoutBytes(args: string[]): Promise<Buffer> {
  const result = await faecie(args)
  if (result.code !== 0) throw new Error(`faecie ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`)
  return result.stdoutBytes
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function readAll(topic: string, count: number): Promise<ConsumedMessage[]> {
  const consumer = client.consumer({ autoOffsetReset: 'earliest' })
  consumer.assign([{ topic, partition: 0, offset: 0 }])
  const out: ConsumedMessage[] = []
  try {
    for await (const m of consumer.stream()) {
      out.push(m)
      if (out.length >= count) break
    }
  } finally {
    await consumer.disconnect()
  }
  return out
}

describe('faecie consume with bytes that are not text', () => {
  const topic = 'binary'
  const records = [
    { key: bytes(0xff, 0x00, 0xfe), value: bytes(0x00, 0x0a, 0xc3, 0x28, 0xff), headers: [{ key: 'raw', value: bytes(0x80, 0x81) }, { key: 'text', value: text('plain') }] },
    { key: text('k'), value: text('{"n":1}'), headers: [{ key: 'dup', value: text('a') }, { key: 'dup', value: text('b') }] },
    { key: null, value: null, headers: [] },
  ]

  beforeAll(async () => {
    expect(await ok(['topics', 'create', '--topic', topic])).toEqual([`Created topic ${topic}.`])
    const producer = client.producer()
    await producer.send({ topic, messages: records })
    await producer.disconnect()
  })

  it('writes JSON with the encoding of every key and value, base64 where the bytes are not UTF-8', async () => {
    const lines = await ok(['consume', '--topic', topic, '--from-beginning', '--max-messages', '3', '--format', 'json'])
    const json = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(json.map(({ timestamp: _, ...rest }) => rest)).toEqual([
      {
        topic, partition: 0, offset: 0, key: '/wD+', keyEncoding: 'base64', value: 'AArDKP8=', valueEncoding: 'base64',
        headers: [{ key: 'raw', value: 'gIE=', valueEncoding: 'base64' }, { key: 'text', value: 'plain' }],
      },
      { topic, partition: 0, offset: 1, key: 'k', keyEncoding: 'string', value: '{"n":1}', valueEncoding: 'string', headers: [{ key: 'dup', value: 'a' }, { key: 'dup', value: 'b' }] },
      { topic, partition: 0, offset: 2, key: null, keyEncoding: 'string', value: null, valueEncoding: 'string', headers: [] },
    ])
    expect(lines.join('\n')).not.toContain('\ufffd')
  })

  it('writes keys, values and headers in the encodings asked for, which give back the exact bytes', async () => {
    const lines = await ok(['consume', '--topic', topic, '--from-beginning', '--max-messages', '2', '--format', 'json',
      '--key-encoding', 'hex', '--value-encoding', 'json', '--header-encoding', 'base64'])
    const [first, second] = lines.map((line) => JSON.parse(line) as { key: string; keyEncoding: string; value: unknown; valueEncoding: string; headers: Array<{ value: string }> })
    expect(first).toMatchObject({ key: 'ff00fe', keyEncoding: 'hex', value: 'AArDKP8=', valueEncoding: 'base64' })
    expect(Buffer.from(first!.key, 'hex')).toEqual(Buffer.from(records[0]!.key!))
    expect(Buffer.from(first!.value as string, 'base64')).toEqual(Buffer.from(records[0]!.value!))
    expect(first!.headers.map((h) => h.value)).toEqual(['gIE=', 'cGxhaW4='])
    expect(second).toMatchObject({ key: '6b', keyEncoding: 'hex', value: { n: 1 }, valueEncoding: 'json' })
  })

  it('writes the values\' bytes as stored with --format raw', async () => {
    const out = await stdoutBytes(['consume', '--topic', topic, '--from-beginning', '--max-messages', '3', '--format', 'raw'])
    expect(out).toEqual(Buffer.concat([Buffer.from(records[0]!.value!), Buffer.from('\n'), Buffer.from('{"n":1}\n'), Buffer.from('\n')]))
  })

  it('refuses an encoding flag without --format json, and an unknown encoding', async () => {
    const raw = await faecie(['consume', '--topic', topic, '--value-encoding', 'hex'])
    expect(raw.code).toBe(2)
    expect(raw.stderr).toContain('--value-encoding needs --format json')
    const unknown = await faecie(['consume', '--topic', topic, '--format', 'json', '--key-encoding', 'utf16'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--key-encoding must be one of string, json, base64, hex')
  })
})

describe('faecie produce with keys and values of any bytes', () => {
  it('takes base64 and hex text, so what consume --format json wrote goes back in byte for byte', async () => {
    const source = 'bytes-source'
    const copy = 'bytes-copy'
    await ok(['topics', 'create', '--topic', source])
    await ok(['topics', 'create', '--topic', copy])
    const values = [bytes(0x00, 0xff, 0x0a, 0xc3, 0x28), bytes(), text('plain text')]
    const producer = client.producer()
    await producer.send({ topic: source, messages: values.map((value, i) => ({ key: bytes(0xfe, i), value })) })
    await producer.disconnect()

    const json = await ok(['consume', '--topic', source, '--from-beginning', '--max-messages', '3', '--format', 'json', '--key-encoding', 'hex', '--value-encoding', 'base64'])
    const lines = json.map((line) => JSON.parse(line) as { key: string; value: string }).map((r) => `${r.key}\t${r.value}`)
    await ok(['produce', '--topic', copy, '--key-separator', '\\t', '--key-encoding', 'hex', '--value-encoding', 'base64'], { stdin: `${lines.join('\n')}\n` })
    const copied = await readAll(copy, 3)
    expect(copied.map((m) => [Buffer.from(m.key!).toString('hex'), Buffer.from(m.value!)])).toEqual(values.map((v, i) => [`fe0${i}`, Buffer.from(v)]))
  })

  it('sends the bytes of each stdin line as they are, UTF-8 or not, split on a separator given as text', async () => {
    const topic = 'bytes-raw-lines'
    await ok(['topics', 'create', '--topic', topic])
    // Lines of non-UTF-8 bytes (0xff 0xfe 0x80, a lone 0xc3), a key separator outside ASCII (é, two
    // bytes in UTF-8), and a UTF-8 value, as `faecie produce < file` would read them.
    const stdin = Buffer.concat([
      bytes(0xff, 0xfe, 0x00, 0x01), Buffer.from('é'), bytes(0x80, 0x61), Buffer.from('\n'),
      Buffer.from('k2é'), bytes(0xc3), Buffer.from('\r\n'),
      Buffer.from('no separator: 日本'), Buffer.from('\n'),
    ])
    await ok(['produce', '--topic', topic, '--key-separator', 'é'], { stdin })
    const read = await readAll(topic, 3)
    expect(read.map((m) => [m.key === null ? null : Buffer.from(m.key).toString('hex'), Buffer.from(m.value!).toString('hex')])).toEqual([
      ['fffe0001', '8061'],
      [Buffer.from('k2').toString('hex'), 'c3'],
      [null, Buffer.from('no separator: 日本').toString('hex')],
    ])
  })

  it('stops at a line that is not in its encoding, naming it, after delivering the lines before it', async () => {
    const topic = 'bytes-bad-line'
    await ok(['topics', 'create', '--topic', topic])
    const result = await faecie(['produce', '--topic', topic, '--value-encoding', 'hex'], { stdin: '6869\nnot hex\n6f6b\n' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('line 2: the value is not hex')
    const [first] = await readAll(topic, 1)
    expect(new TextDecoder().decode(first!.value!)).toBe('hi')
    const admin = client.admin()
    const described = await admin.describeTopics({ topics: [topic] })
    await admin.disconnect()
    expect(described[0]!.partitions[0]!.highWatermark).toBe(1)
  })
})

describe('faecie produce and consume with headers', () => {
  it('adds --header to every record and parses keys and headers with Kafka\'s properties', async () => {
    const topic = 'with-headers'
    await ok(['topics', 'create', '--topic', topic])
    await ok(['produce', '--topic', topic, '--header', 'source=cli', '--header', 'empty=',
      '--property', 'parse.key=true', '--property', 'parse.headers=true', '--property', 'headers.delimiter=|'], {
      stdin: 'trace:t1,flag|user-1\tclicked\nno headers here\n',
    })
    const read = await readAll(topic, 2)
    const plain = (m: ConsumedMessage) => ({
      key: m.key === null ? null : new TextDecoder().decode(m.key),
      value: new TextDecoder().decode(m.value!),
      headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v === null || Array.isArray(v) ? v : new TextDecoder().decode(v)])),
    })
    expect(read.map(plain)).toEqual([
      { key: 'user-1', value: 'clicked', headers: { source: 'cli', empty: '', trace: 't1', flag: null } },
      { key: null, value: 'no headers here', headers: { source: 'cli', empty: '' } },
    ])

    const printed = await ok(['consume', '--topic', topic, '--from-beginning', '--max-messages', '2',
      '--property', 'print.key=true', '--property', 'print.headers=true', '--property', 'print.partition=true', '--property', 'print.offset=true'])
    expect(printed).toEqual([
      'Partition:0\tOffset:0\tsource:cli,empty:,trace:t1,flag:null\tuser-1\tclicked',
      'Partition:0\tOffset:1\tsource:cli,empty:\tnull\tno headers here',
    ])
    const json = await ok(['consume', '--topic', topic, '--from-beginning', '--max-messages', '1', '--format', 'json'])
    expect((JSON.parse(json[0]!) as { headers: unknown }).headers).toEqual([
      { key: 'source', value: 'cli' }, { key: 'empty', value: '' }, { key: 'trace', value: 't1' }, { key: 'flag', value: null },
    ])
  })
})

describe('the command line', () => {
  it('runs perf produce with --throughput -1, as kafka-producer-perf-test takes it', async () => {
    await ok(['topics', 'create', '--topic', 'perf-unlimited'])
    const out = await ok(['perf', 'produce', '--topic', 'perf-unlimited', '--records', '50', '--record-size', '10', '--throughput', '-1'])
    expect((JSON.parse(out[out.length - 1]!) as { records: number }).records).toBe(50)
  })

  it('suggests the command, action or flag a typo meant', async () => {
    const cases: Array<[string[], string]> = [
      [['topcis', 'list'], 'unknown command "topcis" (did you mean "topics"?)'],
      [['topics', 'lsit'], 'unknown action "lsit" (did you mean "list"?)'],
      [['consume', '--topc', 't'], "Unknown option '--topc' (did you mean --topic?)"],
      [['consume', '--topic', 't', '--property', 'print.kye=true'], 'unknown --property print.kye (did you mean "print.key"?)'],
    ]
    for (const [args, message] of cases) {
      const result = await faecie(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain(message)
    }
  })
})
