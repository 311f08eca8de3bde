// One WebSocket session from this broker to another (replication, forwarded admin ops): the `ws`
// package, frames encoded and decoded by @faecie/protocol (frame.ts, msgpack.ts) as any client's,
// `hello` with `broker: {brokerId, clusterId}` first, then requests matched to their answers by id.
// The broker does not use @faecie/client: this is the small part of it a broker needs.
//
// Bounds and what they answer:
//   connect + hello longer than connectTimeoutMs       BROKER_NOT_AVAILABLE, link closed
//   socket error or close before hello answered        BROKER_NOT_AVAILABLE
//   hello answered with an error (wrong cluster id)    that error (INCONSISTENT_CLUSTER_ID), link closed
//   more than inFlightMax requests not yet answered    TOO_MANY_IN_FLIGHT, at once (nothing queues)
//   no answer within the request's timeout             REQUEST_TIMED_OUT, and the link is closed: the peer
//                                                      still counts the request, its books can't be trusted
//   the link closes with requests in flight            NETWORK_EXCEPTION for each (retriable)
//   a frame from the peer that is not a server frame   the link is closed (as above)
// A request whose signal aborts rejects at once with the signal's reason; it stays counted (and
// timed) until the peer answers it, since the peer still counts it too.
//
// A link does not heal itself: once closed it stays closed and PeerLinks (peer-links.ts) makes a new
// one. Timers come from the injected clock.
import { ErrorCode, FaecieError, PROTOCOL_VERSION, decodeFrame, encodeFrame, parseServerFrame,
  type HelloResponse } from '@faecie/protocol'
import WebSocket from 'ws'
import type { MonotonicClock } from '../cluster/broker-session.js'
import type { Logger } from '../log.js'

/** TLS of a wss:// link (server/tls-context.ts clientOptions): the CA to trust, this broker's certificate. */
export interface PeerTlsOptions {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}

export interface PeerLinkOptions {
  /** The peer's broker id (for messages and logs). */
  peerId: number
  /** The full WebSocket URL, `/v1/ws` included. */
  url: string
  self: { brokerId: number; clusterId: string; secret?: string }
  clock: MonotonicClock
  logger: Logger
  connectTimeoutMs: number
  /** The largest frame accepted from the peer (a replicaFetch answer must fit). */
  frameBytesMax: number
  /** The largest array or map a frame from the peer may declare. */
  frameItemsMax: number
  inFlightMax: number
  /** For wss:// peers: what to trust and present (read when the link opens, so a reload applies to new links). */
  tls?: () => PeerTlsOptions
  /** Called once, when the link closes, with the error requests in flight failed with. */
  onClosed(link: PeerLink, err: FaecieError): void
}

interface Pending {
  op: string
  /** Undefined once abandoned (its signal aborted): the answer, if any, is dropped. */
  settle: ((frame: Record<string, unknown> | FaecieError) => void) | undefined
  timer: unknown
}

export class PeerLink {
  readonly url: string
  readonly #options: PeerLinkOptions
  readonly #socket: WebSocket
  readonly #pending = new Map<number, Pending>()
  readonly #ready: Promise<HelloResponse>
  #nextId = 1
  #open = false
  #closedWith: FaecieError | undefined

  constructor(options: PeerLinkOptions) {
    this.#options = options
    this.url = options.url
    this.#socket = new WebSocket(options.url, { perMessageDeflate: false, maxPayload: options.frameBytesMax, ...options.tls?.() })
    this.#socket.binaryType = 'nodebuffer'
    this.#ready = this.#hello()
    // A failed hello is reported to whoever waits for the link; nobody may be waiting yet.
    this.#ready.catch(() => undefined)
  }

  /** Resolves with the peer's hello answer once the link is open; rejects with why it never opened. */
  ready(): Promise<HelloResponse> {
    return this.#ready
  }

  get isOpen(): boolean {
    return this.#open && this.#closedWith === undefined
  }

  get closed(): boolean {
    return this.#closedWith !== undefined
  }

  /** Requests sent (or waiting for hello) and not answered, abandoned ones included. */
  get inFlight(): number {
    return this.#pending.size
  }

