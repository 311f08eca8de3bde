// A window of sends in flight, shared by every produce loop of the package (`faecie perf produce`
// and the suite's peers): at most `limit` sends at once; when one is acknowledged, `acknowledged`
// hears how many records it carried and when it was sent (for the latency histogram); the first
// failure stops the loop (it is thrown by `room` or `drain`).
export class SendWindow {
  #inFlight = 0
  #failure: unknown
  #failed = false
  #wake: (() => void) | undefined

  constructor(private readonly limit: number, private readonly acknowledged: (count: number, sentMs: number) => void) {}

  /** True once a send has failed: the loop should stop sending. */
  get failed(): boolean {
    return this.#failed
  }

  /** Tracks a send of `count` records started at `sentMs`. */
  add(send: Promise<unknown>, count: number, sentMs: number): void {
    this.#inFlight++
    send.then(
      () => this.acknowledged(count, sentMs),
      (err: unknown) => {
        if (!this.#failed) this.#failure = err
        this.#failed = true
      },
    ).finally(() => {
      this.#inFlight--
      this.#wake?.()
    })
  }

  /** Resolves once there is room for another send (or a send has failed). */
  async room(): Promise<void> {
    while (this.#inFlight >= this.limit && !this.#failed) await this.#next()
  }

  /** Waits for every send in flight; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#inFlight > 0) await this.#next()
    if (this.#failed) throw this.#failure
  }

  #next(): Promise<void> {
    return new Promise<void>((resolve) => (this.#wake = resolve)).then(() => { this.#wake = undefined })
  }
}
