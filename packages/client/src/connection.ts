// One session with a broker: one WebSocket, `hello` first (then the login, when the client has
// credentials: sasl.ts), then many requests in flight matched to
// their answers by id (answers come in any order), at most the broker's `inFlightMax` at once (the
// rest wait here, in order), and the pushes of its subscriptions routed by `sub`.
//
// A request waiting for a slot waits at most its timeout, then fails with REQUEST_TIMED_OUT without
// having been sent (the connection stays up: nothing of it is in the broker's books). Every slot
// that frees goes to the next waiter at once, whether it freed by an answer or because a woken
// request never entered `pending` (refused as FRAME_TOO_LARGE, or acks 0 with no answer to wait for).
//
// A connection does not heal itself: when its socket closes, every request in flight fails with a
// retriable NETWORK_EXCEPTION (or the code the close code stands for), and its owner (cluster.ts)
// makes a new one. A request that gets no answer within its timeout closes the connection too: the
// broker still counts it in flight, so the session's books could not be trusted any more.
//
// An answer with `throttleTimeMs` > 0 (the client went over a broker quota, KIP-219) holds every
// request made for that long: they wait in order, as for a slot, and go out once it has passed.
import {
  ErrorCode,
  FaecieError,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeTransientFrame,
  parseServerFrame,
  type BrokerLimits,
  type HelloResponse,
  type OpName,
  type OpRequest,
  type OpResponse,
  type PushFrame,
  type ResponseFrame,
} from '@faecie/protocol'
import { THROTTLE_MS_MAX } from './config.js'
import { connectionLost } from './retry.js'
import { logIn, type SaslConfig } from './sasl.js'
import { CLOSE_NORMAL, CLOSE_PROTOCOL_ERROR, type Transport, type TransportFactory } from './transport.js'

export interface ConnectionOptions {
  /** The full WebSocket URL, `/v1/ws` included. */
  url: string
  clientId: string
  transport: TransportFactory
  /** From creating the socket to the answer to `hello`. */
  connectTimeoutMs: number
  /** Default time a request may wait for its answer (a fetch adds its maxWaitMs). */
  requestTimeoutMs: number
  /** The largest message accepted from the broker. */
  messageBytesMax: number
  /** Credentials to log in with right after hello (sasl.ts); none: no login. */
  sasl?: SaslConfig | undefined
}

export interface RequestOptions {
  timeoutMs?: number
  /** acks 0: the broker sends no answer; resolve with {} once the frame is sent. */
  noResponse?: boolean
  /** Called with the answer before the promise resolves, in the same turn as the frame arrived. */
  onResponse?: (frame: ResponseFrame) => void
}

interface Pending {
  op: string
  resolve: (frame: ResponseFrame) => void
  reject: (err: FaecieError) => void
  timer: ReturnType<typeof setTimeout> | undefined
  onResponse: ((frame: ResponseFrame) => void) | undefined
}

/** A request waiting for one of the broker's inFlightMax slots. */
interface Waiter {
  wake: () => void
  timer: ReturnType<typeof setTimeout>
}

/** Maps a close code of docs/protocol.md to the error requests in flight fail with. */
function closeError(url: string, code: number, reason: string): FaecieError {
  const detail = `close code ${code}${reason === '' ? '' : `: ${reason}`}`
  if (code === 4002) return new FaecieError(ErrorCode.TOO_MANY_SESSIONS, `${url} has as many sessions as it allows (${detail}).`)
  if (code === 4003) return new FaecieError(ErrorCode.ORIGIN_NOT_ALLOWED, `${url} does not allow this origin (${detail}).`)
  if (code === 4008) return new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, `${url} requires a login (${detail}).`)
  return connectionLost(url, detail)
}

export class Connection {
  readonly url: string
  private readonly options: ConnectionOptions
  private transport: Transport | undefined
  private nextId = 0
  private readonly pending = new Map<number, Pending>()
  private readonly waiting: Waiter[] = []
  /** Slots handed to woken waiters that have not sent yet. */
  private reserved = 0
  private readonly pushHandlers = new Map<number, (frame: PushFrame) => void>()
  private readonly closeListeners = new Set<(err: FaecieError) => void>()
  private closedWith: FaecieError | undefined
  /** Set while a quota throttle the broker asked for lasts: nothing is sent until it fires. */
  private throttleTimer: ReturnType<typeof setTimeout> | undefined
  private throttledUntilMs = 0
  private helloResponse: HelloResponse | undefined
  /** Who the session acts as once logged in ("User:alice"); undefined without a login. */
  principal: string | undefined
  /** Hello answered and, with credentials, logged in: requests may go. */
  private ready = false

  private constructor(options: ConnectionOptions) {
    this.options = options
    this.url = options.url
  }

  /** Opens the socket and says hello; fails with the connection's error or the broker's answer. */
  static open(options: ConnectionOptions): Promise<Connection> {
    const connection = new Connection(options)
    return connection.start().then(() => connection)
  }

