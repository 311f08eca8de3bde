// The replication workload's definition, shared by faecie's and Kafka's sides so that both run the
// same cases: three-broker clusters, 100-byte records to one partition, replication factor 1 and 3
// with acks 1 and all (min.insync.replicas 2 at RF 3, 1 at RF 1; no fsync per record on either:
// faecie flush `never`, Kafka's default), then failover timings with the default broker session
// timeout and with 2 s. Every limit of the workload is here.
import type { SuiteContext } from './context.js'
import { sleep } from './processes.js'

export const REPLICATION = 'replication'
export const CLUSTER_BROKERS = 3
export const RECORD_BYTES = 100

export interface ReplicationCase {
  replicationFactor: 1 | 3
  acks: '1' | 'all'
}

export const REPLICATION_CASES: readonly ReplicationCase[] = [
  { replicationFactor: 1, acks: '1' },
  { replicationFactor: 1, acks: 'all' },
  { replicationFactor: 3, acks: '1' },
  { replicationFactor: 3, acks: 'all' },
]

export const caseVariant = (c: ReplicationCase): string => `RF ${c.replicationFactor}, acks ${c.acks}`

/** min.insync.replicas of a topic of replication factor `rf`: 2 at RF 3 (one broker may be lost), else 1. */
export const minInsyncOf = (rf: number): number => (rf >= 3 ? 2 : 1)

export interface SessionCase {
  /** In the variant's name: `default` or `2 s`. */
  name: string
  /** The broker session timeout to set; the system's default when absent. */
  sessionTimeoutMs?: number
}

export const SESSION_CASES: readonly SessionCase[] = [{ name: 'default' }, { name: '2 s', sessionTimeoutMs: 2_000 }]

export const failoverVariant = (s: SessionCase): string => `failover, ${s.name} session timeout`

/** The defaults each system applies when no session timeout is set (for the report's notes). */
export const DEFAULT_SESSION_TIMEOUT_MS = { faecie: 6_000, kafka: 9_000 } as const

/** Kafka's brokers heartbeat every 2 s by default: under a 2 s session that would fence live brokers. */
export const KAFKA_HEARTBEAT_MS_FOR_SHORT_SESSION = 500

export const FAILOVER = {
  /** Acknowledged sends before the kill. */
  warmSends: 20,
  /** A run fails when nothing is acknowledged this long after the kill. */
  timeoutMs: 60_000,
  /** The pause before a failed send is sent again (after the client's own retries). */
  retryPauseMs: 20,
  /** The clients' own retries during a failover: short waits, so that they add little to the time. */
  clientRetryInitialMs: 50,
  clientRetryMaxMs: 200,
  clientRetries: 1_000,
  clientRequestTimeoutMs: 5_000,
} as const

/** How long a new topic, or a restarted broker, may take to be in sync (leader elected, full ISR). */
export const IN_SYNC_TIMEOUT_MS = 120_000
const POLL_MS = 200

/**
 * Polls `check` until it returns true; it returns (or throws) why not, which the error repeats. An
 * error that `fatal` says no retry can cure ends the wait at once.
 */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<true | string>, fatal: (err: unknown) => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = 'not checked'
  while (Date.now() < deadline) {
    try {
      const answer = await check()
      if (answer === true) return
      last = answer
    } catch (err) {
      if (fatal(err)) throw err
      last = err instanceof Error ? err.message : String(err)
    }
    await sleep(POLL_MS)
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (${last})`)
}

/** Whether a partition's metadata shows a leader and `replicas` in-sync replicas; else why not. */
export function inSync(partition: { leader: number; isr?: number[] } | undefined, replicas: number): true | string {
  if (partition === undefined) return 'no partition 0 in the metadata'
  if (partition.leader < 0) return 'no leader'
  const isr = partition.isr ?? []
  return isr.length >= replicas ? true : `ISR ${isr.join(',') || 'empty'} of ${replicas}`
}

/**
 * Marks what a session case would have measured (the RF / acks cases with the default session, and
 * the failover) as not measured, when its cluster could not be started or failed as a whole.
 */
export function notMeasured(context: SuiteContext, systems: readonly string[], session: SessionCase, err: unknown): void {
  const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 300)
  context.log(`    failed: ${reason}`)
  const variants = [...(session.sessionTimeoutMs === undefined ? REPLICATION_CASES.map(caseVariant) : []), failoverVariant(session)]
  for (const system of systems) {
    for (const variant of variants) {
      const m = context.results.get(REPLICATION, system, variant)
      if (m === undefined || (m.runs.length === 0 && m.notMeasured === undefined)) context.results.fail(REPLICATION, system, variant, reason)
    }
  }
}
