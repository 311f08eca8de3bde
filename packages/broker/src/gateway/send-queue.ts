// One session's way out: every frame it sends (answers and pushes) goes through here, and here is
// decided what its queue (ws's bufferedAmount: bytes handed to ws and not yet to the kernel) may do:
//
//   queue over sessionQueuedBytesMax, or the broker's total over queuedBytesMax while this queue is
//   not empty                 -> over: the session stops reading requests until the queue drains
//   over for sessionQueuedMsMax                     -> the session must close: send_queue_stalled
//   queue over sessionQueuedBytesHardMax            -> the session must close at once: send_queue_full
//
// A frame may hold a reservation of the read budget (the bytes it carries were read from disk for
// it); the reservation is released once ws has handed the frame to the kernel, or when the session
// closes, whichever comes first. The queue is looked at after every send and every completed send.
import type { WebSocket } from 'ws'
import type { Reservation } from './byte-budget.js'
import type { Limits } from './limits.js'
import type { OutboundBytes } from './outbound.js'

export interface SendQueueEvents {
  /** The queue went over the bound (true: stop reading requests) or back under it (false). */
  overChanged(over: boolean): void
  /** The queue broke a bound the session does not survive. */
  mustClose(reason: 'send_queue_full' | 'send_queue_stalled', detail: string): void
}

type QueueLimits = Pick<Limits, 'sessionQueuedBytesMax' | 'sessionQueuedBytesHardMax' | 'sessionQueuedMsMax'>

export class SendQueue {
  /** What this queue last told the outbound total. */
  #reported = 0
  #over = false
  #overTimer: NodeJS.Timeout | undefined
  #closed = false
  readonly #held = new Set<Reservation>()

  constructor(
    private readonly socket: WebSocket,
    private readonly outbound: OutboundBytes,
    private readonly limits: QueueLimits,
    private readonly events: SendQueueEvents,
  ) {}

  /** Bytes queued on the socket, not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.#closed ? 0 : this.socket.bufferedAmount
  }

  get over(): boolean {
    return this.#over
  }

  /** Sends one frame; `sent` runs once it has been handed to the kernel. */
  send(bytes: Uint8Array, held: Reservation | undefined, sent: () => void): void {
    if (this.#closed) {
      held?.release()
      return
    }
    if (held !== undefined) this.#held.add(held)
    this.socket.send(bytes, { binary: true }, (err) => {
      if (held !== undefined) {
        held.release()
        this.#held.delete(held)
      }
      this.check()
      if (err === undefined || err === null) sent()
    })
    this.check()
  }

  /** Looks at the queue: reports it to the total, and decides over, under or close. */
  check(): void {
    if (this.#closed) return
    const queued = this.socket.bufferedAmount
    this.outbound.queuedChanged(this.#reported, queued)
    this.#reported = queued
    const { sessionQueuedBytesMax, sessionQueuedBytesHardMax, sessionQueuedMsMax } = this.limits
    if (queued > sessionQueuedBytesHardMax) {
      this.events.mustClose('send_queue_full',
        `${queued} bytes queued for sending: over sessionQueuedBytesHardMax (${sessionQueuedBytesHardMax}); the client does not read`)
      return
    }
    const over = queued > sessionQueuedBytesMax || (queued > 0 && this.outbound.overTotal)
    if (over === this.#over) return
    this.#over = over
    if (over) {
      this.#overTimer = setTimeout(() => {
        this.events.mustClose('send_queue_stalled',
          `answers queued over sessionQueuedBytesMax (${sessionQueuedBytesMax}) for ${sessionQueuedMsMax} ms; the client does not read`)
      }, sessionQueuedMsMax)
    } else {
      clearTimeout(this.#overTimer)
    }
    this.events.overChanged(over)
  }

  /** The session closed: every reservation is released and the queue leaves the total, at once. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#overTimer)
    for (const held of this.#held) held.release()
    this.#held.clear()
    this.outbound.queuedChanged(this.#reported, 0)
    this.#reported = 0
  }
}
