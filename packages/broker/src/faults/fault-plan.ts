// The fault plan of a broker started with `--fault-injection FILE` (issue 15): what its disk and its
// clock do wrong right now. Test harnesses only: the flag is refused when NODE_ENV=production, it is
// a command-line flag only (no --config key can turn it on), and the broker logs a warning at start.
//
// FILE is JSON, rewritten by the nemesis (write a temporary file, then rename it over FILE); every
// thread of the broker (main, coordinator, partition threads) reads it again when its mtime or size
// changes, polling every `faultPollMs`. A missing file is the empty plan. Every key is optional:
//
//   { "fsyncDelayMs": 0,        every fdatasync / fsync of a directory first blocks its thread this long
//     "fsyncError": null,       "EIO": every fdatasync / fsync of a directory fails with EIO
//     "writeError": null,       "ENOSPC" | "EIO": every write (pwrite, append, create, mkdir,
//                               writeFileAtomic) fails with that code
//     "clockOffsetMs": 0 }      Date.now() in every thread of the broker is this far from the real one
//
// A file that does not parse, or a key or value not above, is refused with one warning in the log and
// the plan before it kept (a half-written plan must not clear a fault).

export type FsyncError = 'EIO'
export type WriteError = 'ENOSPC' | 'EIO'

export interface FaultPlan {
  fsyncDelayMs: number
  fsyncError: FsyncError | null
  writeError: WriteError | null
  clockOffsetMs: number
}

export const EMPTY_FAULT_PLAN: FaultPlan = Object.freeze({ fsyncDelayMs: 0, fsyncError: null, writeError: null, clockOffsetMs: 0 })

/** How often each thread checks the file for a new plan. */
export const FAULT_POLL_MS = 50
/** A delay longer than this is refused (a fault plan must not hang a thread for good). */
export const FSYNC_DELAY_MS_MAX = 60_000
/** A clock offset further than this either way is refused (a year: far enough to cross any expiry). */
export const CLOCK_OFFSET_MS_MAX = 365 * 24 * 3_600_000
/** A plan file longer than this is refused unread (a plan is four keys). */
export const FAULT_PLAN_BYTES_MAX = 4096

const FSYNC_ERRORS: readonly FsyncError[] = ['EIO']
const WRITE_ERRORS: readonly WriteError[] = ['ENOSPC', 'EIO']

/** The plan `text` holds, or why it is refused (a message naming the key). */
export function parseFaultPlan(text: string): { ok: true; plan: FaultPlan } | { ok: false; problem: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { ok: false, problem: `not JSON: ${(err as Error).message}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'not a JSON object' }
  const given = value as Record<string, unknown>
  const plan: FaultPlan = { ...EMPTY_FAULT_PLAN }
  for (const [key, v] of Object.entries(given)) {
    switch (key) {
      case 'fsyncDelayMs':
        if (!isIntegerIn(v, 0, FSYNC_DELAY_MS_MAX)) return { ok: false, problem: `fsyncDelayMs must be an integer from 0 to ${FSYNC_DELAY_MS_MAX}, got ${show(v)}` }
        plan.fsyncDelayMs = v
        break
      case 'clockOffsetMs':
        if (!isIntegerIn(v, -CLOCK_OFFSET_MS_MAX, CLOCK_OFFSET_MS_MAX)) {
          return { ok: false, problem: `clockOffsetMs must be an integer from ${-CLOCK_OFFSET_MS_MAX} to ${CLOCK_OFFSET_MS_MAX}, got ${show(v)}` }
        }
        plan.clockOffsetMs = v
        break
      case 'fsyncError':
        if (v !== null && !FSYNC_ERRORS.includes(v as FsyncError)) return { ok: false, problem: `fsyncError must be null or one of ${FSYNC_ERRORS.join(', ')}, got ${show(v)}` }
        plan.fsyncError = v as FsyncError | null
        break
      case 'writeError':
        if (v !== null && !WRITE_ERRORS.includes(v as WriteError)) return { ok: false, problem: `writeError must be null or one of ${WRITE_ERRORS.join(', ')}, got ${show(v)}` }
        plan.writeError = v as WriteError | null
        break
      default:
        return { ok: false, problem: `unknown key ${JSON.stringify(key)} (known: fsyncDelayMs, fsyncError, writeError, clockOffsetMs)` }
    }
  }
  return { ok: true, plan: Object.freeze(plan) }
}

function isIntegerIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
}

function show(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 64) ?? String(v)
}

/** Whether `plan` injects nothing. */
export function isEmptyFaultPlan(plan: FaultPlan): boolean {
  return plan.fsyncDelayMs === 0 && plan.fsyncError === null && plan.writeError === null && plan.clockOffsetMs === 0
}
