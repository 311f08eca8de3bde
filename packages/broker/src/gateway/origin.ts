// Which web pages may drive this broker. A browser sends the `Origin` of the page that opens a
// WebSocket or makes a state-changing request; the broker accepts its own origin (the page it serves
// under /ui, on the address it listens on) and the origins given with `--allowed-origins`, and
// refuses every other with HTTP 403, so that a random page a user visits cannot reach a broker on
// localhost. Requests without an Origin come from programs, not pages (the Node client, the CLI,
// curl) and are let through. The own origins are built from the listening address and the loopback
// names, never from the request's Host header (a DNS-rebound page would send its own name there).
// In a cluster the console served by any broker follows leaders to the others, so a broker also
// accepts the origins of every live broker's advertised URL (as registered in etcd, which only
// brokers of the cluster write), with the loopback names when that URL is a loopback one.
import type { Logger } from '../log.js'

export class OriginPolicy {
  readonly #allowed = new Set<string>()
  readonly #anyOrigin: boolean
  #peerUrls: (() => readonly string[]) | undefined

  /** `extra`: origins such as `http://localhost:5173`; `*` allows every origin (development only). */
  constructor(extra: readonly string[], logger?: Logger) {
    this.#anyOrigin = extra.includes('*')
    for (const origin of extra) if (origin !== '*') this.#allowed.add(normalizeOrigin(origin))
    if (this.#anyOrigin) logger?.warn('--allowed-origins includes "*": any web page may drive this broker')
  }

  /** Adds the broker's own origins once its address is known. */
  addOwnOrigins(host: string, port: number): void {
    const names = new Set([host, '127.0.0.1', 'localhost', '[::1]'])
    if (host === '0.0.0.0' || host === '::') names.delete(host)
    for (const name of names) {
      const hostPart = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name
      this.#allowed.add(`http://${hostPart}:${port}`)
      this.#allowed.add(`https://${hostPart}:${port}`)
    }
  }

  /** Cluster mode: the live brokers' advertised URLs (ws://HOST:PORT), read anew at each check. */
  allowPeers(urls: () => readonly string[]): void {
    this.#peerUrls = urls
  }

  allows(origin: string | undefined): boolean {
    if (origin === undefined || this.#anyOrigin) return true
    const normalized = normalizeOrigin(origin)
    if (this.#allowed.has(normalized)) return true
    return this.#peerUrls?.().some((url) => peerOrigins(url).includes(normalized)) ?? false
  }

  get allowed(): string[] {
    return this.#anyOrigin ? ['*'] : [...this.#allowed]
  }
}

/** Lower case, without a trailing slash (origins have no path, but lists written by hand may). */
export function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '')
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/** The page origins of a broker reached at `url` (ws:// or wss://): http(s)://HOST:PORT, all loopback names for a loopback host. */
export function peerOrigins(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const port = parsed.port === '' ? '' : `:${parsed.port}` // a default port is not written in an origin
  const host = parsed.hostname.toLowerCase()
  const names = LOOPBACK_NAMES.includes(host) ? LOOPBACK_NAMES : [host]
  return names.flatMap((name) => [`http://${name}${port}`, `https://${name}${port}`])
}
