// kafkajs (npm, unchanged) for the tests of the broker's Kafka listener: its compression codecs,
// a client whose log lines are kept for failure messages, and a bounded disconnect for cleanup.
// Every batch header field the tests check is read from the partition's segment files.
//
// Codecs: GZIP is kafkajs's own. Snappy is `kafkajs-snappy` (snappyjs, pure JS) and LZ4
// `@2l/kafkajs-lz4` (lz4-napi, whose binary comes in an npm package), both published kafkajs codecs.
// No published kafkajs ZSTD codec installs from npm alone (`@kafkajs/zstd` builds cppzst with
// node-gyp, `@sensejs/kafkajs-zstd-support` fetches zstd-napi's binary from outside npm), so ZSTD is
// the reference zstd library compiled to wasm (`@bokuweb/zstd-wasm`) behind kafkajs's codec
// interface (compress(encoder) / decompress(buffer)), the few lines below.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { init as zstdInit, compress as zstdCompress, decompress as zstdDecompress } from '@bokuweb/zstd-wasm'
import { CompressionCodecs, CompressionTypes, Kafka, logLevel, type LogEntry } from 'kafkajs'

/** kafkajs's codec interface: compress(encoder) and decompress(buffer), both async. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}
// Both codec packages are CommonJS without types for ESM (kafkajs-snappy has none at all).
const require = createRequire(import.meta.url)
const snappyCodec = require('kafkajs-snappy') as () => KafkajsCodec
const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: () => KafkajsCodec }

/** zstd's default level, as Kafka's producer uses. */
const ZSTD_LEVEL = 3
/** The kafkajs log lines kept per client (the last ones), for failure messages. */
const LOG_LINES_KEPT = 300

let codecsRegistered = false

/** Registers the Snappy, LZ4 and ZSTD codecs with kafkajs (once per test process). */
export async function registerKafkajsCodecs(): Promise<void> {
  if (codecsRegistered) return
  await zstdInit()
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
  CompressionCodecs[CompressionTypes.ZSTD] = (): KafkajsCodec => ({
    compress: async (encoder) => Buffer.from(zstdCompress(encoder.buffer, ZSTD_LEVEL)),
    decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
  })
  codecsRegistered = true
}

export interface LoggedKafka {
  kafka: Kafka
  /** kafkajs's log lines at INFO and above, oldest first (the last LOG_LINES_KEPT). */
  logs: string[]
}

/** A kafkajs client of `bootstrap` that keeps its log lines instead of printing them. */
export function loggedKafka(bootstrap: string, clientId: string): LoggedKafka {
  const logs: string[] = []
  const kafka = new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.INFO,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log
      logs.push(`${entry.label} ${entry.namespace}: ${message} ${JSON.stringify(rest)}`)
      if (logs.length > LOG_LINES_KEPT) logs.shift()
    },
  })
  return { kafka, logs }
}

/** Runs `close` but gives up waiting after `timeoutMs` (cleanup must not hang on a broken broker). */
export async function boundedClose(close: () => Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    close().catch(() => undefined),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) }),
  ])
  clearTimeout(timer)
}

export interface StoredBatch {
  baseOffset: number
  records: number
  /** Attributes bits 0-2. */
  compression: number
  producerId: bigint
  producerEpoch: number
  baseSequence: number
}

/**
 * The header of every batch a partition stores, in offset order, from its segment files (RecordBatch
 * v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc int32,
 * attributes int16 @21, lastOffsetDelta int32 @23, two timestamps, producerId int64 @43,
 * producerEpoch int16 @51, baseSequence int32 @53, records count int32 @57).
 */
export function storedBatches(dataDir: string, topic: string, partition: number): StoredBatch[] {
  const dir = join(dataDir, `${topic}-${partition}`)
  const batches: StoredBatch[] = []
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(join(dir, name))
    for (let at = 0; at + 61 <= bytes.length;) {
      const length = bytes.readInt32BE(at + 8)
      if (length <= 0) break
      batches.push({
        baseOffset: Number(bytes.readBigInt64BE(at)),
        records: bytes.readInt32BE(at + 57),
        compression: bytes.readInt16BE(at + 21) & 7,
        producerId: bytes.readBigInt64BE(at + 43),
        producerEpoch: bytes.readInt16BE(at + 51),
        baseSequence: bytes.readInt32BE(at + 53),
      })
      at += 12 + length
    }
  }
  return batches
}
