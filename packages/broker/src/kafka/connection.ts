// One Kafka client connection: frames in (frames.ts), each request decoded by its generated codec
// and run by its handler (apis/), responses written in request order (Kafka's clients match them by
// correlation id but expect them in order). What it enforces, and the answer:
//   a bad size prefix (negative, over frameBytesMax, under a header)   close, reason logged
//   an unknown API key                                                  close, reason logged
//   ApiVersions at a version newer than served                         UNSUPPORTED_VERSION in the v0
//                                                                      format, with the served ranges
//   any other version out of range (Produce v0-2 included)              close, reason logged
//   a request that does not decode (truncated, bad lengths)             close, reason logged
//   requests in flight: inFlightMax (gateway/limits.ts)                 the socket stops being read
//   bytes of requests in flight over sessionRequestBytesMax, or all
//   connections' and sessions' over requestBytesInFlightMax            the socket stops being read
//   bytes written and not yet sent over sessionQueuedBytesMax          the socket stops being read
//   no byte in either direction for sessionIdleMsMax, nothing in flight close, reason logged
//   with --auth scram, before the SASL login: any API but ApiVersions,
//   SaslHandshake and SaslAuthenticate (Kafka's behaviour); no login
//   within authenticateTimeoutMs (security-config.ts)                   close, reason logged
//   a failed login (apis/sasl.ts)                                       close once its answer is written
// Fetch answers hold their share of the read budget (gateway/byte-budget.ts) until written out.
// A request's frame bytes count in flight until it is answered or the connection closes, whichever
// is first (a held JoinGroup's answer, coming after the close, is dropped).
// Client quotas (security/quota-charge.ts): a response that takes its principal over a quota carries
// it in throttle_time_ms (every API's response that has the field), and the socket is then not read
// for that long (KIP-219); nothing fails.
import type { Socket } from 'node:net'
import { FaecieError } from '@faecie/protocol'
import { ByteBudget, type Reservation } from '../gateway/byte-budget.js'
import { NO_RESPONSE, sessionClosedError, type Gateway, type OpContext, type SessionHandle } from '../gateway/context.js'
import { SessionSubscriptions } from '../gateway/subscriptions.js'
import type { Logger } from '../log.js'
import { KAFKA_HANDLERS, SERVED_APIS } from './apis/index.js'
import type { KafkaApiContext, KafkaListenerInfo } from './apis/context.js'
import { defaultApiVersionsResponse, writeApiVersionsResponse } from './generated/api-versions.js'
import { readRequestHeader, writeResponseHeader } from './generated/headers.js'
import { KafkaFrameReader } from './frames.js'
import { advertisedVersions, API_VERSIONS_KEY, PRE_LOGIN_API_KEYS, requestHeaderVersion, responseHeaderVersion } from './versions.js'
import { KafkaReader, KafkaWriter } from './wire.js'
import { ANONYMOUS_PRINCIPAL } from '../security/gateway-security.js'
import { chargeRequest, fetchAnswerBytes, ThrottleMute } from '../security/quota-charge.js'
import { clientAddressOf } from '../security/client-address.js'

const UNSUPPORTED_VERSION = 35
const PRODUCE_KEY = 0
const FETCH_KEY = 1
/** SaslHandshake and SaslAuthenticate: not charged to the request quota (the principal is not known before them). */
const QUOTA_EXEMPT_KEYS = new Set([17, 36])

interface Slot {
  /** The response frame's chunks (written as one), null for none (acks 0), undefined while the handler runs. */
  frame: Uint8Array[] | null | undefined
  held: Reservation[]
  /** The request's frame bytes still counted in flight (0 once given back: answered, or the connection closed). */
  requestBytes: number
  /** Close the connection once this answer is written (KafkaApiContext.closeAfterAnswer), and why. */
  closeAfter?: string
}

