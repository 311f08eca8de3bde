// The console's one connection to the broker it was served from: a Faecie client (the browser
// entry of @faecie/client, the same one users get) with an admin, a producer made on first use,
// and a group-less consumer whose healing cluster connection the message browser reads pages
// through (fetch.ts). Also the broker's stats (the `stats` op), tolerated when the broker or the
// client does not have it yet, and the partition moves in progress (listPartitionReassignments: none
// where the broker does not have the op yet). With a login (auth.ts), the client logs in with SCRAM
// (@faecie/client's `sasl` option) on every (re)connect.
import { Faecie, FaecieError, type Admin, type BrokerStats, type Consumer, type FaecieConfig, type Producer } from '@faecie/client/browser'
import type { ListPartitionReassignmentsResponse } from '@faecie/protocol'
import { isNotBuilt } from './cluster-view.js'

/** The `stats` op's answer (docs/protocol.md), as admin.stats() resolves it. */
export type { BrokerStats }

/** How long one request may take before the console gives it up (and shows the broker as unreachable). */
export const REQUEST_TIMEOUT_MS = 15_000
/** Retries of a request that failed retriably (a reconnect included) before its error is shown. */
export const REQUEST_RETRIES = 3

/**
 * The broker's WebSocket at the address the page came from: ws://<host>/v1/ws (wss:// under
 * https); `?broker=ws://host:port` names another (Vite's dev server; that broker must allow the
 * page's origin with --allowed-origins).
 */
export function brokerAddress(location: { protocol: string; host: string; search?: string }): string {
  const named = new URLSearchParams(location.search ?? '').get('broker')
  if (named !== null && named !== '') return named
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`
}

/** admin.stats() is new: an older client (or a build without it) is tolerated. */
type StatsAdmin = Omit<Admin, 'stats'> & { stats?: () => Promise<BrokerStats> }

export class ConsoleClient {
  readonly faecie: Faecie
  readonly admin: Admin
  /** Never assigned anything: its cluster carries the browser's fetch requests. */
  readonly reader: Consumer
  #producer: Producer | undefined
  /** False once the broker said it has no `stats` op. */
  #statsSupported = true

  constructor(readonly brokerUrl: string, credentials?: { username: string; password: string; mechanism: string }) {
    const config: FaecieConfig & { sasl?: { mechanism: string; username: string; password: string } } = {
      brokers: [brokerUrl],
      clientId: 'faecie-console',
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      connectTimeoutMs: 10_000,
      retry: { retries: REQUEST_RETRIES, maxRetryTimeMs: 2_000 },
    }
    if (credentials !== undefined) config.sasl = { ...credentials, mechanism: credentials.mechanism.toLowerCase() }
    this.faecie = new Faecie(config)
    this.admin = this.faecie.admin()
    this.reader = this.faecie.consumer({ autoOffsetReset: 'earliest' })
  }

  producer(): Producer {
    this.#producer ??= this.faecie.producer({ lingerMs: 0 })
    return this.#producer
  }

  /** The broker's stats, or undefined when this broker (or client) has no `stats` op. */
  async stats(): Promise<BrokerStats | undefined> {
    const admin = this.admin as unknown as StatsAdmin
    if (!this.#statsSupported || typeof admin.stats !== 'function') return undefined
    try {
      return await admin.stats()
    } catch (err) {
      if (err instanceof FaecieError && /UNKNOWN_OP|UNSUPPORTED|INVALID_REQUEST/.test(err.errorName)) {
        this.#statsSupported = false
        return undefined
      }
      throw err
    }
  }

  /** The partition reassignments in progress (of `topics`, else all); none where the broker lacks the op. */
  async reassignments(topics?: string[]): Promise<ListPartitionReassignmentsResponse> {
    try {
      const { reassignments, throttleBytesPerSec } = await this.reader.cluster.request('listPartitionReassignments', topics === undefined ? {} : { topics })
      return { reassignments, throttleBytesPerSec }
    } catch (err) {
      if (isNotBuilt(err)) return { reassignments: [], throttleBytesPerSec: null }
      throw err
    }
  }

  get statsSupported(): boolean {
    return this.#statsSupported && typeof (this.admin as unknown as StatsAdmin).stats === 'function'
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.disconnect(), this.reader.disconnect(), this.#producer?.disconnect()])
  }
}
