// One WebSocket session: reads frames, checks them, runs each request's op handler and answers it by
// id, as soon as it is done (answers may overtake each other). What it enforces, in this order, with
// the answer each violation gets (docs/protocol.md):
//   a text frame                          close 4000 (the stream is not ours)
//   a frame that is not MessagePack, or has no readable id
//                                         close 4000 with the reason (nothing to answer it to)
//   a frame over frameBytesMax            close 4001 (ws stops reading it at its header: maxPayload)
//   an op this broker does not know       UNKNOWN_OP error frame
//   anything before hello                 HELLO_REQUIRED error frame
//   a request while shutting down         SHUTTING_DOWN error frame
//   more than inFlightMax requests        TOO_MANY_IN_FLIGHT error frame
//   fields of the wrong type or range     INVALID_REQUEST error frame naming the field
// A produce with acks 0 has no answer and does not count against inFlightMax; instead the session
// stops reading the socket while inFlightMax of them are being written (back-pressure, no error).
import { encodeFrame, decodeFrame, ErrorCode, errorResponse, FaecieError, OPS, parseOpRequest,
  parseRequestEnvelope, type OpName } from '@faecie/protocol'
import type { WebSocket, RawData } from 'ws'
import type { Logger } from '../log.js'
import { CloseCode, NO_RESPONSE, wireError, type Gateway, type SessionHandle } from './context.js'
import { OP_HANDLERS } from './ops/index.js'
import { SessionSubscriptions } from './subscriptions.js'

const CLOSE_REASON_BYTES_MAX = 123

export class Session implements SessionHandle {
  readonly id: number
  readonly logger: Logger
  readonly subscriptions: SessionSubscriptions
  readonly #gateway: Gateway
  readonly #socket: WebSocket
  #hello = false
  #inFlight = 0
  #acks0InFlight = 0
  #paused = false
  #closed = false
  #idle: (() => void)[] = []
  readonly #closedController = new AbortController()
  /** Answered a ping since the last heartbeat (gateway-server.ts). */
  alive = true

  constructor(id: number, socket: WebSocket, gateway: Gateway, remote: string | undefined) {
    this.id = id
    this.#socket = socket
    this.#gateway = gateway
    this.logger = gateway.logger.child({ session: id, remote })
    gateway.metrics.sessions++
    this.subscriptions = new SessionSubscriptions(gateway, {
      push: (frame) => this.#send(frame),
      congested: () => socket.bufferedAmount > gateway.limits.pushBufferedBytesMax,
    }, this.logger)
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary))
    socket.on('close', () => this.#onClosed())
    socket.on('pong', () => { this.alive = true })
  }

  get signal(): AbortSignal {
    return this.#closedController.signal
  }

  /** Pings the client; ends the socket if it did not answer the last ping (a peer gone silently). */
  heartbeat(): void {
    if (!this.alive) {
      this.logger.info('no pong since the last ping: ending the session')
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
    return this.#socket.bufferedAmount
  }

  get closed(): boolean {
    return this.#closed
  }

  helloDone(clientId: string | undefined): void {
    if (!this.#hello) this.logger.debug({ clientId }, 'hello')
    this.#hello = true
  }

  close(code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.subscriptions.closeAll()
    this.#socket.close(code, truncateReason(reason))
  }

  /** Resolves once no request of this session is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return
    if (!isBinary) {
      this.close(CloseCode.protocolError, 'text frames are not part of the protocol: send binary MessagePack frames')
      return
    }
    let value: unknown
    try {
      value = decodeFrame(data as Buffer)
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
    this.#run(frame.id, op, parsed.value, acks0)
  }

  #refusal(op: OpName): FaecieError | undefined {
    if (!this.#hello && op !== 'hello') {
      return new FaecieError(ErrorCode.HELLO_REQUIRED, `The first request of a session must be hello, not ${op}.`)
    }
    if (this.#gateway.draining) return new FaecieError(ErrorCode.SHUTTING_DOWN, 'The broker is shutting down.')
    return undefined
  }

  #run(id: number, op: OpName, request: unknown, acks0: boolean): void {
    if (acks0) this.#acks0InFlight++
    else this.#inFlight++
    this.#applyBackPressure()
    const startedMs = performance.now()
    const handler = OP_HANDLERS[op] as (request: unknown, ctx: { gateway: Gateway; session: SessionHandle }) =>
      Promise<Record<string, unknown> | typeof NO_RESPONSE>
    let work: Promise<Record<string, unknown> | typeof NO_RESPONSE>
    try {
      work = handler(request, { gateway: this.#gateway, session: this })
    } catch (err) {
      work = Promise.reject(err)
    }
    work.then(
      (answer) => { if (answer !== NO_RESPONSE) this.#send({ id, ...answer }) },
      (err: unknown) => this.#send({ id, error: wireError(err, this.logger) }),
    ).finally(() => {
      this.#gateway.metrics.observeRequest(op, (performance.now() - startedMs) / 1000)
      if (acks0) this.#acks0InFlight--
      else this.#inFlight--
      this.#applyBackPressure()
      if (this.inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
    })
  }

  /** Stops reading the socket while acks-0 produces pile up; resumes when they drain. */
  #applyBackPressure(): void {
    const over = this.#acks0InFlight >= this.#gateway.limits.inFlightMax
    if (over && !this.#paused) this.#socket.pause()
    else if (!over && this.#paused) this.#socket.resume()
    this.#paused = over
  }

  #send(frame: object): void {
    if (this.#closed || this.#socket.readyState !== this.#socket.OPEN) return
    // encodeFrame's bytes are shared with the next encode: ws copies them into its own send queue
    // (or writes them out) before send returns.
    this.#socket.send(encodeFrame(frame), { binary: true }, (err) => {
      if (err === undefined || err === null) this.subscriptions.pumpAll()
    })
  }

  #onClosed(): void {
    this.#gateway.metrics.sessions--
    this.#closed = true
    this.subscriptions.closeAll()
    this.#closedController.abort()
  }
}

/** A close reason must fit in 123 bytes of UTF-8. */
export function truncateReason(reason: string): string {
  let out = reason
  while (Buffer.byteLength(out) > CLOSE_REASON_BYTES_MAX) out = out.slice(0, out.length - 2)
  return out
}
