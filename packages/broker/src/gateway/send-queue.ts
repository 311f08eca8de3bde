// One session's way out: every frame it sends (answers and pushes) goes through here, and here is
// decided what its queue (ws's bufferedAmount: bytes handed to ws and not yet to the kernel) may do.
// The session is "over" while its queue is not empty and
//   - the queue is over sessionQueuedBytesMax, or
//   - all sessions together queue more than queuedBytesMax, or
//   - reads wait for room in the read budget (its own share or the broker's): bytes held by answers
//     that have not left are what they wait for.
// While over, the session stops reading requests. Over with no send completing for
// sessionQueuedMsMax (the client does not read), it must close (send_queue_stalled); a queue over
// sessionQueuedBytesHardMax must close at once (send_queue_full). The queue is looked at after every
// send, every completed send, and by the gateway's sweep (gateway-server.ts), since a stalled queue
// has no events of its own.
//
// A frame may hold a reservation of the read budget (the bytes it carries were read from disk for
// it); the reservation is released once ws has handed the frame to the kernel, or when the session
// closes, whichever comes first.
import type { WebSocket } from 'ws'
import type { Reservation } from './byte-budget.js'
import type { Limits } from './limits.js'
import type { SharedPushFrame } from './live-frame.js'
import type { OutboundBytes } from './outbound.js'

export interface SendQueueEvents {
  /** The queue went over the bound (true: stop reading requests) or back under it (false). */
  overChanged(over: boolean): void
  /** The queue broke a bound the session does not survive. */
  mustClose(reason: 'send_queue_full' | 'send_queue_stalled', detail: string): void
  /** True while reads of this session wait for room in the read budget. */
  readsWaiting(): boolean
}

type QueueLimits = Pick<Limits, 'sessionQueuedBytesMax' | 'sessionQueuedBytesHardMax' | 'sessionQueuedMsMax'>

export class SendQueue {
  /** What this queue last told the outbound total. */
  #reported = 0
  #over = false
  /** When a send last completed, or the queue went over, whichever is later. */
  #progressMs = 0
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
    this.socket.send(bytes, { binary: true }, this.#whenSent(held, sent))
    this.check()
  }

  /** Sends a push made once for many sessions (live-frame.ts) as `sub`'s; as send otherwise. */
  sendShared(frame: SharedPushFrame, sub: number, held: Reservation | undefined, sent: () => void): void {
    if (this.#closed) {
      held?.release()
      return
    }
    if (held !== undefined) this.#held.add(held)
    frame.write(this.socket, sub, this.#whenSent(held, sent))
    this.check()
  }

  #whenSent(held: Reservation | undefined, sent: () => void): (err?: Error | null) => void {
    return (err) => {
      this.#progressMs = performance.now()
      if (held !== undefined) {
        held.release()
        this.#held.delete(held)
      }
      this.check()
      if (err === undefined || err === null) sent()
    }
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
    const over = queued > 0 && (queued > sessionQueuedBytesMax || this.outbound.overTotal || this.events.readsWaiting())
    if (over && !this.#over) this.#progressMs = performance.now()
    if (over && performance.now() - this.#progressMs > sessionQueuedMsMax) {
      this.events.mustClose('send_queue_stalled',
        `${queued} bytes queued and none sent for sessionQueuedMsMax (${sessionQueuedMsMax} ms); the client does not read`)
      return
    }
    if (over === this.#over) return
    this.#over = over
    this.events.overChanged(over)
  }

  /** The session closed: every reservation is released and the queue leaves the total, at once. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const held of this.#held) held.release()
    this.#held.clear()
    this.outbound.queuedChanged(this.#reported, 0)
    this.#reported = 0
  }
}
