// The fault plan as one thread sees it: the file of `--fault-injection FILE` (fault-plan.ts) read
// again whenever its identity (inode, size, mtime) changes, checked every `pollMs` by a timer of the
// thread's own (unref'd: it keeps no thread alive) and on demand (`checkNow`, which a thread blocked in
// an injected fsync delay calls, its timers being stalled). A missing file is the empty plan; a file
// that does not parse, or is longer than FAULT_PLAN_BYTES_MAX, is refused with one warning and the
// plan before it kept. Each thread of the broker has its own watcher: threads share no memory here.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import type { Logger } from '../log.js'
import { EMPTY_FAULT_PLAN, FAULT_PLAN_BYTES_MAX, FAULT_POLL_MS, parseFaultPlan, type FaultPlan } from './fault-plan.js'

/** What FaultyDisk and the clock read: the plan now, and a way to look at the file again at once. */
export interface FaultSource {
  /** The plan in force (as last read). */
  readonly plan: FaultPlan
  /** Counts plan changes, so that a fault is logged once per plan rather than once per call. */
  readonly version: number
  /** Reads the file again if it changed; returns the plan in force. */
  checkNow(): FaultPlan
}

export interface FaultPlanWatcherOptions {
  path: string
  logger: Logger
  pollMs?: number
}

/** The identity of the file's current content: a rename over it, or a rewrite, changes it. */
type Stamp = string

export class FaultPlanWatcher implements FaultSource {
  readonly #path: string
  readonly #logger: Logger
  readonly #pollMs: number
  #plan: FaultPlan = EMPTY_FAULT_PLAN
  #version = 0
  #stamp: Stamp = 'none'
  #timer: NodeJS.Timeout | undefined

  constructor(options: FaultPlanWatcherOptions) {
    this.#path = options.path
    this.#logger = options.logger
    this.#pollMs = options.pollMs ?? FAULT_POLL_MS
  }

  get plan(): FaultPlan {
    return this.#plan
  }

  get version(): number {
    return this.#version
  }

  get path(): string {
    return this.#path
  }

  /** Reads the plan now, then every pollMs until stop. */
  start(): this {
    this.checkNow()
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.checkNow(), this.#pollMs)
      this.#timer.unref()
    }
    return this
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  checkNow(): FaultPlan {
    let stamp: Stamp
    let sizeBytes = 0
    try {
      const st = statSync(this.#path)
      sizeBytes = st.size
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') {
        this.#refuse(`error:${(err as { code?: string }).code}`, `cannot stat the fault plan: ${(err as Error).message}`)
        return this.#plan
      }
      stamp = 'none'
    }
    if (stamp === this.#stamp) return this.#plan
    if (stamp === 'none') {
      this.#apply(stamp, EMPTY_FAULT_PLAN)
      return this.#plan
    }
    if (sizeBytes > FAULT_PLAN_BYTES_MAX) {
      this.#refuse(stamp, `the fault plan is ${sizeBytes} bytes, more than ${FAULT_PLAN_BYTES_MAX}`)
      return this.#plan
    }
    let text: string
    try {
      text = readSmallFile(this.#path)
    } catch (err) {
      // Renamed away between stat and read: the next check sees what replaced it.
      this.#logger.debug({ err, path: this.#path }, 'fault plan unreadable for now')
      return this.#plan
    }
    const parsed = parseFaultPlan(text)
    if (parsed.ok) this.#apply(stamp, parsed.plan)
    else this.#refuse(stamp, parsed.problem)
    return this.#plan
  }

  #apply(stamp: Stamp, plan: FaultPlan): void {
    this.#stamp = stamp
    if (samePlan(plan, this.#plan)) return
    this.#plan = plan
    this.#version++
    this.#logger.warn({ path: this.#path, plan }, 'fault injection: new fault plan in force')
  }

  /** A bad file is refused once (until it changes again); the plan before it stays. */
  #refuse(stamp: Stamp, problem: string): void {
    if (stamp === this.#stamp) return
    this.#stamp = stamp
    this.#logger.warn({ path: this.#path, problem, kept: this.#plan }, 'fault injection: fault plan refused, the previous plan kept')
  }
}

function samePlan(a: FaultPlan, b: FaultPlan): boolean {
  return a.fsyncDelayMs === b.fsyncDelayMs && a.fsyncError === b.fsyncError && a.writeError === b.writeError && a.clockOffsetMs === b.clockOffsetMs
}

/** At most FAULT_PLAN_BYTES_MAX + 1 bytes of the file (a longer one fails to parse or is refused). */
function readSmallFile(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const bytes = Buffer.alloc(FAULT_PLAN_BYTES_MAX + 1)
    let done = 0
    for (let n = -1; n !== 0 && done < bytes.length; done += n) n = readSync(fd, bytes, done, bytes.length - done, done)
    if (done > FAULT_PLAN_BYTES_MAX) throw Object.assign(new Error('fault plan grew past its limit'), { code: 'EFBIG' })
    return bytes.subarray(0, done).toString('utf8')
  } finally {
    closeSync(fd)
  }
}
