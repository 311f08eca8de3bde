// fdatasync timing on the partition threads. A partition thread builds its disk as a TimedRealDisk:
// every fdatasync (the synchronous one of flush `always` / `interval` and closing, and the pipelined
// one off the thread, which includes opening and closing its own fd) records its duration into an
// FsyncRecorder. Once per `FSYNC_REPORT_MS` the thread posts what was recorded as one `fsyncs`
// message to the main thread (nothing when there was no fsync), where BrokerMetrics observes each
// duration into the fsync histogram. No message per record or per fsync; at most
// `FSYNC_OBSERVATIONS_MAX` durations per report, the rest counted as dropped.
import { performance } from 'node:perf_hooks'
import { RealDisk } from '../storage/real-disk.js'
import type { Fd } from '../storage/disk.js'

export const FSYNC_REPORT_MS = 1000
export const FSYNC_OBSERVATIONS_MAX = 10_000

/** What a partition thread reports: durations in seconds, and how many were left out (over the cap). */
export interface FsyncReport {
  seconds: number[]
  dropped: number
}

export class FsyncRecorder {
  readonly #max: number
  #seconds: number[] = []
  #dropped = 0

  constructor(observationsMax = FSYNC_OBSERVATIONS_MAX) {
    this.#max = observationsMax
  }

  record(seconds: number): void {
    if (this.#seconds.length < this.#max) this.#seconds.push(seconds)
    else this.#dropped++
  }

  /** What was recorded since the last take, or undefined when nothing was. */
  take(): FsyncReport | undefined {
    if (this.#seconds.length === 0 && this.#dropped === 0) return undefined
    const report = { seconds: this.#seconds, dropped: this.#dropped }
    this.#seconds = []
    this.#dropped = 0
    return report
  }
}

export class TimedRealDisk extends RealDisk {
  readonly #recorder: FsyncRecorder

  constructor(recorder: FsyncRecorder) {
    super()
    this.#recorder = recorder
  }

  override fdatasync(fd: Fd): void {
    const started = performance.now()
    try {
      super.fdatasync(fd)
    } finally {
      this.#recorder.record((performance.now() - started) / 1000)
    }
  }

  override async fdatasyncFileAsync(path: string): Promise<void> {
    const started = performance.now()
    try {
      await super.fdatasyncFileAsync(path)
    } finally {
      this.#recorder.record((performance.now() - started) / 1000)
    }
  }
}
