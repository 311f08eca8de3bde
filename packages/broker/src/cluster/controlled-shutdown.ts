// Controlled shutdown (Kafka's controlled.shutdown.enable, KRaft's enterControlledShutdown): on
// SIGTERM a cluster broker first hands its work to the others, then stops as before.
//
//   1. it sets `shuttingDown: true` in its own registration (brokers/<id>, a compare-and-swap under
//      its lease: cluster-member.ts markShuttingDown);
//   2. the controller sees the flag (controller-decisions.ts): each partition this broker leads gets
//      a new leader from the other live ISR members (new leader epoch), and it leaves every ISR that
//      has another live member not shutting down; leaders no longer add it to an ISR (the leader
//      role's isrIneligible, the ISR writer's refusal);
//   3. it waits, on the watched cluster state (every change re-checks; no polling), until etcd names
//      it leader of nothing another broker could lead and holds it in no ISR the controller would
//      take it out of, or until `timeoutMs` has passed on the injected clock. A partition whose only
//      live, eligible ISR member it is (an RF 1 topic, or the last broker of a cluster stopping) has
//      nowhere to go: it stays led here until the stop, and then goes offline (leader -1, its ISR
//      kept) until this broker is back, as KRaft's controlled shutdown leaves such a partition;
//      waiting for it would only delay every such stop by the whole timeout;
//   4. the broker stops as before (cluster-runtime.ts stop(): the lease revoked, the controller
//      removes what is left).
// Throughout it serves: its leaders answer until the reconciler makes them followers, and a client
// told NOT_LEADER_OR_FOLLOWER retries at the new leader, so a rolling restart fails no request that
// the client retries. The flag lives only as long as the process: a restarted broker registers anew
// without it. A failure to set the flag (etcd unreachable) is logged and the broker stops at once.
import type { Logger } from '../log.js'
import type { MonotonicClock } from './broker-session.js'
import type { ClusterState } from './cluster-state.js'
import type { WatchedClusterState } from './controller.js'

/** Default of --controlled-shutdown-timeout-ms (Kafka retries controlled shutdown for about as long). */
export const CONTROLLED_SHUTDOWN_TIMEOUT_MS_DEFAULT = 30_000

export interface ControlledShutdownOptions {
  brokerId: number
  member: { markShuttingDown(): Promise<boolean> }
  watch: WatchedClusterState
  clock: MonotonicClock
  timeoutMs: number
  logger: Logger
}

export interface ControlledShutdownResult {
  /** Partitions etcd still named this broker leader of when the wait ended, that another broker could lead. */
  leaderships: number
  timedOut: boolean
}

/**
 * What the controller still has to move off `brokerId`: partitions it leads that another live broker
 * of the ISR (not shutting down) could lead, and ISR seats it would take away; `stranded`: partitions
 * it leads that no other broker can (they wait for it to come back).
 */
export function remainingWork(state: ClusterState, brokerId: number): { leaderships: number; isrSeats: number; stranded: number } {
  let leaderships = 0
  let isrSeats = 0
  let stranded = 0
  const eligible = (id: number): boolean => id !== brokerId && state.brokers.has(id) && state.brokers.get(id)?.shuttingDown !== true
  for (const [topic, partitions] of state.partitions) {
    // The controller leaves partitions of a topic being created or deleted alone (controller.ts): so does the wait.
    if (!state.topics.has(topic)) continue
    for (const { value } of partitions.values()) {
      const movable = value.isr.some(eligible)
      if (value.leader === brokerId) {
        if (movable) leaderships++
        else stranded++
      } else if (value.isr.includes(brokerId) && movable) isrSeats++
    }
  }
  return { leaderships, isrSeats, stranded }
}

/** Marks the broker shutting down and waits until its leaderships have moved, or `timeoutMs`. Never rejects. */
export async function controlledShutdown(o: ControlledShutdownOptions): Promise<ControlledShutdownResult> {
  const { brokerId, watch, clock, logger, timeoutMs } = o
  const startedMs = clock.now()
  let timer: unknown
  let onChange: (() => void) | undefined
  const left = (): ControlledShutdownResult & { isrSeats: number; stranded: number } => ({ ...remainingWork(watch.state, brokerId), timedOut: false })
  try {
    const timedOut = new Promise<'timeout'>((resolve) => { timer = clock.setTimeout(() => resolve('timeout'), timeoutMs) })
    const marked = await Promise.race([o.member.markShuttingDown(), timedOut]).catch((err: unknown) => {
      logger.warn({ err }, 'controlled shutdown: could not mark this broker shutting down in etcd; stopping at once')
      return 'failed' as const
    })
    if (marked === 'failed') return { leaderships: left().leaderships, timedOut: false }
    if (marked === 'timeout') return { leaderships: left().leaderships, timedOut: true }
    logger.info({ brokerId, marked, ...left(), timeoutMs }, 'controlled shutdown: waiting for leaderships to move to other brokers')
    const done = new Promise<'done'>((resolve) => {
      onChange = () => {
        const now = left()
        if (now.leaderships === 0 && now.isrSeats === 0) resolve('done')
      }
      watch.on('change', onChange)
      onChange()
    })
    const outcome = await Promise.race([done, timedOut])
    const result = { leaderships: left().leaderships, timedOut: outcome === 'timeout' }
    if (result.timedOut) logger.warn({ ...left(), timeoutMs }, 'controlled shutdown: timed out; stopping with leaderships no other broker could take')
    else logger.info({ waitedMs: Math.round(clock.now() - startedMs), stranded: left().stranded }, 'controlled shutdown: this broker leads nothing another broker could lead; stopping')
    return result
  } finally {
    clock.clearTimeout(timer)
    if (onChange !== undefined) watch.off('change', onChange)
  }
}
