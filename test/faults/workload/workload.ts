// The clients of a fault campaign (issue 15). CONTRACT STUB: part D replaces the body.
//
// A Workload runs real @faecie/client producers and consumers against the cluster and records every
// operation into a history (../history/history.ts): produce ops per record, read ops per delivery,
// commit and fetch-committed ops of one consumer group. It never throws at a fault: every failure is
// an op with outcome fail or unknown, and the clients keep going.
import type { FinalLog, Op } from '../history/history.js'

export interface WorkloadOptions {
  /** Every broker's ws:// URL (the clients' bootstrap list). Called again after a restart. */
  urls: () => string[]
  /** Topic the workload creates (RF 3, min.insync.replicas 2) and uses. */
  topic: string
  partitions: number
  /** Monotonic ms of the test process (performance.now), the history's clock. */
  clock: () => number
  /** Sends in flight per producer; default 8. */
  inFlightMax?: number
  /** Records per second per producer at most; default 100. */
  recordsPerSecMax?: number
  /** A client's request timeout; default 5000. */
  requestTimeoutMs?: number
}

export class Workload {
  constructor(readonly options: WorkloadOptions) {}

  /** Creates the topic, waits for its replicas, and starts every client. */
  async start(): Promise<void> {
    throw new Error('Workload: not built yet (issue 15 part D)')
  }

  /** Stops every client and waits until every op it invoked has completed (ok, fail or unknown). */
  async stop(): Promise<void> {
    throw new Error('Workload: not built yet (issue 15 part D)')
  }

  /** Every op recorded so far, in the order they completed. */
  ops(): Op[] {
    return []
  }

  /**
   * After every fault is healed: each partition's whole log, from its log start to its high
   * watermark, read from its leader; waits (bounded) until every partition has a leader and a full ISR.
   */
  async readFinalLogs(): Promise<FinalLog[]> {
    throw new Error('Workload: not built yet (issue 15 part D)')
  }
}
