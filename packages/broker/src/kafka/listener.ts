// The Kafka-protocol TCP listener: a second gateway onto the same topic service, partition actors
// and coordinator as the WebSocket one. Bound to the broker's --host on --kafka-port (0: any free
// port; the port chosen is logged as `kafka listening`). Connections are capped by the gateway's
// sessionsMax and sessionsPerAddressMax (gateway/limits.ts), counted apart from WebSocket sessions;
// one more is closed at once with the reason logged. With `tls` (--tls-cert/--tls-key) it is a
// tls.Server (Kafka's SSL security protocol; reloaded on SIGHUP, ../server/tls-context.ts): a
// connection counts once its handshake is done, and a verified client certificate logs it in as
// User:<CN>. Handshakes take at most helloTimeoutMs; sockets, handshaking or not, are at most
// sessionsMax. A failed handshake (a client not trusting the certificate, or without one under
// --tls-client-auth require) is logged at debug and closed.
import { createServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { AddressInfo } from 'node:net'
import type { Gateway } from '../gateway/context.js'
import type { Logger } from '../log.js'
import { certificatePrincipal, type TlsContext } from '../server/tls-context.js'
import type { KafkaListenerInfo } from './apis/context.js'
import { KafkaConnection } from './connection.js'
import { AddressCounts } from '../util/address-counts.js'

export interface KafkaListenerOptions {
  host: string
  port: number
  /** The host Metadata gives clients; default: the bind host (a wildcard bind: 127.0.0.1). */
  advertisedHost: string | undefined
  brokerId: number
  clusterId: string
  gateway: Gateway
  logger: Logger
  /** Serve Kafka over TLS with this context (and have it reload the server's certificate). */
  tls?: TlsContext
}

export class KafkaListener {
  readonly connections = new Set<KafkaConnection>()
  readonly #byAddress = new AddressCounts()
  readonly #server: Server
  readonly #logger: Logger
  readonly #gateway: Gateway
  readonly #info: KafkaListenerInfo
  #nextId = 1

  private constructor(server: Server, options: KafkaListenerOptions, info: KafkaListenerInfo) {
    this.#server = server
    this.#logger = options.logger.child({ module: 'kafka' })
    this.#gateway = options.gateway
    this.#info = info
  }

  static async listen(options: KafkaListenerOptions): Promise<KafkaListener> {
    const tls = options.tls
    const server: Server = tls === undefined ? createServer({ noDelay: true }) : createTlsServer({ ...tls.serverOptions(options.gateway.limits.helloTimeoutMs), noDelay: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => { server.off('error', reject); resolve() })
    })
    const port = (server.address() as AddressInfo).port
    const info: KafkaListenerInfo = { brokerId: options.brokerId, clusterId: options.clusterId, advertisedPort: port,
      advertisedHost: options.advertisedHost ?? advertisable(options.host) }
    const listener = new KafkaListener(server, options, info)
    if (tls === undefined) {
      server.on('connection', (socket: Socket) => listener.#accept(socket))
    } else {
      tls.add(server as ReturnType<typeof createTlsServer>)
      // Connections still in their handshake count too (each handshake is bounded by helloTimeoutMs).
      server.maxConnections = options.gateway.limits.sessionsMax
      server.on('secureConnection', (socket: Socket) => listener.#accept(socket))
      server.on('tlsClientError', (err: Error, socket: Socket) =>
        listener.#logger.debug({ remote: socket.remoteAddress, error: err.message }, 'Kafka TLS handshake failed'))
    }
    listener.#logger.info({ host: options.host, port, advertisedHost: info.advertisedHost, tls: tls !== undefined }, 'kafka listening')
    return listener
  }

  get port(): number {
    return this.#info.advertisedPort
  }

  #accept(socket: Socket): void {
    const { sessionsMax, sessionsPerAddressMax } = this.#gateway.limits
    const address = socket.remoteAddress ?? 'unknown'
    const fromAddress = this.#byAddress.of(address)
    const refusal = this.#gateway.draining ? 'broker shutting down'
      : this.connections.size >= sessionsMax ? `too many Kafka connections (sessionsMax ${sessionsMax})`
        : fromAddress >= sessionsPerAddressMax ? `too many Kafka connections from ${address} (sessionsPerAddressMax ${sessionsPerAddressMax})`
          : undefined
    if (refusal !== undefined) {
      this.#logger.warn({ remote: address, reason: refusal }, 'Kafka connection refused')
      socket.destroy()
      return
    }
    const connection = new KafkaConnection(this.#nextId++, socket, this.#gateway, this.#info, this.#logger)
    const principal = certificatePrincipal(socket)
    if (principal !== undefined) {
      connection.principal = principal
      connection.loggedIn = true
      this.#logger.info({ kafkaConnection: connection.id, remote: address, principal }, 'logged in by client certificate')
    }
    this.connections.add(connection)
    const closed = this.#byAddress.open(address)
    socket.on('close', () => {
      this.connections.delete(connection)
      closed()
    })
  }

  /** Stops accepting and ends every connection. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.close(0, 'broker shutting down')
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

function advertisable(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host
}