  /** Sends a request once the link is open; resolves with the answer's fields. */
  async request(op: string, fields: object, timeoutMs: number, signal?: AbortSignal): Promise<Record<string, unknown>> {
    if (this.#closedWith !== undefined) throw this.#closedWith
    if (this.#pending.size >= this.#options.inFlightMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_IN_FLIGHT,
        `${this.#pending.size} requests to broker ${this.#options.peerId} in flight; at most ${this.#options.inFlightMax}.`)
    }
    signal?.throwIfAborted()
    const id = this.#nextId++
    let pending!: Pending
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      pending = {
        op,
        settle: (frame) => (frame instanceof FaecieError ? reject(frame) : resolve(frame)),
        timer: undefined,
      }
    })
    pending.timer = this.#options.clock.setTimeout(() => this.#timedOut(id, pending, timeoutMs), timeoutMs)
    this.#pending.set(id, pending)
    if (signal !== undefined) {
      const onAbort = (): void => {
        const settle = pending.settle
        pending.settle = undefined
        settle?.(signal.reason instanceof FaecieError ? signal.reason
          : new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The ${op} request to broker ${this.#options.peerId} was abandoned.`))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      const forget = (): void => signal.removeEventListener('abort', onAbort)
      answer.then(forget, forget)
    }
    if (this.#open) this.#send(id, op, fields)
    else this.#ready.then(() => this.#send(id, op, fields), () => undefined)
    return answer
  }

  /** Closes the socket; requests in flight fail with `err`. */
  close(err: FaecieError): void {
    if (this.#closedWith !== undefined) return
    this.#closedWith = err
    for (const [id, pending] of this.#pending) {
      this.#options.clock.clearTimeout(pending.timer)
      this.#pending.delete(id)
      pending.settle?.(err)
    }
    if (this.#socket.readyState === WebSocket.CONNECTING) this.#socket.terminate()
    else this.#socket.close(1000, 'closed by the broker')
    this.#options.onClosed(this, err)
  }

  #hello(): Promise<HelloResponse> {
    const { peerId, url, self, connectTimeoutMs } = this.#options
    const unavailable = (detail: string): FaecieError =>
      new FaecieError(ErrorCode.BROKER_NOT_AVAILABLE, `Broker ${peerId} (${url}) is not available: ${detail}.`)
    return new Promise<HelloResponse>((resolve, reject) => {
      const timer = this.#options.clock.setTimeout(() => fail(unavailable(`no hello answer within ${connectTimeoutMs} ms`)), connectTimeoutMs)
      const fail = (err: FaecieError): void => {
        this.#options.clock.clearTimeout(timer)
        reject(err)
        this.close(err)
      }
      this.#socket.on('error', (err) => { if (!this.#open) fail(unavailable(err.message)) })
      this.#socket.on('close', (code, reason) => {
        const detail = `close code ${code}${reason.length > 0 ? `: ${reason.toString('utf8')}` : ''}`
        if (!this.#open) fail(unavailable(detail))
        else this.close(new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The link to broker ${peerId} closed (${detail}).`))
      })
      this.#socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary))
      this.#socket.on('open', () => {
        const id = this.#nextId++
        this.#pending.set(id, {
          op: 'hello',
          timer: undefined,
          settle: (frame) => {
            this.#options.clock.clearTimeout(timer)
            if (frame instanceof FaecieError) return fail(frame)
            const hello = frame as unknown as HelloResponse
            if (hello.protocolVersion !== PROTOCOL_VERSION) {
              return fail(new FaecieError(ErrorCode.UNSUPPORTED_VERSION, `Broker ${peerId} speaks protocol version ${String(hello.protocolVersion)}.`))
            }
            this.#open = true
            resolve(hello)
          },
        })
        this.#send(id, 'hello', { protocolVersion: PROTOCOL_VERSION, clientId: `broker-${self.brokerId}`, broker: self })
      })
    })
  }

  #send(id: number, op: string, fields: object): void {
    if (this.#closedWith !== undefined || !this.#pending.has(id)) return
    // encodeFrame's bytes are shared with the next encode: ws gets a copy it owns.
    this.#socket.send(encodeFrame({ ...fields, id, op }).slice(), { binary: true })
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#closedWith !== undefined) return
    const protocolError = (detail: string): void => this.close(new FaecieError(ErrorCode.NETWORK_EXCEPTION,
      `Broker ${this.#options.peerId} sent ${detail}; the link is closed.`))
    if (!isBinary) return protocolError('a text frame')
    let parsed: ReturnType<typeof parseServerFrame>
    try {
      parsed = parseServerFrame(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { itemsMax: this.#options.frameItemsMax }))
    } catch (err) {
      return protocolError(`an undecodable frame (${(err as Error).message})`)
    }
    if (!parsed.ok) return protocolError(`an invalid frame (${parsed.error.message})`)
    if (parsed.value.kind === 'push') return // no subscriptions on a peer link
    const { id } = parsed.value.frame
    const pending = this.#pending.get(id)
    if (pending === undefined) return protocolError(`an answer to request ${id}, which is not in flight`)
    this.#pending.delete(id)
    this.#options.clock.clearTimeout(pending.timer)
    if (parsed.value.kind === 'error') return pending.settle?.(parsed.value.error)
    const { id: _id, ...fields } = parsed.value.frame
    pending.settle?.(fields)
  }

  #timedOut(id: number, pending: Pending, timeoutMs: number): void {
    if (this.#pending.get(id) !== pending) return
    this.#pending.delete(id)
    const message = `No answer from broker ${this.#options.peerId} to ${pending.op} within ${timeoutMs} ms.`
    pending.settle?.(new FaecieError(ErrorCode.REQUEST_TIMED_OUT, message))
    this.#options.logger.warn({ peer: this.#options.peerId, op: pending.op, timeoutMs }, 'peer request timed out: closing the link')
    this.close(new FaecieError(ErrorCode.NETWORK_EXCEPTION, `The link to broker ${this.#options.peerId} was closed: ${message}`))
  }
}
