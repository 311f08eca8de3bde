// What every workload is given besides its own options: a way to make a client (one connection per
// producer or consumer) and a bound on the first contact with the broker (the CLI's connect
// timeout), so that a broker that is down ends the run with a clear error instead of a hang.
import type { Faecie } from '@faecie/client'
import type { Progress } from './progress.js'

export interface WorkloadContext {
  /** A new client: each producer and consumer of a run gets its own connection. */
  newClient(): Faecie
  /** Bounds a first request (the one that opens a session) by the connect timeout. */
  connected<T>(work: Promise<T>): Promise<T>
  progress?: Progress
}

/** A promise with its resolve and reject at hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