export class KafkaConnection implements SessionHandle {
  readonly id: number
  readonly logger: Logger
  readonly subscriptions: SessionSubscriptions
  readonly readBudget: ByteBudget
  readonly #socket: Socket
  readonly #gateway: Gateway
  readonly #listener: KafkaListenerInfo
  readonly #frames: KafkaFrameReader
  readonly #slots: Slot[] = []
  readonly #closedController = new AbortController()
  #paused = false
  #closed = false
  /** Not read while a quota throttle lasts. */
  readonly #mute = new ThrottleMute(() => {
    this.#gateway.metrics.throttleEnded()
    this.#applyBackPressure()
  })
  /** Bytes of the frames of requests in flight (their decoded copies live until answered). */
  #requestBytes = 0
  /** Who the connection acts as (context.ts SessionHandle.principal); set by a SASL login. */
  principal = ANONYMOUS_PRINCIPAL
  readonly clientAddress: string
  /** A login (SaslAuthenticate, or a verified client certificate) has set the principal. */
  loggedIn = false

  constructor(id: number, socket: Socket, gateway: Gateway, listener: KafkaListenerInfo, logger: Logger) {
    this.id = id
    this.#socket = socket
    this.#gateway = gateway
    this.#listener = listener
    this.logger = logger.child({ kafkaConnection: id, remote: socket.remoteAddress })
    this.clientAddress = clientAddressOf(socket.remoteAddress)
    this.#frames = new KafkaFrameReader(gateway.limits.frameBytesMax)
    this.readBudget = new ByteBudget(gateway.limits.sessionQueuedBytesMax, gateway.outbound.readBudget)
    this.subscriptions = new SessionSubscriptions(gateway, this, { push: () => undefined, congested: () => true })
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('drain', () => this.#applyBackPressure())
    socket.on('error', (err) => this.logger.debug({ err }, 'Kafka connection error'))
    socket.on('close', () => this.#release())
    socket.setTimeout(gateway.limits.sessionIdleMsMax)
    socket.on('timeout', () => {
      if (this.#slots.length === 0) this.close(0, `idle for sessionIdleMsMax (${gateway.limits.sessionIdleMsMax} ms)`)
    })
    if (gateway.security.authenticationRequired) {
      const { authenticateTimeoutMs } = gateway.security.config.limits
      const timer = setTimeout(() => { if (!this.loggedIn) this.close(0, `no SASL login within authenticateTimeoutMs (${authenticateTimeoutMs} ms)`) }, authenticateTimeoutMs)
      timer.unref()
      this.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
    }
  }

  get signal(): AbortSignal {
    return this.#closedController.signal
  }

  get inFlight(): number {
    return this.#slots.length
  }

  helloDone(): void {}

  get authenticated(): boolean {
    return this.loggedIn || !this.#gateway.security.authenticationRequired
  }

  /** Ends the connection, logging why (the close code of the WebSocket protocol is not sent: TCP has none). */
  close(_code: number, reason: string): void {
    if (this.#closed) return
    this.logger.warn({ reason }, 'closing the Kafka connection')
    this.#release()
    this.#socket.destroy()
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return
    let frames: Buffer[]
    try {
      frames = this.#frames.push(chunk)
    } catch (err) {
      this.close(0, (err as Error).message)
      return
    }
    for (const frame of frames) {
      if (this.#closed) return
      this.#onRequest(frame)
    }
  }

  #onRequest(frame: Buffer): void {
    const apiKey = frame.readInt16BE(0)
    const version = frame.readInt16BE(2)
    const correlationId = frame.readInt32BE(4)
    if (this.#gateway.draining) return this.close(0, 'broker shutting down')
    const handler = KAFKA_HANDLERS.get(apiKey)
    if (handler === undefined) return this.close(0, `unknown or unsupported API key ${apiKey} (version ${version})`)
    const { api } = handler
    if (!this.authenticated && !PRE_LOGIN_API_KEYS.has(apiKey)) {
      return this.close(0, `${api.name} before the SASL login (only ApiVersions, SaslHandshake and SaslAuthenticate are allowed)`)
    }
    if (apiKey === API_VERSIONS_KEY && version > api.maxVersion) {
      // Kafka's answer (KIP-511): UNSUPPORTED_VERSION in the v0 format, so the client can retry lower.
      const w = new KafkaWriter()
      writeApiVersionsResponse(w, 0, { ...defaultApiVersionsResponse(), errorCode: UNSUPPORTED_VERSION, apiKeys: advertisedVersions(SERVED_APIS) })
      this.#slots.push({ frame: this.#frame(correlationId, 0, w.finishChunks()), held: [], requestBytes: 0 })
      this.#flush()
      return
    }
    if (version < api.minVersion || version > api.maxVersion) {
      return this.close(0, `${api.name} version ${version} is not served (${api.minVersion}-${api.maxVersion})`)
    }
    let request: unknown
    let clientId = ''
    try {
      const r = new KafkaReader(frame, 0, { viewBytes: handler.viewBytes === true })
      const header = readRequestHeader(r, requestHeaderVersion(api, version))
      clientId = header.clientId ?? ''
      request = handler.read(r, version)
      if (r.remaining !== 0) throw new Error(`${r.remaining} bytes after the request`)
      this.logger.trace({ api: api.name, version, correlationId, clientId: header.clientId }, 'Kafka request')
    } catch (err) {
      return this.close(0, `${api.name} v${version} request does not decode: ${(err as Error).message}`)
    }
    // The decoded request holds copies of what it needs (or, for Produce, views its handler is done
    // with before it first awaits): the frame's bytes are counted until the answer, or until the
    // connection closes (#giveBack).
    const slot: Slot = { frame: undefined, held: [], requestBytes: frame.length }
    this.#slots.push(slot)
    this.#requestBytesChanged(slot.requestBytes)
    const op: OpContext = {
      gateway: this.#gateway,
      session: this,
      hold: (reservation) => { if (this.#closed) reservation.release(); else slot.held.push(reservation) },
    }
    const ctx: KafkaApiContext = { gateway: this.#gateway, op, listener: this.#listener, served: SERVED_APIS, logger: this.logger,
      clientId, clientHost: this.#socket.remoteAddress ?? '', login: this, closeAfterAnswer: (reason) => { slot.closeAfter = reason } }
    handler.handle(request, version, ctx).then((response) => {
      this.#chargeQuotas(apiKey, frame.length, clientId, response)
      if (response === NO_RESPONSE) {
        slot.frame = null
      } else {
        const w = new KafkaWriter(1024)
        handler.write(w, version, response)
        slot.frame = this.#frame(correlationId, responseHeaderVersion(api, version), w.finishChunks())
      }
      this.#flush()
    }).catch((err: unknown) => {
      // A FaecieError refuses the request as a whole (requestItemsMax, say); anything else is a bug.
      if (!(err instanceof FaecieError)) this.logger.error({ err, api: api.name, version }, 'Kafka request failed')
      this.close(0, `${api.name} v${version} failed: ${(err as Error).message}`)
    }).finally(() => this.#giveBack(slot))
  }

  /**
   * The response frame: size, header (correlation id; tagged fields in v1), body. The body's chunks are
   * not copied (a Fetch answer's records go out as the partition thread read them).
   */
  #frame(correlationId: number, headerVersion: number, body: Uint8Array[]): Uint8Array[] {
    const w = new KafkaWriter(16)
    w.int32(0)
    writeResponseHeader(w, headerVersion, { correlationId })
    const head = w.finish()
    const bodyBytes = body.reduce((n, chunk) => n + chunk.length, 0)
    new DataView(head.buffer, head.byteOffset).setInt32(0, head.length - 4 + bodyBytes)
    return [head, ...body]
  }

  /** Writes the responses that are ready, in request order, corked: one writev for what is ready. */
  #flush(): void {
    this.#socket.cork()
    while (this.#slots.length > 0 && this.#slots[0]!.frame !== undefined) {
      const slot = this.#slots.shift()!
      const frame = slot.frame
      if (this.#closed || frame == null) {
        for (const r of slot.held) r.release()
        continue
      }
      const last = frame.length - 1
      frame.forEach((chunk, i) => {
        if (i < last) this.#socket.write(chunk)
        else this.#socket.write(chunk, () => { for (const r of slot.held) r.release() })
      })
      if (slot.closeAfter !== undefined) {
        // The answer goes out first (end flushes it), as Kafka sends a failed login's error before closing.
        this.logger.warn({ reason: slot.closeAfter }, 'closing the Kafka connection')
        this.#release()
        this.#socket.end(() => this.#socket.destroy())
      }
    }
    this.#socket.uncork()
    this.#applyBackPressure()
  }

  /** Charges a request to the client quotas; a throttle goes into the response's throttleTimeMs and mutes the socket. */
  #chargeQuotas(apiKey: number, frameBytes: number, clientId: string, response: unknown): void {
    if (QUOTA_EXEMPT_KEYS.has(apiKey) || this.#closed) return
    const usage = apiKey === PRODUCE_KEY ? { produce: frameBytes } : apiKey === FETCH_KEY ? { fetch: fetchAnswerBytes(response) } : {}
    const throttleTimeMs = chargeRequest(this.#gateway, this, clientId, usage)
    if (throttleTimeMs === 0) return
    if (typeof response === 'object' && response !== null && 'throttleTimeMs' in response) (response as { throttleTimeMs: number }).throttleTimeMs = throttleTimeMs
    this.#mute.extend(throttleTimeMs)
  }

  #requestBytesChanged(delta: number): void {
    this.#requestBytes += delta
    this.#gateway.outbound.requestBytesChanged(delta)
    this.#applyBackPressure()
  }

  /** Gives a request's bytes back to the budgets, once (when answered, or at once when the connection closes). */
  #giveBack(slot: Slot): void {
    const bytes = slot.requestBytes
    slot.requestBytes = 0
    if (bytes > 0) this.#requestBytesChanged(-bytes)
  }

  #applyBackPressure(): void {
    if (this.#closed) return
    const { limits, outbound } = this.#gateway
    const over = this.#mute.active || this.#slots.length >= limits.inFlightMax || this.#socket.writableLength > limits.sessionQueuedBytesMax ||
      this.#requestBytes > limits.sessionRequestBytesMax || (this.#requestBytes > 0 && outbound.requestBytes > limits.requestBytesInFlightMax)
    if (over && !this.#paused) this.#socket.pause()
    else if (!over && this.#paused) this.#socket.resume()
    this.#paused = over
  }

  #release(): void {
    if (this.#closed) return
    this.#closed = true
    this.#mute.clear()
    // A held request (a JoinGroup waiting for its rebalance) may be answered minutes later: its bytes
    // go back now, so a closed connection does not keep other connections' and sessions' budget.
    for (const slot of this.#slots) {
      for (const r of slot.held) r.release()
      this.#giveBack(slot)
    }
    this.subscriptions.closeAll()
    this.#closedController.abort(sessionClosedError())
  }
}
