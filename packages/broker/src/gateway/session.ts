// One WebSocket session: reads frames, checks them, runs each request's op handler and answers it by
// id, as soon as it is done (answers may overtake each other). What it enforces, in this order, with
// the answer each violation gets (docs/protocol.md):
//   a text frame                          close 4000 (the stream is not ours)
//   a frame that is not MessagePack, or has no readable id
//                                         close 4000 with the reason (nothing to answer it to)
//   a frame over frameBytesMax            close 4001 (ws stops reading it at its header: maxPayload)
//   an op this broker does not know       UNKNOWN_OP error frame
//   anything before hello                 HELLO_REQUIRED error frame
//   with --auth scram, anything but saslAuthenticate before a login
//                                         AUTHENTICATION_REQUIRED error frame, then close 4008 (login-gate.ts)
//   a request while shutting down         SHUTTING_DOWN error frame
//   more than inFlightMax requests        TOO_MANY_IN_FLIGHT error frame
//   fields of the wrong type or range     INVALID_REQUEST error frame naming the field
// A produce with acks 0 has no answer and does not count against inFlightMax; instead the session
// stops reading the socket while inFlightMax of them are being written (back-pressure, no error).
// It also stops reading while its answers queue up unsent (send-queue.ts), and its reads from disk
// wait for room in its share of the read budget (sessionQueuedBytesMax, drawn on the broker's).
// Time bounds, each closing the session with a reason: no hello within helloTimeoutMs (4006); no
// request in flight and no subscription for sessionIdleMsMax (4007); a send queue over its bound for
// too long or over the hard bound (4005); with --auth scram, no login within authenticateTimeoutMs of
// hello (4008). Whatever way a session ends, what it held is freed at once:
// reservations released, subscriptions ended, long polls and budget waits aborted.
// Client quotas (security/quota-charge.ts): an answer that takes its principal over a quota carries
// throttleTimeMs, and the socket is then not read for that long (Kafka's KIP-219); nothing fails.
import { encodeFrame, decodeFrame, ErrorCode, errorResponse, FaecieError, OPS, parseOpRequest,
  parseRequestEnvelope, type OpName } from '@faecie/protocol'
import type { WebSocket, RawData } from 'ws'
import type { Logger } from '../log.js'
import { ByteBudget, type Reservation } from './byte-budget.js'
import { REQUEST_ITEM_BYTES, requestItems } from './limits.js'
import { CloseCode, NO_RESPONSE, sessionClosedError, wireError, type Gateway, type OpContext, type SessionHandle } from './context.js'
import { OP_HANDLERS } from './ops/index.js'
import type { PeerSession } from '../replication/peer-session.js'
import type { SessionCloseReason } from './outbound.js'
import type { SharedPushFrame } from './live-frame.js'
import { SendQueue } from './send-queue.js'
import { SessionSubscriptions } from './subscriptions.js'
import { ANONYMOUS_PRINCIPAL } from '../security/gateway-security.js'
import { loginDeadline, loginRefusal, NOT_LOGGED_IN_REASON } from './login-gate.js'
import { chargeRequest, fetchAnswerBytes, ThrottleMute } from '../security/quota-charge.js'
import { clientAddressOf } from '../security/client-address.js'

const CLOSE_REASON_BYTES_MAX = 123