  get hello(): HelloResponse {
    if (this.helloResponse === undefined) throw new Error('the connection has not said hello yet')
    return this.helloResponse
  }

  get limits(): BrokerLimits {
    return this.hello.limits
  }

  get isOpen(): boolean {
    return this.closedWith === undefined && this.ready
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size
  }

  /** True when a request made now goes out at once (its frame encoded before request() returns). */
  get canSendNow(): boolean {
    return this.isOpen && this.waiting.length === 0 && this.pending.size + this.reserved < this.limits.inFlightMax
  }

  get bufferedBytes(): number {
    return this.transport?.bufferedBytes ?? 0
  }

  /** Called once, with the error requests in flight failed with, when the connection closes. */
  onClose(listener: (err: FaecieError) => void): () => void {
    if (this.closedWith !== undefined) {
      listener(this.closedWith)
      return () => undefined
    }
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  request<Op extends OpName>(op: Op, fields: OpRequest<Op>, options: RequestOptions = {}): Promise<OpResponse<Op>> {
    return this.call(op, fields as Record<string, unknown>, options) as unknown as Promise<OpResponse<Op>>
  }

  /** Routes pushes for `sub` to `handler` (pushes for subs nobody handles are dropped). */
  setPushHandler(sub: number, handler: ((frame: PushFrame) => void) | undefined): void {
    if (handler === undefined) this.pushHandlers.delete(sub)
    else this.pushHandlers.set(sub, handler)
  }

  close(reason = 'client closed'): void {
    this.shutDown(new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The connection to ${this.url} was closed by the client (${reason}).`), CLOSE_NORMAL, reason)
  }

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.shutDown(new FaecieError(ErrorCode.REQUEST_TIMED_OUT, `No answer to hello from ${this.url} within ${this.options.connectTimeoutMs} ms.`))
      }, this.options.connectTimeoutMs)
      this.onClose((err) => {
        clearTimeout(timer)
        reject(err)
      })
      try {
        this.transport = this.options.transport(this.url, {
          onOpen: () => {
            this.send('hello', { protocolVersion: PROTOCOL_VERSION, clientId: this.options.clientId }, { timeoutMs: this.options.connectTimeoutMs })
              .then(async (frame) => {
                this.helloResponse = frame as unknown as HelloResponse
                this.checkHello()
                // The login, if any, happens within the connect timeout too, before anyone may use the connection.
                this.principal = await logIn(this.url, this.helloResponse, this.options.sasl, (request) =>
                  this.send('saslAuthenticate', request as unknown as Record<string, unknown>, { timeoutMs: this.options.connectTimeoutMs }) as
                    unknown as Promise<OpResponse<'saslAuthenticate'>>)
                clearTimeout(timer)
                this.ready = true
                resolve()
              })
              .catch((err: unknown) => this.shutDown(err instanceof FaecieError ? err : connectionLost(this.url, String(err))))
          },
          onMessage: (data) => this.receive(data),
          onClose: (code, reason) => this.shutDown(closeError(this.url, code, reason)),
        }, { messageBytesMax: this.options.messageBytesMax })
      } catch (err) {
        this.shutDown(connectionLost(this.url, err instanceof Error ? err.message : String(err)))
      }
    })
  }

  private checkHello(): void {
    const hello = this.helloResponse!
    const limits = hello.limits as Partial<BrokerLimits> | undefined
    const ok = limits !== undefined && [limits.frameBytesMax, limits.batchBytesMax, limits.inFlightMax, limits.subscriptionsMax, limits.maxWaitMsMax]
      .every((n) => Number.isSafeInteger(n) && (n as number) > 0)
    if (hello.protocolVersion !== PROTOCOL_VERSION || !ok) {
      throw new FaecieError(ErrorCode.UNSUPPORTED_VERSION, `${this.url} answered hello with version ${String(hello.protocolVersion)} or without valid limits.`)
    }
  }

  private call(op: string, fields: Record<string, unknown>, options: RequestOptions): Promise<ResponseFrame> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith)
    if (this.helloResponse === undefined) return Promise.reject(new Error(`${op} before hello on ${this.url}`))
    if (this.pending.size + this.reserved < this.limits.inFlightMax && this.waiting.length === 0 && this.throttleTimer === undefined) {
      return this.send(op, fields, options)
    }
    // Over the broker's inFlightMax, or throttled: wait, in order, for a slot to free (reserved for us), at most our timeout.
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        wake: resolve,
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter)
          // Waking clears the timer, so a waiter that times out is still waiting.
          if (index < 0) throw new Error(`a woken ${op} waiter timed out on ${this.url}`)
          this.waiting.splice(index, 1)
          reject(new FaecieError(ErrorCode.REQUEST_TIMED_OUT,
            `A ${op} request waited ${timeoutMs} ms for one of the ${this.limits.inFlightMax} in-flight slots of ${this.url} (or a quota throttle) and was not sent.`))
        }, timeoutMs),
      }
      this.waiting.push(waiter)
    }).then(() => {
      this.reserved--
      if (this.closedWith !== undefined) throw this.closedWith
      const answer = this.send(op, fields, options)
      // A send that did not enter `pending` (too large, or acks 0) gets no answer to free its slot: free it now.
      this.wakeWhileFree()
      return answer
    })
  }

  private send(op: string, fields: Record<string, unknown>, options: RequestOptions): Promise<ResponseFrame> {
    const id = this.nextId
    this.nextId = this.nextId >= Number.MAX_SAFE_INTEGER ? 0 : this.nextId + 1
    // Transient: every transport copies or sends the bytes before send() returns (transport.ts).
    const bytes = encodeTransientFrame({ ...fields, id, op })
    const frameBytesMax = this.helloResponse?.limits.frameBytesMax
    if (frameBytesMax !== undefined && bytes.length > frameBytesMax) {
      return Promise.reject(new FaecieError(ErrorCode.FRAME_TOO_LARGE, `A ${op} frame of ${bytes.length} bytes is over the broker's frameBytesMax of ${frameBytesMax}.`))
    }
    if (options.noResponse === true) {
      this.transport!.send(bytes)
      return Promise.resolve({ id })
    }
    return new Promise<ResponseFrame>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs
      const timer = setTimeout(() => {
        const err = new FaecieError(ErrorCode.REQUEST_TIMED_OUT, `No answer to ${op} from ${this.url} within ${timeoutMs} ms.`)
        reject(err)
        this.pending.delete(id)
        this.shutDown(connectionLost(this.url, `a ${op} request timed out`))
      }, timeoutMs)
      this.pending.set(id, { op, resolve, reject, timer, onResponse: options.onResponse })
      this.transport!.send(bytes)
    })
  }

  private receive(data: Uint8Array): void {
    let value: unknown
    try {
      value = decodeFrame(data)
    } catch (err) {
      this.shutDown(err as FaecieError, CLOSE_PROTOCOL_ERROR, 'undecodable frame')
      return
    }
    const parsed = parseServerFrame(value)
    if (!parsed.ok) {
      // The broker's answer to a request it could not read at all comes with id -1: a bug on this side.
      const error = (value as { error?: unknown } | null)?.error
      const err = error === undefined ? parsed.error : FaecieError.fromWire(error)
      this.shutDown(new FaecieError(ErrorCode.NETWORK_EXCEPTION, `${this.url} could not read a request: ${err.message}`), CLOSE_PROTOCOL_ERROR, 'bad frame')
      return
    }
    const frame = parsed.value
    const throttleTimeMs = (value as { throttleTimeMs?: unknown }).throttleTimeMs
    if (frame.kind !== 'push' && typeof throttleTimeMs === 'number' && throttleTimeMs > 0) this.throttle(throttleTimeMs)
    if (frame.kind === 'push') {
      this.pushHandlers.get(frame.frame.sub)?.(frame.frame)
      return
    }
    const id = frame.frame.id
    const pending = this.pending.get(id)
    if (pending === undefined) return // answered after its timeout: the connection is closing anyway
    this.pending.delete(id)
    clearTimeout(pending.timer)
    if (frame.kind === 'error') {
      pending.reject(frame.error)
    } else {
      pending.onResponse?.(frame.frame)
      pending.resolve(frame.frame)
    }
    this.wakeWhileFree()
  }

  /** Hands every free slot to the next waiter, in order (none while throttled). */
  private wakeWhileFree(): void {
    while (this.waiting.length > 0 && this.pending.size + this.reserved < this.limits.inFlightMax && this.throttleTimer === undefined) this.wakeOne()
  }

  /** The broker throttled us: send nothing for `ms` (a longer throttle already running is kept). */
  private throttle(ms: number): void {
    const untilMs = Date.now() + Math.min(ms, THROTTLE_MS_MAX)
    if (this.throttleTimer !== undefined && untilMs <= this.throttledUntilMs) return
    clearTimeout(this.throttleTimer)
    this.throttledUntilMs = untilMs
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined
      this.wakeWhileFree()
    }, untilMs - Date.now())
  }

  private wakeOne(): void {
    const waiter = this.waiting.shift()
    if (waiter === undefined) return
    clearTimeout(waiter.timer)
    this.reserved++
    waiter.wake()
  }

  private shutDown(err: FaecieError, code = CLOSE_NORMAL, reason = ''): void {
    if (this.closedWith !== undefined) return
    this.closedWith = err
    clearTimeout(this.throttleTimer)
    this.throttleTimer = undefined
    try {
      this.transport?.close(code, reason.slice(0, 120))
    } catch {
      // Closing a socket that is already gone is not an error worth reporting.
    }
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(err)
    }
    this.pending.clear()
    // Waiting requests wake up, find the connection closed, and fail with the same error.
    while (this.waiting.length > 0) this.wakeOne()
    this.pushHandlers.clear()
    for (const listener of this.closeListeners) listener(err)
    this.closeListeners.clear()
  }
}
