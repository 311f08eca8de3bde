// A budget of bytes that reads from disk are taken out of before they are made, and given back when
// what they read has left the broker (handed to the socket and flushed) or its session has closed.
// Budgets nest: a session's budget (its share) draws on the broker's (the read budget of all
// sessions together), so a reservation needs room in both.
//
// Reserving waits, first come first served, while the bytes asked for do not fit; a budget with
// nothing reserved always grants (so one read larger than the budget still makes progress, and the
// budget is overshot by at most that one read). A waiter whose signal aborts (its session closed) is
// dropped and its promise rejects with the signal's reason. A reservation is resized once its read
// is known (fetch returns at least one whole batch, which may be larger than asked for) and released
// exactly once; releasing again is a no-op, so every path that ends a read may release.
import { strict as assert } from 'node:assert'

export interface Reservation {
  readonly bytes: number
  /** Sets the reservation to `bytes` (growing is granted at once: the bytes are already read). */
  resize(bytes: number): void
  /** Gives the bytes back; later calls do nothing. */
  release(): void
}

interface Waiter {
  bytes: number
  grant(): void
}

export class ByteBudget {
  #used = 0
  readonly #waiters: Waiter[] = []

  constructor(readonly bytesMax: number, private readonly parent?: ByteBudget) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0, `bad budget ${bytesMax}`)
  }

  /** Bytes reserved now. */
  get used(): number {
    return this.#used
  }

  /** Reservations waiting for room. */
  get waiting(): number {
    return this.#waiters.length
  }

  /** Waits for room for `bytes` here and in every budget above; rejects if `signal` aborts first. */
  async reserve(bytes: number, signal?: AbortSignal): Promise<Reservation> {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, `bad reservation ${bytes}`)
    await this.#take(bytes, signal)
    if (this.parent !== undefined) {
      try {
        await this.parent.#take(bytes, signal)
      } catch (err) {
        this.#give(bytes)
        throw err
      }
    }
    return this.#reservation(bytes)
  }

  /** Takes `bytes` at once when they fit here and above with nobody waiting, else undefined (for callers that refuse rather than wait). */
  tryReserve(bytes: number): Reservation | undefined {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, `bad reservation ${bytes}`)
    if (!this.#fitsNow(bytes) || (this.parent !== undefined && !this.parent.#fitsNow(bytes))) return undefined
    this.#used += bytes
    if (this.parent !== undefined) this.parent.#used += bytes
    return this.#reservation(bytes)
  }

  #fitsNow(bytes: number): boolean {
    return this.#waiters.length === 0 && this.#fits(bytes)
  }

  #fits(bytes: number): boolean {
    return this.#used === 0 || this.#used + bytes <= this.bytesMax
  }

  #take(bytes: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error)
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#used += bytes
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter)
        if (i >= 0) this.#waiters.splice(i, 1)
        reject(signal!.reason as Error)
        this.#grantWaiters()
      }
      const waiter: Waiter = {
        bytes,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          this.#used += bytes
          resolve()
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  #give(bytes: number): void {
    this.#used -= bytes
    assert(this.#used >= 0, `budget released more than it reserved (${this.#used})`)
    this.#grantWaiters()
  }

  #grantWaiters(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) this.#waiters.shift()!.grant()
  }

  #resize(from: number, to: number): void {
    this.#used += to - from
    if (this.parent !== undefined) this.parent.#resize(from, to)
    if (to < from) this.#grantWaiters()
  }

  #reservation(initial: number): Reservation {
    let bytes = initial
    let released = false
    const budget = this
    return {
      get bytes() { return bytes },
      resize(to: number): void {
        assert(Number.isSafeInteger(to) && to >= 0, `bad reservation ${to}`)
        if (released) return
        budget.#resize(bytes, to)
        bytes = to
      },
      release(): void {
        if (released) return
        released = true
        budget.#give(bytes)
        if (budget.parent !== undefined) budget.parent.#give(bytes)
      },
    }
  }
}
