// The release gate of a group shard's answers (group-shard.ts): appends are numbered 1, 2, ... in
// the order they are sent and may resolve in any order; an answer waiting at barrier n is released
// once every append 1..n has resolved. Waiters are released in the order they waited (their barriers
// never decrease), so answers come out in op order. After failAll every waiter, present and later,
// is rejected.
import { strict as assert } from 'node:assert'

interface Waiter {
  seq: number
  resolve: () => void
  reject: (err: Error) => void
}

export class ShardBarrier {
  /** Every append 1..resolvedThrough has resolved. */
  #resolvedThrough = 0
  /** Appends past resolvedThrough that resolved early (out of order). */
  readonly #resolvedAhead = new Set<number>()
  readonly #waiters: Waiter[] = []
  #head = 0
  #failed: Error | undefined

  get resolvedThrough(): number {
    return this.#resolvedThrough
  }

  get waiting(): number {
    return this.#waiters.length - this.#head
  }

  /** Resolves once appends 1..seq have all resolved; rejects if the barrier failed first. */
  wait(seq: number): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed)
    const last = this.#waiters[this.#waiters.length - 1]
    assert(this.waiting === 0 || last!.seq <= seq, `barrier ${seq} after barrier ${last?.seq}: waits must not go back`)
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject })
      this.#release()
    })
  }

  /** Append `seq` resolved (committed). */
  resolved(seq: number): void {
    assert(Number.isSafeInteger(seq) && seq > this.#resolvedThrough && !this.#resolvedAhead.has(seq), `append ${seq} resolved twice`)
    this.#resolvedAhead.add(seq)
    while (this.#resolvedAhead.delete(this.#resolvedThrough + 1)) this.#resolvedThrough++
    this.#release()
  }

  /** Rejects every waiter, in order, and every later wait. */
  failAll(err: Error): void {
    if (this.#failed !== undefined) return
    this.#failed = err
    const waiters = this.#waiters.splice(this.#head)
    this.#waiters.length = 0
    this.#head = 0
    for (const w of waiters) w.reject(err)
  }

  #release(): void {
    if (this.#failed !== undefined) return
    while (this.#head < this.#waiters.length && this.#waiters[this.#head]!.seq <= this.#resolvedThrough) {
      this.#waiters[this.#head++]!.resolve()
    }
    // Compact the queue now and then so released waiters are not held.
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters.splice(0, this.#head)
      this.#head = 0
    }
    if (this.#head === this.#waiters.length) {
      this.#waiters.length = 0
      this.#head = 0
    }
  }
}
