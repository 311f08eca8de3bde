// The bare path (issue 18), the ceiling of end-to-end latency measured in the same run as faecie's:
// a producer process, a `ws` server that hands each frame to a worker thread and back and sends it to
// a subscriber process (bare-path-server.ts, bare-path-worker.ts, bare-path-peer.ts); no library, no
// storage. At each rate of profile.latencyRates, for as long as faecie's runs at that rate
// (latencyRecordsAt). Part of the `latency` workload, with the disk's fdatasync latency (the bound of
// faecie's flush-always target), timed here in the same run.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import hdr from 'hdr-histogram-js'
import { type PerfResult, perfResult } from '../result.js'
import { measure, type SuiteContext } from '../suite/context.js'
import type { Profile } from '../suite/profile.js'
import { type Started, outputLine, startProcess, tempDir } from '../suite/processes.js'
import { fsyncLatency } from './raw.js'

export const BARE_PATH = 'bare path'
/** The system and variant of the disk's fdatasync latency in the latency workload. */
export const DISK_FSYNC = { system: 'raw disk', variant: 'write 4 KiB + fdatasync' } as const
const RECORD_BYTES = 100
const START_TIMEOUT_MS = 15_000
const WARMUP_SECONDS = 0.5

/** The records of a latency run at `rate`: as many seconds as latencyRecords take at latencyRate. */
export function latencyRecordsAt(profile: Profile, rate: number): number {
  return Math.max(1, Math.round((profile.latencyRecords / profile.latencyRate) * rate))
}

/** Records sent first and not counted, so that fresh processes' JIT is warm: half a second's worth. */
export function latencyWarmupRecordsAt(rate: number): number {
  return Math.round(rate * WARMUP_SECONDS)
}

/** The variant of a latency figure: `rate R` then the case, if any (`rate 5000, push, flush never, 1 process`). */
export function latencyVariant(rate: number, ...caseParts: string[]): string {
  return [`rate ${rate}`, ...caseParts].join(', ')
}

export async function benchBarePath(context: SuiteContext): Promise<void> {
  const { profile } = context
  const here = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url))
  const server = startProcess(process.execPath, [here('bare-path-server.js'), '--port', '0'])
  try {
    const port = Number(await outputLine(server, /listening (\d+)/, 'the bare path\'s server', START_TIMEOUT_MS))
    const url = `ws://127.0.0.1:${port}`
    for (const rate of profile.latencyRates) {
      const records = latencyRecordsAt(profile, rate)
      await measure(context, { workload: 'latency', system: BARE_PATH, variant: latencyVariant(rate) }, async () =>
        (await barePathRun(here('bare-path-peer.js'), url, rate, records, profile.toolTimeoutMs)))
    }
  } finally {
    await server.stop()
  }
  const dir = tempDir('fsync')
  await measure(context, { workload: 'latency', ...DISK_FSYNC }, async () => fsyncLatency(join(dir, 'fsync'), profile.fsyncCount))
}

/** One run: a subscriber process, then a producer process; the subscriber's histogram. */
export async function barePathRun(peer: string, url: string, rate: number, records: number, timeoutMs: number): Promise<Omit<PerfResult, 'recordsPerSec' | 'mbPerSec'>> {
  const args = ['--url', url, '--records', String(records), '--rate', String(rate), '--record-bytes', String(RECORD_BYTES), '--warmup-records', String(latencyWarmupRecordsAt(rate))]
  const subscriber = startProcess(process.execPath, [peer, 'subscriber', ...args])
  let producer: Started | undefined
  try {
    await outputLine(subscriber, /^ready$/m, 'the bare path\'s subscriber', START_TIMEOUT_MS)
    producer = startProcess(process.execPath, [peer, 'producer', ...args])
    const line = await outputLine(subscriber, /^(\{"received".*\})$/m, 'the bare path\'s subscriber', timeoutMs)
    const { received, histogram } = JSON.parse(line) as { received: number; histogram: string }
    // Latency only: the rate is the one asked for (the run's time here includes starting the producer).
    const { recordsPerSec: _, mbPerSec: __, ...latency } = perfResult(received, received * RECORD_BYTES, 1, hdr.decodeFromCompressedBase64(histogram, 32, false))
    return latency
  } finally {
    await Promise.all([subscriber.stop(), producer?.stop()])
  }
}

