// Record values for the load generators: random bytes made once before the run, so that the
// timed loop measures the client and the broker, not the making of values. A pool of distinct
// values (views into one random buffer) keeps compression from flattering the numbers.
import { randomFillSync } from 'node:crypto'

const POOL_VALUES = 1024

export class Payloads {
  private readonly values: Uint8Array[]
  private next = 0

  constructor(readonly recordBytes: number) {
    const pool = new Uint8Array(recordBytes * POOL_VALUES + 1)
    randomFillSync(pool)
    this.values = Array.from({ length: POOL_VALUES }, (_, i) => pool.subarray(i * recordBytes, (i + 1) * recordBytes))
  }

  /** The next value of the pool, in turn. */
  take(): Uint8Array {
    const value = this.values[this.next]!
    this.next = (this.next + 1) % POOL_VALUES
    return value
  }
}
