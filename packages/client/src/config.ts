// The client's configuration: what `new Faecie({...})` takes, its defaults, and the checks that
// refuse a bad value at construction with a message naming it (every limit is explicit and
// configurable, STYLE.md). Producer and consumer options are in their own folders.
import { type RetryOptions, resolveRetry } from './retry.js'
import { type SaslConfig, type SaslOptions, resolveSasl } from './sasl.js'
import { type ClientTlsOptions, type TransportFactory, defaultTransport } from './transport.js'

export interface FaecieConfig {
  /** Broker addresses: `ws://host:port` (`/v1/ws` is appended when no path is given), `wss://...`, or `host:port`. */
  brokers: string[]
  /** A name for the broker's logs, like Kafka's client.id. Default 'faecie'. */
  clientId?: string
  /** The WebSocket to use; default the entry point's (the global WebSocket in browsers, `ws` in Node). */
  transport?: TransportFactory
  /** From opening a socket to the broker's answer to hello. Default 10 s. */
  connectTimeoutMs?: number
  /** How long a request waits for its answer before the connection is given up. Default 30 s. */
  requestTimeoutMs?: number
  /** Retries of retriable errors and of reconnects (see retry.ts). */
  retry?: Partial<RetryOptions>
  /** The largest message accepted from a broker. Default 256 MiB. */
  messageBytesMax?: number
  /** How long topic metadata (partition counts) is trusted before it is asked again. Default 5 min. */
  metadataMaxAgeMs?: number
  /** Log in on every connection (SCRAM, sasl.ts): `{ mechanism: 'scram-sha-512', username, password }`. */
  sasl?: SaslOptions
  /** wss:// in Node: `ca` to trust (PEM; default the system's CAs), `cert` + `key` for a client certificate. Browsers ignore it. */
  tls?: ClientTlsOptions
}

export interface ClientConfig {
  brokers: string[]
  clientId: string
  transport: TransportFactory
  connectTimeoutMs: number
  requestTimeoutMs: number
  retry: RetryOptions
  messageBytesMax: number
  metadataMaxAgeMs: number
  sasl?: SaslConfig | undefined
}

/** The WebSocket path of the protocol. */
export const WS_PATH = '/v1/ws'
/** The longest quota throttle (throttleTimeMs) honoured from one answer: brokers bound theirs far lower (10 s by default). */
export const THROTTLE_MS_MAX = 60_000

/** `ws://127.0.0.1:8092` -> `ws://127.0.0.1:8092/v1/ws`; `127.0.0.1:8092` -> the same; other paths are kept. */
export function brokerUrl(address: string): string {
  const text = address.trim()
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new TypeError(`Not a broker address: ${JSON.stringify(address)}`)
  }
  if (url.protocol === 'http:') url.protocol = 'ws:'
  if (url.protocol === 'https:') url.protocol = 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`A broker address must be ws:// or wss://: ${JSON.stringify(address)}`)
  if (url.pathname === '' || url.pathname === '/') url.pathname = WS_PATH
  return url.toString()
}

/** Checks that an option is a number in range, and returns it or its default. */
export function positive(name: string, value: number | undefined, fallback: number, options: { min?: number; integer?: boolean } = {}): number {
  const v = value ?? fallback
  const min = options.min ?? 1
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (options.integer === true && !Number.isSafeInteger(v))) {
    throw new RangeError(`${name} must be ${options.integer === true ? 'an integer' : 'a number'} >= ${min}, not ${String(v)}`)
  }
  return v
}

export function resolveConfig(config: FaecieConfig): ClientConfig {
  if (typeof config !== 'object' || config === null || !Array.isArray(config.brokers) || config.brokers.length === 0) {
    throw new TypeError('Faecie needs `brokers`: a non-empty array of broker addresses such as "ws://127.0.0.1:8092".')
  }
  const clientId = config.clientId ?? 'faecie'
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string')
  return {
    brokers: config.brokers.map(brokerUrl),
    clientId,
    transport: withTls(config.transport ?? defaultTransport(), tlsOptions(config.tls)),
    connectTimeoutMs: positive('connectTimeoutMs', config.connectTimeoutMs, 10_000),
    requestTimeoutMs: positive('requestTimeoutMs', config.requestTimeoutMs, 30_000),
    retry: resolveRetry(config.retry),
    messageBytesMax: positive('messageBytesMax', config.messageBytesMax, 256 * 1024 * 1024, { integer: true }),
    metadataMaxAgeMs: positive('metadataMaxAgeMs', config.metadataMaxAgeMs, 5 * 60_000, { min: 0 }),
    sasl: resolveSasl(config.sasl),
  }
}

/** Checks the `tls` option: PEM strings or bytes; cert and key together. */
function tlsOptions(tls: ClientTlsOptions | undefined): ClientTlsOptions | undefined {
  if (tls === undefined) return undefined
  const pem = (v: unknown): boolean => typeof v === 'string' || v instanceof Uint8Array
  if (typeof tls !== 'object' || tls === null) throw new TypeError('tls must be an object { ca?, cert?, key? }')
  const cas = tls.ca === undefined ? [] : Array.isArray(tls.ca) ? tls.ca : [tls.ca]
  if (!cas.every(pem) || (tls.cert !== undefined && !pem(tls.cert)) || (tls.key !== undefined && !pem(tls.key))) {
    throw new TypeError('tls.ca, tls.cert and tls.key must be PEM strings or bytes')
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new TypeError('tls.cert and tls.key go together')
  return tls
}

/** The transport, handed `tls` with every socket it opens. */
function withTls(transport: TransportFactory, tls: ClientTlsOptions | undefined): TransportFactory {
  if (tls === undefined) return transport
  return (url, handlers, options) => transport(url, handlers, { ...options, tls })
}
