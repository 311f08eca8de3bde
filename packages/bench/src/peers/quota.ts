// The `quota` workload (issue 19): a faecie broker of its own with client quotas on the bench's
// client id (security.quotas: produce and fetch at `quotaBytesPerSec` each), and the code of
// `faecie perf produce` / `faecie perf consume` (runProduce, runConsume) run flat out against it: one
// producer of 1 KB records (acks 1, flush never), then one consumer reading them back. The records
// are `quotaSeconds` of the quota's worth, so the run outlasts the quota's 11 s of windows many times:
// a flat-out client moves about 10 s of its quota at once each time the window holding its last burst
// is forgotten (Kafka's sampled rate does the same), so a run ends up to that much early. The figure is
// the observed rate against the quota; the throttle time the broker gave (its
// faecie_quota_throttle_time_ms_total) is kept as a fact to show the quota was what held it.
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { runConsume, runProduce, type WorkloadContext } from '../index.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, within } from '../suite/harness.js'
import { removeTempDir, tempDir } from '../suite/processes.js'
import { startFaecieBroker, workloadContext } from './faecie.js'

export const QUOTA_WORKLOAD = 'quota'
export const QUOTA_SYSTEM = 'faecie'
/** The client id every client of workloadContext() says hello with: the quota is set on it. */
const BENCH_CLIENT_ID = 'faecie-bench'
const RECORD_BYTES = 1024

/** The records of one run: `seconds` of the quota's worth of 1 KB records. */
export function quotaRecords(bytesPerSec: number, seconds: number): number {
  return Math.max(1, Math.round((bytesPerSec * seconds) / RECORD_BYTES))
}

export async function benchQuota(context: SuiteContext): Promise<void> {
  const { profile, results, log } = context
  const quota = profile.quotaBytesPerSec
  const configDir = tempDir('faecie-quota-config')
  const configFile = join(configDir, 'broker.json')
  writeFileSync(configFile, JSON.stringify({ security: { quotas: { clientIds: { [BENCH_CLIENT_ID]: { produceBytesPerSec: quota, fetchBytesPerSec: quota } } } } }))
  const broker = await startFaecieBroker(context.repoRoot, ['--config', configFile])
  results.facts.set('quota.bytesPerSec', quota)
  try {
    const wc: WorkloadContext = workloadContext(broker.url)
    const admin = wc.newClient().admin()
    const records = quotaRecords(quota, profile.quotaSeconds)
    const timeoutMs = profile.toolTimeoutMs
    log(`  broker at ${broker.url}, produce and fetch quotas of ${quota} bytes/s on client id ${BENCH_CLIENT_ID}; ${records} records of ${RECORD_BYTES} bytes per run`)
    const port = new URL(broker.url).port
    const throttledMs = async (): Promise<number> => throttleTimeMs(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
    try {
      for (let run = 0; run < profile.runs; run++) {
        const topic = `bench-quota-${run + 1}`
        await wc.connected(admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] }))
        const before = await throttledMs()
        let produced = false
        await measure(context, { workload: QUOTA_WORKLOAD, system: QUOTA_SYSTEM, variant: 'produce' }, async () => {
          const result = await within(timeoutMs, 'produce over the quota', runProduce({ topic, records, recordBytes: RECORD_BYTES, producers: 1, acks: 1, throughput: -1 }, wc))
          produced = true
          return figuresOf(result)
        }, 1)
        if (produced) {
          await measure(context, { workload: QUOTA_WORKLOAD, system: QUOTA_SYSTEM, variant: 'consume' }, async () =>
            figuresOf(await within(timeoutMs, 'consume over the quota', runConsume({ topic, records, partitions: [0], timeoutMs }, wc))), 1)
        }
        results.facts.set('quota.throttleMs', (results.facts.get('quota.throttleMs') ?? 0) + (await throttledMs()) - before)
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined)
      }
    } finally {
      await admin.disconnect()
    }
  } finally {
    await broker.process.stop()
    removeTempDir(broker.dataDir)
    removeTempDir(configDir)
  }
}

/** The sum of faecie_quota_throttle_time_ms_total over its labels, from a /metrics text. */
export function throttleTimeMs(metrics: string): number {
  let total = 0
  for (const line of metrics.split('\n')) {
    const match = /^faecie_quota_throttle_time_ms_total(?:\{[^}]*\})? (\S+)$/.exec(line)
    if (match !== null) total += Number(match[1])
  }
  return total
}
