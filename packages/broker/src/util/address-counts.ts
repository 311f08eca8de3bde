// How many connections (or sessions) each remote address holds open, for the per-address caps of
// the WebSocket gateway, the HTTP server and the Kafka listener. An address is forgotten when its
// count reaches zero, so the map holds only addresses with something open.
export class AddressCounts {
  readonly #counts = new Map<string, number>()

  /** How many `address` holds open now. */
  of(address: string): number {
    return this.#counts.get(address) ?? 0
  }

  /** Counts one more open for `address`; the returned function, called once when it closes, counts it out. */
  open(address: string): () => void {
    this.#counts.set(address, this.of(address) + 1)
    let closed = false
    return () => {
      if (closed) return
      closed = true
      const left = this.of(address) - 1
      if (left > 0) this.#counts.set(address, left)
      else this.#counts.delete(address)
    }
  }
}
