// The one thing the client core needs from the platform: a binary message socket. The core
// (connection.ts and everything above it) talks only to this interface, as NATS.js's core talks to
// its Transport; transport-browser.ts plugs in the global WebSocket and transport-node.ts the `ws`
// package. The entry points (index.ts for browsers, node.ts for Node) install their default, and
// any app may pass its own factory in the client config (a test double, a proxy, another runtime).

/** What a transport reports; called at most once each for open and close. */
export interface TransportHandlers {
  onOpen(): void
  /** One binary message. Text messages are the transport's to refuse (close with 4000). */
  onMessage(data: Uint8Array): void
  /** The socket closed (or never opened); `code` as WebSocket close codes (1006: abnormal). */
  onClose(code: number, reason: string): void
}

export interface Transport {
  /** Queues one binary message. The bytes are copied or sent before this returns. */
  send(data: Uint8Array): void
  /** Bytes queued and not yet handed to the network (WebSocket.bufferedAmount). */
  readonly bufferedBytes: number
  close(code?: number, reason?: string): void
}

/** PEM (a string, or its bytes) for wss:// (the config's `tls`). */
export type PemInput = string | Uint8Array

/** TLS settings of the Node transport: the CA(s) to trust instead of the system's, a client certificate and its key. */
export interface ClientTlsOptions {
  ca?: PemInput | PemInput[]
  cert?: PemInput
  key?: PemInput
}

export interface TransportOptions {
  /** The largest message to accept (the broker's frameBytesMax with some room), where the platform lets us say. */
  messageBytesMax: number
  /** For wss:// in Node (the config's `tls`); browsers use their own trust store and ignore it. */
  tls?: ClientTlsOptions
}

export type TransportFactory = (url: string, handlers: TransportHandlers, options: TransportOptions) => Transport

let defaultFactory: TransportFactory | undefined

/** Installs the transport used when the client config names none (done by the entry points). */
export function setDefaultTransport(factory: TransportFactory): void {
  defaultFactory = factory
}

export function defaultTransport(): TransportFactory {
  if (defaultFactory === undefined) {
    throw new Error(
      'No WebSocket transport is installed. In Node, load @faecie/client through its package name (the "node" ' +
        'export condition installs the ws transport) or its /node entry; elsewhere pass `transport` in the Faecie config.',
    )
  }
  return defaultFactory
}

/** Close code for protocol errors (a text frame, a frame that cannot be decoded), as in docs/protocol.md. */
export const CLOSE_PROTOCOL_ERROR = 4000
/** WebSocket's "abnormal closure": the socket went away without a close frame. */
export const CLOSE_ABNORMAL = 1006
/** WebSocket's normal closure. */
export const CLOSE_NORMAL = 1000
