// kcat (librdkafka, Debian's package) against the broker's Kafka listener: metadata (-L), produce
// with keys and headers, consume from the beginning, every compression codec (the stored batches
// keep the codec kcat chose: read from the segment files), and records crossing protocols (kcat
// produces, @faecie/client and the faecie CLI read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin, type ConsumedMessage } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { readMessages } from '../support/client-read.js'
import { runCli } from '../support/cli-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool, storedCompressionCodes } from '../support/kafka-protocol.js'

let broker: BrokerProcess
let faecie: Faecie
let admin: Admin
let kcat: string
let bootstrap: string

beforeAll(async () => {
  kcat = ensureKcat()
  broker = await startBrokerProcess()
  bootstrap = `127.0.0.1:${await kafkaPortOf(broker)}`
  faecie = new Faecie({ brokers: [broker.url], clientId: 'kafka-kcat' })
  admin = faecie.admin()
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

async function kcatRun(args: string[], input = ''): Promise<string> {
  const run = await runTool(kcat, ['-b', bootstrap, ...args], input)
  expect(run.status, `kcat ${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

const readWithClient = (topic: string, count: number): Promise<ConsumedMessage[]> => readMessages(faecie, topic, count)

describe('kcat against the Kafka listener', () => {
  it('-L lists the broker and each topic with its partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-meta', numPartitions: 3 }] })
    const out = await kcatRun(['-L', '-J'])
    const metadata = JSON.parse(out) as { brokers: Array<{ id: number; name: string }>; topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }> }
    expect(metadata.brokers).toEqual([{ id: 0, name: bootstrap }])
    const topic = metadata.topics.find((t) => t.topic === 'kcat-meta')
    expect(topic?.partitions.map((p) => [p.partition, p.leader])).toEqual([[0, 0], [1, 0], [2, 0]])
  })

  it('produces records with keys and headers that kcat, @faecie/client and the faecie CLI read back from the beginning', async () => {
    await admin.createTopics({ topics: [{ topic: 'kcat-rt' }] })
    await kcatRun(['-P', '-t', 'kcat-rt', '-p', '0', '-K', ':', '-H', 'trace=abc', '-H', 'n=1'], 'k1:hello\nk2:world\nk3:again\n')
    const consumed = await kcatRun(['-C', '-t', 'kcat-rt', '-p', '0', '-o', 'beginning', '-e', '-f', '%o %k=%s [%h]\n'])
    expect(consumed.trim().split('\n')).toEqual(['0 k1=hello [trace=abc,n=1]', '1 k2=world [trace=abc,n=1]', '2 k3=again [trace=abc,n=1]'])
    const read = await readWithClient('kcat-rt', 3)
    const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString())
    expect(read.map((m) => [m.offset, text(m.key), text(m.value)])).toEqual([[0, 'k1', 'hello'], [1, 'k2', 'world'], [2, 'k3', 'again']])
    const cli = await runCli(['consume', '--topic', 'kcat-rt', '--from-beginning', '--max-messages', '3', '--print-key', '--key-separator', ':'],
      { env: { FAECIE_BROKER: broker.url } })
    expect(cli.lines).toEqual(['k1:hello', 'k2:world', 'k3:again'])
    expect(Object.entries(read[0]!.headers).map(([key, value]) => [key, text(value as Uint8Array)])).toEqual([['trace', 'abc'], ['n', '1']])
  })

  for (const [codec, code] of [['none', 0], ['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]] as const) {
    it(`keeps kcat's ${codec} batches as they are (compression bits ${code}) and serves them back`, async () => {
      const topic = `kcat-${codec}`
      await admin.createTopics({ topics: [{ topic }] })
      // Records that every codec shrinks even one at a time: librdkafka sends a batch that
      // compression would not make smaller uncompressed.
      const lines = Array.from({ length: 50 }, (_, i) => `record-${i}-${'x'.repeat(1000)}`)
      await kcatRun(['-P', '-t', topic, '-p', '0', '-z', codec], `${lines.join('\n')}\n`)
      const codes = storedCompressionCodes(broker.dataDir, topic, 0)
      expect(codes.length).toBeGreaterThan(0)
      expect(new Set(codes)).toEqual(new Set([code]))
      const consumed = await kcatRun(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n'])
      expect(consumed.trim().split('\n')).toEqual(lines)
    })
  }
})
