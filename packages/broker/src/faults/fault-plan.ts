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
