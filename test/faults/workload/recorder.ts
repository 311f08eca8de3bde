// The workload's op log: every client invokes an op here (its invocation time taken on the history's
// clock) and completes it once (its outcome and completion time). Completed ops are kept in the
// order they completed; ops still in flight are kept apart, so stop() can wait for them (bounded)
// and then close them as `unknown`: a send that never answered may or may not have happened.
//
// After freeze() the log is final: a late answer (a client that kept retrying past the stop) is
// dropped, and no op can be invoked any more. That is what keeps the history closed once the
// campaign reads the final logs.
import type { Op, Outcome } from '../history/history.js'

/** An op as invoked: everything but its times and outcome. */
export type Invoked<T extends Op> = Omit<T, 'invokedMs' | 'completedMs' | 'outcome' | 'error'>

/** One op in flight: complete it exactly once (later calls are ignored). */
export interface PendingOp<T extends Op> {
  readonly invokedMs: number
  ok(fields?: Partial<T>): void
  fail(error: unknown): void
  unknown(error: unknown): void
  end(outcome: Outcome, error: unknown, fields?: Partial<T>): void
  /** The op turned out to be none (an answer that said nothing about it): nothing is recorded. */
  drop(): void
}

/** Ops in flight at most, across the workload: a bound on what a stuck cluster can make it hold. */
export const PENDING_OPS_MAX = 10_000

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
  return String(error)
}

export class OpRecorder {
  private readonly completed: Op[] = []
  private readonly pending = new Set<{ close(error: string): void }>()
  private readonly idleWaiters = new Set<() => void>()
  private frozen = false

  constructor(private readonly clock: () => number) {}

  get isFrozen(): boolean {
    return this.frozen
  }

  get pendingCount(): number {
    return this.pending.size
  }

  /** Every op completed so far, in completion order (a copy). */
  ops(): Op[] {
    return [...this.completed]
  }

  /** An op invoked now; undefined once frozen (nothing may start after the stop). */
  begin<T extends Op>(invoked: Invoked<T>): PendingOp<T> | undefined {
    if (this.frozen) return undefined
    if (this.pending.size >= PENDING_OPS_MAX) throw new Error(`more than ${PENDING_OPS_MAX} ops in flight: a client is not bounding its sends`)
    const invokedMs = this.clock()
    // Set once completed, or closed by freeze(): a late answer after the stop is dropped.
    let done = false
    const entry = {
      close: (error: string): void => finish('unknown', error, undefined),
    }
    const finish = (outcome: Outcome, error: unknown, fields: Partial<T> | undefined): void => {
      if (done) return
      done = true
      this.pending.delete(entry)
      const op = { ...invoked, ...fields, invokedMs, completedMs: this.clock(), outcome } as T
      if (outcome !== 'ok') op.error = errorText(error)
      this.completed.push(op)
      if (this.pending.size === 0) for (const wake of [...this.idleWaiters]) wake()
    }
    this.pending.add(entry)
    return {
      invokedMs,
      ok: (fields) => finish('ok', undefined, fields),
      fail: (error) => finish('fail', error, undefined),
      unknown: (error) => finish('unknown', error, undefined),
      end: (outcome, error, fields) => finish(outcome, error, fields),
      drop: () => {
        if (done) return
        done = true
        this.pending.delete(entry)
        if (this.pending.size === 0) for (const wake of [...this.idleWaiters]) wake()
      },
    }
  }

  /** An op that is over as it starts (a delivery to a consumer): invoked at `invokedMs`, completed now. */
  record<T extends Op>(op: Omit<T, 'completedMs'>): void {
    if (this.frozen) return
    this.completed.push({ ...op, completedMs: this.clock() } as T)
  }

  /** Resolves once no op is in flight, or after `timeoutMs` (false then). */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0) return true
    let timer: ReturnType<typeof setTimeout> | undefined
    let wake!: () => void
    const idle = new Promise<boolean>((resolve) => {
      wake = () => resolve(true)
      this.idleWaiters.add(wake)
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    try {
      return await idle
    } finally {
      clearTimeout(timer)
      this.idleWaiters.delete(wake)
    }
  }

  /** Closes every op still in flight as unknown (`why`), and refuses every op after. */
  freeze(why: string): void {
    for (const entry of [...this.pending]) entry.close(why)
    this.frozen = true
  }
}
