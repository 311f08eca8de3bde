// The short profile of the fault campaigns (issue 15), inside `pnpm test`: a few fixed seeds, each a
// real campaign (etcd + 3 brokers, each in its own network namespace when the machine allows it, the
// workload's clients, the nemesis) checked by the history checker. A failure prints the report and
// the command that replays the campaign. Seeds that once found a bug stay here, with what they found.
//
// The profile must not pass on a degraded set-up: as root on Linux (CI is root) it requires the netns
// topology and the brokers' --fault-injection; every campaign must have run at least half the kinds
// its seed scheduled, and the cluster must have acknowledged produces on every partition after the
// last fault was healed (it came back, rather than the history going quiet).
import { describe, expect, it } from 'vitest'
import { runCampaign } from './nemesis/campaign.js'

/** Each campaign's length; with set-up, final read and teardown, the profile stays near four minutes. */
const CAMPAIGN_MS = 60_000
/** The workload's topic's partitions (runCampaign's default, said here to check each). */
const PARTITIONS = 3
const SEEDS = [
  1, // the first seed: a mix of kills, pauses and cuts
  // Found two bugs: the nemesis put all three brokers down (a kill while a kill-two's brokers still
  // restarted), and, after an fsync EIO, NOT_LEADER errors and a batch out of retries, the idempotent
  // producer resent batches that had been written under a new producer id: duplicates, out of order.
  20260415,
]
/** Where the full set-up is required: CI runs as root on Linux, where namespaces can be made. */
const FULL_SETUP_REQUIRED = process.platform === 'linux' && process.getuid?.() === 0

describe('fault campaigns (short profile)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: no anomaly`, async () => {
      const lines: string[] = []
      const outcome = await runCampaign({ seed, durationMs: CAMPAIGN_MS, partitions: PARTITIONS, log: (line) => lines.push(line) })
      const message = `${outcome.report}\n\nnemesis log:\n${lines.join('\n')}\n\nreplay: ${outcome.replay}`
      const { setup, history } = outcome
      if (FULL_SETUP_REQUIRED) {
        expect(setup.topology, `root on Linux must get the netns topology, not proxy (${setup.fallbackReason ?? ''})\n${message}`).toBe('netns')
        expect(setup.faultInjection, `the built broker does not take --fault-injection (run pnpm run build)\n${message}`).toBe(true)
      }
      expect(outcome.result.ok, message).toBe(true)
      // A campaign that did nothing proves nothing: at least half the kinds it scheduled ran.
      const scheduled = new Set(outcome.schedule.map((f) => f.kind))
      const ran = new Set(history.faults.map((w) => w.kind))
      expect(scheduled.size, message).toBeGreaterThan(0)
      expect(ran.size * 2, `ran ${[...ran].join(', ')} of ${[...scheduled].join(', ')}\n${message}`).toBeGreaterThanOrEqual(scheduled.size)
      // The replicas were compared too, not only each partition's leader: at least one copy per partition.
      const compared = new Set((history.replicaLogs ?? []).map((r) => r.partition))
      expect(compared.size, `replica copies of partitions [${[...compared].join(', ')}] only were compared\n${message}`).toBe(PARTITIONS)
      // The cluster came back: every partition acknowledged produces sent after the last heal.
      const lastHealMs = Math.max(...history.faults.map((w) => w.endMs))
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const acked = history.ops.some((op) => op.type === 'produce' && op.partition === partition && op.outcome === 'ok' && op.invokedMs > lastHealMs)
        expect(acked, `no produce to partition ${partition} invoked after the last heal (${Math.round(lastHealMs - history.startedMs)} ms) was acknowledged\n${message}`).toBe(true)
      }
    }, 180_000)
  }
})
