// Where each consumer group lives: the group's coordinator, as `findCoordinator` names it, cached
// per group, and the connection to it (the client's one session per broker, cluster.ts). Every
// group op (heartbeat, commit, fetchOffsets, describe, delete, alter offsets) goes there.
//
// An answer that says the coordinator is not (or not yet) there, NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE, or a lost connection or timeout, forgets the group's coordinator: the
// next attempt asks findCoordinator again. COORDINATOR_LOAD_IN_PROGRESS keeps it (the right broker,
// still replaying the group's partition): the next attempt goes there again. These errors are all
// retriable; the caller's retry loop (request() here, or the member's heartbeat backoff in
// membership.ts) waits a bounded backoff on the client's clock before it. None of them is a fence:
// the member keeps its id, epoch and partitions.
//
// A broker that cannot answer findCoordinator (one from before issue 14: UNKNOWN_OP, or a cluster
// broker whose groups still live on the controller: UNSUPPORTED_VERSION) is remembered for
// `metadataMaxAgeMs`: meanwhile the group's ops go to the "any" connection, as they did before,
// and it forwards them where the groups live. A single broker names itself: its ops go over the
// one session the client already has.
import { ErrorCode, FaecieError, type OpName, type OpRequest, type OpResponse } from '@faecie/protocol'
import { type Clock, systemClock } from './clock.js'
import type { Cluster } from './cluster.js'
import type { Connection, RequestOptions } from './connection.js'
import { type RetryOptions, isRetriable, withRetry } from './retry.js'

/** Groups whose coordinator is remembered at once; the oldest is forgotten past this (it is asked again). */
export const COORDINATORS_CACHED_MAX = 1_000

/** Errors after which the group's coordinator is asked again (it moved, or its broker went away). */
export const COORDINATOR_MOVED_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.BROKER_NOT_AVAILABLE,
])

/** Errors that say nothing about the member: where the group lives, or that it is loading there. */
export function isCoordinatorError(err: unknown): boolean {
  return err instanceof FaecieError && (COORDINATOR_MOVED_CODES.has(err.code) || err.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
}

/** The answers of a broker that has no findCoordinator to give: send group ops anywhere, as before. */
const NO_FIND_COORDINATOR: ReadonlySet<number> = new Set([ErrorCode.UNSUPPORTED_VERSION, ErrorCode.UNKNOWN_OP])

/** A group's coordinator: a broker, or "any" (the broker asked could not say) until `untilMs`. */
export type CoordinatorOf = { brokerId: number; url: string } | { any: true; untilMs: number }

export interface CoordinatorRequestOptions extends RequestOptions {
  /** false: one attempt. Default: the client's retry options. */
  retry?: RetryOptions | false
  /** Which errors to retry; default the retriable ones (coordinator errors included). */
  retriable?: (err: unknown) => boolean
}

export class Coordinators {
  private readonly known = new Map<string, CoordinatorOf>()
  private readonly finding = new Map<string, Promise<CoordinatorOf>>()
  private readonly clock: Clock

  constructor(private readonly cluster: Cluster, options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock
  }

  /** The group's coordinator as last found (undefined: not known now). */
  coordinatorOf(groupId: string): CoordinatorOf | undefined {
    const known = this.known.get(groupId)
    if (known !== undefined && 'any' in known && this.clock.now() >= known.untilMs) return undefined
    return known
  }

  /** Forgets the group's coordinator: the next op asks findCoordinator first. */
  forget(groupId: string): void {
    this.known.delete(groupId)
  }

  /** The group's coordinator, asked of the cluster if not known (one findCoordinator per group at a time). */
  find(groupId: string): Promise<CoordinatorOf> {
    const known = this.coordinatorOf(groupId)
    if (known !== undefined) return Promise.resolve(known)
    let finding = this.finding.get(groupId)
    if (finding === undefined) {
      finding = this.ask(groupId).finally(() => this.finding.delete(groupId))
      this.finding.set(groupId, finding)
    }
    return finding
  }

  /** The open connection to the group's coordinator (found and connected first if need be). One attempt. */
  async connection(groupId: string): Promise<Connection> {
    const coordinator = await this.find(groupId)
    if ('any' in coordinator) return this.cluster.connect()
    const connection = await this.cluster.brokerConnection(coordinator.brokerId, coordinator.url)
    if (connection.hello.brokerId !== coordinator.brokerId) {
      throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE,
        `Group ${groupId}'s coordinator, broker ${coordinator.brokerId}, was not reached (broker ${connection.hello.brokerId} answered).`)
    }
    return connection
  }

  /**
   * Runs `use` with the coordinator's connection, once; an error thrown by either that says the
   * coordinator moved (or is unreachable) forgets it, so the next attempt finds it again.
   */
  async withCoordinator<T>(groupId: string, use: (connection: Connection) => Promise<T>): Promise<T> {
    try {
      return await use(await this.connection(groupId))
    } catch (err) {
      this.noteError(groupId, err)
      throw err
    }
  }

  /** Hears an error of the group's op (the op's or one of its parts'): true if the coordinator was forgotten. */
  noteError(groupId: string, err: unknown): boolean {
    if (!(err instanceof FaecieError) || !COORDINATOR_MOVED_CODES.has(err.code)) return false
    this.forget(groupId)
    return true
  }

  /** One attempt of a group op at its coordinator. */
  send<Op extends OpName>(groupId: string, op: Op, fields: OpRequest<Op>, options: RequestOptions = {}): Promise<OpResponse<Op>> {
    return this.withCoordinator(groupId, (connection) => connection.request(op, fields, options))
  }

  /** A group op at its coordinator, retried (finding the coordinator again as need be) with backoff on the client's clock. */
  request<Op extends OpName>(groupId: string, op: Op, fields: OpRequest<Op>, options: CoordinatorRequestOptions = {}): Promise<OpResponse<Op>> {
    const { retry = this.cluster.config.retry, retriable = isRetriable, ...requestOptions } = options
    const once = (): Promise<OpResponse<Op>> => this.send(groupId, op, fields, requestOptions)
    if (retry === false) return once()
    return withRetry(once, retry, { signal: this.cluster.signal, clock: this.clock, retriable })
  }

  /** Retries `attempt` as request() does (for ops made of several requests, e.g. several coordinators). */
  retrying<T>(attempt: (retry: number) => Promise<T>, retriable: (err: unknown) => boolean = isRetriable): Promise<T> {
    return withRetry(attempt, this.cluster.config.retry, { signal: this.cluster.signal, clock: this.clock, retriable })
  }

  private async ask(groupId: string): Promise<CoordinatorOf> {
    let found: CoordinatorOf
    try {
      const answer = await this.cluster.request('findCoordinator', { key: groupId }, { retry: false })
      if (!Number.isSafeInteger(answer.brokerId) || answer.brokerId < 0 || typeof answer.url !== 'string' || answer.url === '') {
        throw new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `findCoordinator named no broker for group ${groupId}.`)
      }
      found = { brokerId: answer.brokerId, url: answer.url }
    } catch (err) {
      if (!(err instanceof FaecieError) || !NO_FIND_COORDINATOR.has(err.code)) throw err
      found = { any: true, untilMs: this.clock.now() + this.cluster.config.metadataMaxAgeMs }
    }
    this.known.delete(groupId)
    if (this.known.size >= COORDINATORS_CACHED_MAX) this.known.delete(this.known.keys().next().value!)
    this.known.set(groupId, found)
    return found
  }
}
