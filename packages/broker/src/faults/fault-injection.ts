// `--fault-injection FILE` in one thread of the broker (main, coordinator, each partition thread):
// `startFaultInjection` starts that thread's watcher of the plan (fault-watcher.ts), offsets the
// thread's Date.now by the plan's clockOffsetMs, and wraps the thread's disks in a FaultyDisk. A
// broker without the flag never calls it: no wrapper, no polling, Date.now untouched.
//
// The clock: Date.now is replaced in this thread by one that adds the plan's offset to the real
// time (read at each call, so a new plan moves it at once). Code that took `Date.now` as a function
// after the start (the partition actors' and the coordinator's `clock: Date.now`) gets the offset one;
// performance.now and `new Date()` keep the real time. `stop` puts the real Date.now back.
import type { Logger } from '../log.js'
import type { Disk } from '../storage/disk.js'
import { FaultPlanWatcher, type FaultSource } from './fault-watcher.js'
import { FaultyDisk } from './faulty-disk.js'

export class FaultInjectionRefused extends Error {}

/** Refuses fault injection in production: the reason, or undefined when it may run. */
export function faultInjectionRefusal(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NODE_ENV === 'production'
    ? '--fault-injection is for test harnesses and is refused when NODE_ENV=production'
    : undefined
}

export interface FaultInjection {
  readonly faults: FaultSource
  /** `disk` behind the plan's faults. */
  wrap(disk: Disk): Disk
  /** Stops polling and gives the thread its real Date.now back. */
  stop(): void
}

/** Starts fault injection in this thread from the plan file at `path`. */
export function startFaultInjection(path: string, logger: Logger): FaultInjection {
  const refusal = faultInjectionRefusal()
  if (refusal !== undefined) throw new FaultInjectionRefused(refusal)
  const watcher = new FaultPlanWatcher({ path, logger }).start()
  const restoreClock = installClockOffset(watcher)
  return {
    faults: watcher,
    wrap: (disk) => new FaultyDisk(disk, watcher, logger),
    stop: () => {
      watcher.stop()
      restoreClock()
    },
  }
}

/** Offsets this thread's Date.now by `faults.plan.clockOffsetMs`; returns what undoes it. */
export function installClockOffset(faults: Pick<FaultSource, 'plan'>): () => void {
  const realNow = Date.now
  const offsetNow = (): number => realNow() + faults.plan.clockOffsetMs
  Date.now = offsetNow
  return () => {
    // Only the offset installed here is undone (another installed after it stays).
    if (Date.now === offsetNow) Date.now = realNow
  }
}
