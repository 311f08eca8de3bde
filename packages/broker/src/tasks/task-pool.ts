// The broker's one piscina pool for background CPU work on files no actor is writing: verifying
// closed segments after a crash, compaction's cleaning. One pool bounds all of it together (by
// default one thread, so background work never crowds producers on a small machine); it starts no
// thread until there is work and lets idle threads go. Each task names its built module.
import { Piscina } from 'piscina'

export interface TaskPoolOptions {
  /** Pool threads at most. */
  threadsMax?: number
  idleTimeoutMs?: number
}

export class TaskPool {
  readonly #pool: Piscina

  constructor(options: TaskPoolOptions = {}) {
    this.#pool = new Piscina({ minThreads: 0, maxThreads: options.threadsMax ?? 1, idleTimeout: options.idleTimeoutMs ?? 5_000 })
  }

  /** Runs the default export of the built module `filename` with `payload` on a pool thread. */
  run<T>(filename: string, payload: unknown): Promise<T> {
    return this.#pool.run(payload, { filename }) as Promise<T>
  }

  async close(): Promise<void> {
    await this.#pool.close()
  }
}