export class Session implements SessionHandle, PeerSession {
  readonly id: number
  readonly logger: Logger
  readonly subscriptions: SessionSubscriptions
  readonly readBudget: ByteBudget
  readonly #gateway: Gateway
  readonly #socket: WebSocket
  readonly #queue: SendQueue
  #hello = false
  /** The broker that opened this session (a broker-to-broker hello), else undefined. */
  #peerBrokerId: number | undefined
  #inFlight = 0
  #acks0InFlight = 0
  /** Bytes of the frames of requests in flight (the memory they hold until answered). */
  #requestBytes = 0
  #paused = false
  #closed = false
  /** The client id of hello (client quotas). */
  #clientId = ''
  /** Not read while a quota throttle lasts. */
  readonly #mute = new ThrottleMute(() => {
    this.#gateway.metrics.throttleEnded()
    this.#applyBackPressure()
  })
  #helloTimer: NodeJS.Timeout | undefined
  #loginTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #lastRequestMs = performance.now()
  #idle: (() => void)[] = []
  readonly #closedController = new AbortController()
  /** After each send: subscriptions held by a congested socket may go on. */
  readonly #pumpAll = (): void => this.subscriptions.pumpAll()
  /** Answered a ping since the last heartbeat (gateway-server.ts). */
  alive = true
  /** Who the session acts as (context.ts SessionHandle.principal); set by a login. */
  principal = ANONYMOUS_PRINCIPAL
  readonly clientAddress: string
  /** A login (saslAuthenticate, or a verified client certificate) has set the principal. */
  loggedIn = false

  constructor(id: number, socket: WebSocket, gateway: Gateway, remote: string | undefined) {
    this.id = id
    this.#socket = socket
    this.#gateway = gateway
    this.logger = gateway.logger.child({ session: id, remote })
    this.clientAddress = clientAddressOf(remote)
    gateway.metrics.sessions++
    const { limits } = gateway
    this.readBudget = new ByteBudget(limits.sessionQueuedBytesMax, gateway.outbound.readBudget)
    this.#queue = new SendQueue(socket, gateway.outbound, limits, {
      overChanged: () => this.#applyBackPressure(),
      mustClose: (reason, detail) => this.close(CloseCode.sendQueueFull, detail, reason),
      readsWaiting: () => this.readBudget.waiting > 0 || gateway.outbound.readBudget.waiting > 0,
    })
    this.subscriptions = new SessionSubscriptions(gateway, this, {
      push: (frame, held) => this.#send(frame, held),
      pushShared: (frame, sub, held) => this.#sendShared(frame, sub, held),
      congested: () => socket.bufferedAmount > limits.pushBufferedBytesMax,
    })
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    socket.on('close', () => this.#onClosed())
    socket.on('pong', () => { this.alive = true })
    this.#helloTimer = setTimeout(() => {
      this.close(CloseCode.helloTimeout, `no hello within helloTimeoutMs (${limits.helloTimeoutMs} ms)`, 'hello_timeout')
    }, limits.helloTimeoutMs)
  }

  get signal(): AbortSignal {
    return this.#closedController.signal
  }

  /** Pings the client; ends the socket if it did not answer the last ping (a peer gone silently). */
  heartbeat(): void {
    // A muted session's pong waits unread behind its quota throttle: looked at again after it.
    if (!this.alive && this.#mute.active) return
    if (!this.alive) {
      this.logger.info('no pong since the last ping: ending the session')
      this.#gateway.outbound.sessionClosed('no_pong')
      this.#socket.terminate()
      return
    }
    this.alive = false
    this.#socket.ping()
  }

  get inFlight(): number {
    return this.#inFlight + this.#acks0InFlight
  }

  /** Bytes queued on the socket, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#queue.queuedBytes
  }

  /** Looks at the send queue (the gateway's sweep: a stalled queue has no events of its own). */
  checkQueue(): void {
    this.#queue.check()
  }

  get closed(): boolean {
    return this.#closed
  }

  get peerBrokerId(): number | undefined {
    return this.#peerBrokerId
  }

  get authenticated(): boolean {
    return this.loggedIn || this.#peerBrokerId !== undefined || !this.#gateway.security.authenticationRequired
  }

  brokerHelloDone(brokerId: number, clientId: string | undefined): void {
    this.#peerBrokerId = brokerId
    this.helloDone(clientId ?? `broker-${brokerId}`)
  }

  helloDone(clientId: string | undefined): void {
    // A later hello is answered as the first was, but changes nothing: the first client id stays the
    // one quotas are kept by (a new client id must not buy a fresh quota).
    if (this.#hello) return
    this.logger.debug({ clientId }, 'hello')
    this.#clientId = clientId ?? ''
    this.#hello = true
    clearTimeout(this.#helloTimer)
    this.#helloTimer = undefined
    this.#loginTimer ??= loginDeadline(this, this.#gateway.security, (reason) => this.close(CloseCode.authenticationRequired, reason, 'authenticate_timeout'))
    this.#armIdleTimer(this.#gateway.limits.sessionIdleMsMax)
  }

  /**
   * Closes the session with a 4xxx code and a reason, and frees what it held at once. A session
   * closed for not reading its answers is cut too: its close frame waits behind bytes the client
   * does not read, and the socket's buffers are memory the broker must not keep.
   */
  close(code: number, reason: string, why: SessionCloseReason = 'protocol_error'): void {
    if (this.#closed) return
    this.logger.info({ code, reason: why, detail: reason, queuedBytes: this.#queue.queuedBytes }, 'closing the session')
    this.#gateway.outbound.sessionClosed(why)
    this.#release()
    this.#socket.close(code, truncateReason(reason))
    if (why === 'send_queue_full' || why === 'send_queue_stalled') this.#socket.terminate()
  }

  /** Resolves once no request of this session is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return
    this.#lastRequestMs = performance.now()
    if (!isBinary) {
      this.close(CloseCode.protocolError, 'text frames are not part of the protocol: send binary MessagePack frames')
      return
    }
    let value: unknown
    try {
      value = decodeFrame(data as Buffer, { itemsMax: this.#gateway.limits.frameItemsMax })
    } catch (err) {
      this.close(CloseCode.protocolError, `undecodable frame: ${(err as Error).message}`)
      return
    }
    const envelope = parseRequestEnvelope(value, { knownOps: OPS })
    if (!envelope.ok) {
      if (envelope.id === undefined) this.close(CloseCode.protocolError, envelope.error.message)
      else this.#send(errorResponse(envelope.id, envelope.error))
      return
    }
    const frame = envelope.value
    const op = frame.op as OpName
    const refusal = this.#refusal(op)
    if (refusal !== undefined) {
      this.#send(errorResponse(frame.id, refusal))
      // The refusal is answered first: the close waits for the send queue's next turn (as hello's refusals do).
      if (refusal.code === ErrorCode.AUTHENTICATION_REQUIRED) setImmediate(() => this.close(CloseCode.authenticationRequired, NOT_LOGGED_IN_REASON, 'authentication_required'))
      return
    }
    const parsed = parseOpRequest(op, frame)
    if (!parsed.ok) {
      this.#send(errorResponse(frame.id, parsed.error))
      return
    }
    const acks0 = op === 'produce' && (parsed.value as { acks: number }).acks === 0
    const limit = this.#gateway.limits.inFlightMax
    if (!acks0 && this.#inFlight >= limit) {
      this.#send(errorResponse(frame.id, new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT,
        `The session has ${this.#inFlight} requests in flight; at most ${limit} (inFlightMax).`)))
      return
    }
    // A request holds its frame and, for each topic and partition it names, the work in flight for
    // it (messages to partition threads, promises, answers), far more than its bytes in the frame.
    const frameBytes = (data as Buffer).length
    this.#run(frame.id, op, parsed.value, acks0, frameBytes + requestItems(parsed.value) * REQUEST_ITEM_BYTES, frameBytes)
  }

  #refusal(op: OpName): FaecieError | undefined {
    if (!this.#hello && op !== 'hello') {
      return new FaecieError(ErrorCode.HELLO_REQUIRED, `The first request of a session must be hello, not ${op}.`)
    }
    if (this.#gateway.draining) return new FaecieError(ErrorCode.SHUTTING_DOWN, 'The broker is shutting down.')
    return loginRefusal(this, this.#gateway.security, op)
  }

  #run(id: number, op: OpName, request: unknown, acks0: boolean, heldBytes: number, frameBytes: number): void {
    this.#requestBytes += heldBytes
    this.#gateway.outbound.requestBytesChanged(heldBytes)
    if (acks0) this.#acks0InFlight++
    else this.#inFlight++
    this.#applyBackPressure()
    const startedMs = performance.now()
    const handler = OP_HANDLERS[op] as (request: unknown, ctx: OpContext) => Promise<Record<string, unknown> | typeof NO_RESPONSE>
    // At most one reservation per answer (fetch's); any other is released with the answer too.
    const held: Reservation[] = []
    const hold = (reservation: Reservation): void => {
      if (this.#closed) reservation.release()
      else held.push(reservation)
    }
    let work: Promise<Record<string, unknown> | typeof NO_RESPONSE>
    try {
      work = handler(request, { gateway: this.#gateway, session: this, hold })
    } catch (err) {
      work = Promise.reject(err)
    }
    work.then(
      (answer) => {
        const throttled = this.#chargeQuotas(op, frameBytes, answer)
        if (answer !== NO_RESPONSE) this.#send({ id, ...answer, ...throttled }, joined(held))
      },
      (err: unknown) => this.#send({ id, error: wireError(err, this.logger), ...this.#chargeQuotas(op, frameBytes, undefined) }, joined(held)),
    ).finally(() => {
      this.#gateway.metrics.observeRequest(op, (performance.now() - startedMs) / 1000)
      if (acks0) this.#acks0InFlight--
      else this.#inFlight--
      this.#requestBytes -= heldBytes
      this.#gateway.outbound.requestBytesChanged(-heldBytes)
      this.#applyBackPressure()
      if (this.inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
    })
  }

  /** Charges the request to the client quotas; a throttle mutes the socket (after this answer) and is told in it. */
  #chargeQuotas(op: OpName, frameBytes: number, answer: unknown): { throttleTimeMs?: number } {
    if (op === 'hello' || op === 'saslAuthenticate' || this.#closed) return {}
    const usage = op === 'produce' ? { produce: frameBytes } : op === 'fetch' ? { fetch: fetchAnswerBytes(answer) } : {}
    const throttleTimeMs = chargeRequest(this.#gateway, this, this.#clientId, usage)
    if (throttleTimeMs === 0) return {}
    this.#mute.extend(throttleTimeMs)
    return { throttleTimeMs }
  }

  /**
   * Stops reading the socket while acks-0 produces pile up, while the frames of its requests in
   * flight hold more than sessionRequestBytesMax (or all sessions' more than requestBytesInFlightMax),
   * or while answers queue unsent; resumes when they drain.
   */
  #applyBackPressure(): void {
    if (this.#closed) return
    const { limits, outbound } = this.#gateway
    const over = this.#mute.active || this.#acks0InFlight >= limits.inFlightMax || this.#queue.over || this.#requestBytes > limits.sessionRequestBytesMax ||
      (this.#requestBytes > 0 && outbound.requestBytes > limits.requestBytesInFlightMax)
    if (over && !this.#paused) this.#socket.pause()
    else if (!over && this.#paused) this.#socket.resume()
    this.#paused = over
  }

  /**
   * Closes a session idle for sessionIdleMsMax: no request in flight, no subscription, no request
   * read since. Checked when the timer fires; a busy session is looked at again a full period later.
   */
  #armIdleTimer(delayMs: number): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => {
      const idleMsMax = this.#gateway.limits.sessionIdleMsMax
      if (this.inFlight > 0 || this.subscriptions.size > 0) return this.#armIdleTimer(idleMsMax)
      const idleMs = performance.now() - this.#lastRequestMs
      if (idleMs < idleMsMax) return this.#armIdleTimer(idleMsMax - idleMs)
      this.close(CloseCode.idleTimeout, `idle for sessionIdleMsMax (${idleMsMax} ms): no request and no subscription`, 'idle_timeout')
    }, delayMs)
  }

  #send(frame: object, held?: Reservation): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) {
      held?.release()
      return
    }
    // encodeFrame's bytes are shared with the next encode: ws copies them into its own send queue
    // (or writes them out) before send returns.
    this.#queue.send(encodeFrame(frame), held, this.#pumpAll)
  }

  #sendShared(frame: SharedPushFrame, sub: number, held: Reservation): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) {
      held.release()
      return
    }
    this.#queue.sendShared(frame, sub, held, this.#pumpAll)
  }

  /** Frees everything the session holds: timers, reservations, its queue's share, subscriptions, waits. */
  #release(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#helloTimer)
    clearTimeout(this.#loginTimer)
    clearTimeout(this.#idleTimer)
    this.#mute.clear()
    this.#queue.close()
    this.subscriptions.closeAll()
    this.#closedController.abort(sessionClosedError())
  }

  #onClosed(): void {
    this.#gateway.metrics.sessions--
    this.#release()
  }
}

/** The reservations of one answer as one (in practice there is one or none). */
function joined(held: Reservation[]): Reservation | undefined {
  if (held.length <= 1) return held[0]
  let bytes = 0
  for (const r of held) bytes += r.bytes
  return { bytes, resize: () => undefined, release: () => { for (const r of held) r.release() } }
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function truncateReason(reason: string): string {
  let out = reason
  while (Buffer.byteLength(out) > CLOSE_REASON_BYTES_MAX) out = out.slice(0, out.length - 2)
  return out
}
