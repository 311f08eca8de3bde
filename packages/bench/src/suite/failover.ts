// One failover timing, the same for every system: a producer sends one record at a time (each send
// waits for the one before, acks as the caller's producer is set); after `warmSends` acknowledged
// sends the partition's leader is killed (kill -9) between two sends, and the time runs from the
// kill to the acknowledgement of the first send after it. The old leader is dead by then, so that
// acknowledgement comes from the new leader. A failed send after the kill is sent again after
// `retryPauseMs` (the client's own retries come first); a failed send before the kill ends the run.
// Clock and sleep are parameters (tested with fakes in failover.test.ts).

export interface FailoverOptions {
  /** Sends one record; resolves once it is acknowledged. */
  send(): Promise<unknown>
  /**
   * Called after the warm sends, before the clock starts: finds the leader to kill then, so that a
   * leader that moved during the warm sends is not missed (a killed follower would time nothing).
   */
  beforeKill?(): Promise<void>
  /** Kills the leader (SIGKILL); called once, between two sends. */
  kill(): void | Promise<void>
  /** Acknowledged sends before the kill (connections open, metadata cached). */
  warmSends: number
  /** The run fails when no send is acknowledged this long after the kill (or before it). */
  timeoutMs: number
  /** The pause before a failed send is sent again. */
  retryPauseMs: number
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export interface FailoverTiming {
  /** From the kill to the first acknowledgement after it. */
  failoverMs: number
  /** Sends that failed after the kill (each after the client's own retries). */
  failedSends: number
}

/** Runs the producer, kills the leader, returns the time to the first acknowledgement after it. */
export async function failoverOnce(options: FailoverOptions): Promise<FailoverTiming> {
  if (!(Number.isInteger(options.warmSends) && options.warmSends >= 1)) throw new RangeError('warmSends must be an integer >= 1')
  if (!(options.timeoutMs > 0 && options.retryPauseMs >= 0)) throw new RangeError('timeoutMs must be > 0 and retryPauseMs >= 0')
  const now = options.now ?? (() => performance.now())
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const startMs = now()
  for (let acked = 0; acked < options.warmSends;) {
    if (now() - startMs > options.timeoutMs) throw new Error(`only ${acked} of ${options.warmSends} sends acknowledged before the kill within ${options.timeoutMs} ms`)
    await options.send()
    acked++
  }
  await options.beforeKill?.()
  const killedAtMs = now()
  await options.kill()
  let failedSends = 0
  for (;;) {
    try {
      await options.send()
      return { failoverMs: now() - killedAtMs, failedSends }
    } catch (err) {
      failedSends++
      const waitedMs = now() - killedAtMs
      if (waitedMs > options.timeoutMs) {
        throw new Error(`no send acknowledged within ${Math.round(waitedMs)} ms of the kill (${failedSends} failed; last: ${err instanceof Error ? err.message : String(err)})`)
      }
      await sleep(options.retryPauseMs)
    }
  }
}
