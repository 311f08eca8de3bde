// A TCP proxy of the test process, for the proxy topology: listens on 127.0.0.1 port 0 and joins
// every connection to a target set later (a broker's port is known only once it listens).
//
// A cut proxy behaves as a cut link does in the netns topology, silently: it stops moving bytes both
// ways (both sockets paused, so the kernel's buffers fill and the writers feel back-pressure, as on
// a link dropping packets) and connections dialled meanwhile are accepted but never joined. Nothing
// is closed or reset; after heal every held connection carries on, as TCP does after its
// retransmissions. A connection is closed only when one of its ends closes or fails.
import { type Server, type Socket, connect, createServer } from 'node:net'

interface Joined {
  client: Socket
  upstream: Socket | undefined
}

export class TcpProxy {
  private readonly connections = new Set<Joined>()
  private target: { host: string; port: number } | undefined
  private cutNow = false
  private closed = false

  private constructor(readonly name: string, private readonly server: Server, readonly port: number) {
    server.on('connection', (client) => this.accept(client))
  }

  /** A proxy listening on 127.0.0.1, port 0; `target` may be set now or later. */
  static async start(name: string, target?: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const proxy = new TcpProxy(name, server, (server.address() as { port: number }).port)
    if (target !== undefined) proxy.setTarget(target.host, target.port)
    return proxy
  }

  /** Where new connections go (a restarted broker listens on a new port); held ones are joined now. */
  setTarget(host: string, port: number): void {
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`proxy ${this.name}: bad target port ${port}`)
    this.target = { host, port }
    if (!this.cutNow) for (const joined of this.connections) this.join(joined)
  }

  get isCut(): boolean {
    return this.cutNow
  }

  /** Connections open through the proxy (held ones included). */
  get connectionCount(): number {
    return this.connections.size
  }

  cut(): void {
    this.cutNow = true
    for (const { client, upstream } of this.connections) {
      if (upstream === undefined) continue
      client.unpipe(upstream)
      upstream.unpipe(client)
      client.pause()
      upstream.pause()
    }
  }

  heal(): void {
    if (!this.cutNow) return
    this.cutNow = false
    for (const joined of this.connections) {
      if (joined.upstream === undefined) this.join(joined)
      else this.pipe(joined)
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const { client, upstream } of this.connections) {
      client.destroy()
      upstream?.destroy()
    }
    this.connections.clear()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    if (this.closed) {
      client.destroy()
      return
    }
    const joined: Joined = { client, upstream: undefined }
    this.connections.add(joined)
    client.on('error', () => this.drop(joined))
    client.on('close', () => this.drop(joined))
    this.join(joined)
  }

  /** Dials the target for a connection not yet joined, unless cut or without a target. */
  private join(joined: Joined): void {
    if (joined.upstream !== undefined || this.cutNow || this.target === undefined) return
    const upstream = connect(this.target.port, this.target.host)
    joined.upstream = upstream
    upstream.on('error', () => this.drop(joined))
    upstream.on('close', () => this.drop(joined))
    upstream.once('connect', () => {
      if (!this.cutNow) this.pipe(joined)
    })
  }

  private pipe({ client, upstream }: Joined): void {
    if (upstream === undefined || upstream.connecting) return
    client.pipe(upstream)
    upstream.pipe(client)
  }

  private drop(joined: Joined): void {
    if (!this.connections.delete(joined)) return
    joined.client.destroy()
    joined.upstream?.destroy()
  }
}
