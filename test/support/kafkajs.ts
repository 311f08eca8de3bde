// kafkajs (npm, unchanged) for the tests of the broker's Kafka listener: its compression codecs,
// a client whose log lines are kept for failure messages, and a bounded disconnect for cleanup.
//
// Codecs: GZIP is kafkajs's own. Snappy is `kafkajs-snappy` (snappyjs, pure JS) and LZ4
// `@2l/kafkajs-lz4` (lz4-napi, whose binary comes in an npm package), both published kafkajs codecs.
// No published kafkajs ZSTD codec installs from npm alone (`@kafkajs/zstd` builds cppzst with
// node-gyp, `@sensejs/kafkajs-zstd-support` fetches zstd-napi's binary from outside npm), so ZSTD is
// the reference zstd library compiled to wasm (`@bokuweb/zstd-wasm`) behind kafkajs's codec
// interface (compress(encoder) / decompress(buffer)), the few lines below.
import { createRequire } from 'node:module'
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
