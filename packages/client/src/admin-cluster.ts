// The admin's cluster operations (admin.ts delegates here): partition reassignments (Kafka's
// alterPartitionReassignments / listPartitionReassignments, KIP-455) and preferred-leader
// elections (electLeaders). The brokers forward them to the controller. Each partition is answered
// on its own: the results carry a FaecieError per partition that failed, rather than one thrown
// error, so that an operator's plan of many partitions reports each (a request-level failure still
// throws). A partition refused with a retriable error (NOT_CONTROLLER while the controller
// changes, a timeout) is asked again, alone, within the retry budget; a request of many
// partitions goes in chunks of `REASSIGN_PARTITIONS_PER_REQUEST_MAX`. Runs in browsers too.
import {
  ErrorCode,
  FaecieError,
  type ListPartitionReassignmentsResponse,
  type WireError,
} from '@faecie/protocol'
import type { Cluster } from './cluster.js'
import { withRetry } from './retry.js'

/** Partitions per alter or elect request: well under the brokers' requestItemsMax (10000 by default). */
export const REASSIGN_PARTITIONS_PER_REQUEST_MAX = 1_000

export interface PartitionReassignment {
  topic: string
  partition: number
  /** The target replicas, the preferred leader first; null cancels the move in progress. */
  replicas: number[] | null
}

export interface PartitionResult {
  topic: string
  partition: number
  /** Absent: done. */
  error?: FaecieError
}

export interface ElectionResult extends PartitionResult {
  /** The leader after the election (-1: none known). */
  leader: number
}

export type PartitionReassignments = ListPartitionReassignmentsResponse

/** Per-partition errors that say something about the partition, not about the moment: never retried here. */
const FINAL_ELECTION_ERRORS: ReadonlySet<number> = new Set([ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE])

const keyOf = (p: { topic: string; partition: number }): string => `${p.topic}\u0000${p.partition}`

function partitionError(topic: string, partition: number, error: WireError): FaecieError {
  const name = `${topic}-${partition}`
  const message = error.message.includes(name) ? error.message : `${name}: ${error.message}`
  return new FaecieError(error.code, message, { errorName: error.name, retriable: error.retriable })
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += REASSIGN_PARTITIONS_PER_REQUEST_MAX) out.push(items.slice(i, i + REASSIGN_PARTITIONS_PER_REQUEST_MAX))
  return out
}

export class ClusterAdmin {
  constructor(private readonly cluster: Cluster) {}

  /**
   * Starts moving each partition to its target replicas (or cancels its move: replicas null);
   * resolves once the controller has recorded each move, not when the data has moved (watch
   * listPartitionReassignments). `throttleBytesPerSec` sets the replication throttle of the moving
   * replicas (bytes/s per broker; 0 removes it); with no partitions, only the throttle changes.
   */
  async alterPartitionReassignments(options: { partitions: PartitionReassignment[]; throttleBytesPerSec?: number }): Promise<PartitionResult[]> {
    const throttle = options.throttleBytesPerSec
    if (throttle !== undefined && (!Number.isSafeInteger(throttle) || throttle < 0)) {
      throw new FaecieError(ErrorCode.INVALID_REQUEST, `throttleBytesPerSec must be an integer >= 0, not ${throttle}.`)
    }
    const extra = throttle === undefined ? {} : { throttleBytesPerSec: throttle }
    if (options.partitions.length === 0) {
      if (throttle !== undefined) await this.cluster.request('alterPartitionReassignments', { partitions: [], ...extra })
      return []
    }
    const results = await this.perPartition(options.partitions, (asked, retried) => this.cluster.request('alterPartitionReassignments', {
      partitions: asked.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })),
      ...extra,
    }, { retry: false }).then((r) => r.partitions.map((answer) => {
      // A cancel asked again after a lost answer: the first one did it.
      const cancelled = answer.error?.code === ErrorCode.NO_REASSIGNMENT_IN_PROGRESS && retried.has(keyOf(answer))
      return cancelled ? { topic: answer.topic, partition: answer.partition } : answer
    })), () => true)
    return results
  }

  /** The moves in progress (of these topics, else all), and the replication throttle in force. */
  async listPartitionReassignments(options: { topics?: string[] } = {}): Promise<PartitionReassignments> {
    // Without the response envelope's id (Cluster.request answers the whole frame).
    const { id: _id, ...listed } = (await this.cluster.request('listPartitionReassignments', options.topics === undefined ? {} : { topics: options.topics })) as PartitionReassignments & { id?: number }
    return listed
  }

  /**
   * Preferred-leader election (the only kind): each partition (every partition of the cluster when
   * none are named) gets its first replica as leader if that one is alive and in the ISR. Per
   * partition: its leader, or an error (ELECTION_NOT_NEEDED when already led by it).
   */
  async electLeaders(options: { partitions?: Array<{ topic: string; partition: number }> } = {}): Promise<ElectionResult[]> {
    if (options.partitions === undefined) {
      const response = await this.cluster.request('electLeaders', { electionType: 'preferred' })
      return response.partitions.map((p) => this.electionResult(p))
    }
    const results = await this.perPartition(options.partitions, (asked) => this.cluster.request('electLeaders', {
      electionType: 'preferred', partitions: asked.map((p) => ({ topic: p.topic, partition: p.partition })),
    }, { retry: false }).then((r) => r.partitions), (error) => !FINAL_ELECTION_ERRORS.has(error.code))
    return results.map((r) => this.electionResult(r))
  }

  private electionResult(p: { topic: string; partition: number; leader?: number; error?: WireError | FaecieError }): ElectionResult {
    const error = p.error === undefined ? undefined : p.error instanceof FaecieError ? p.error : partitionError(p.topic, p.partition, p.error)
    return { topic: p.topic, partition: p.partition, leader: p.leader ?? -1, ...(error === undefined ? {} : { error }) }
  }

  /**
   * Asks for `items` in chunks; the partitions answered with a retriable error that `retryable`
   * accepts are asked again, alone, within the retry budget, and keep their last error if it runs
   * out. Answers in the order asked.
   */
  private async perPartition<T extends { topic: string; partition: number }, A extends { topic: string; partition: number; error?: WireError }>(
    items: T[],
    ask: (asked: T[], retried: Set<string>) => Promise<A[]>,
    retryable: (error: WireError) => boolean,
  ): Promise<Array<Omit<A, 'error'> & { error?: FaecieError }>> {
    const seen = new Set<string>()
    for (const item of items) {
      if (seen.has(keyOf(item))) throw new FaecieError(ErrorCode.INVALID_REQUEST, `${item.topic}-${item.partition} is named twice.`)
      seen.add(keyOf(item))
    }
    const done = new Map<string, Omit<A, 'error'> & { error?: FaecieError }>()
    /** Asked before (lost or refused retriably): a second answer may reflect the first request. */
    const retried = new Set<string>()
    const todo = new Set(seen)
    const attempt = async (): Promise<void> => {
      for (const asked of chunks(items.filter((item) => todo.has(keyOf(item))))) {
        const answers = await ask(asked, retried).catch((err: unknown) => {
          for (const item of asked) retried.add(keyOf(item))
          throw err
        })
        let again: FaecieError | undefined
        for (const answer of answers) {
          const key = keyOf(answer)
          if (!todo.has(key)) continue
          const { error, ...rest } = answer
          const failed = error === undefined ? undefined : partitionError(answer.topic, answer.partition, error)
          done.set(key, failed === undefined ? rest : { ...rest, error: failed })
          if (failed !== undefined && error!.retriable && retryable(error!)) {
            retried.add(key)
            again ??= failed
          } else {
            todo.delete(key)
          }
        }
        if (again !== undefined) throw again
      }
    }
    try {
      await withRetry(attempt, this.cluster.config.retry, { signal: this.cluster.signal })
    } catch (err) {
      // The budget ran out: partitions that never got an answer fail with the last error; answered ones keep theirs.
      if (!(err instanceof FaecieError) || items.every((item) => !done.has(keyOf(item)))) throw err
    }
    const unanswered = (item: T) => ({ topic: item.topic, partition: item.partition, error: new FaecieError(ErrorCode.REQUEST_TIMED_OUT, `${item.topic}-${item.partition}: no answer.`) })
    return items.map((item) => done.get(keyOf(item)) ?? (unanswered(item) as Omit<A, 'error'> & { error?: FaecieError }))
  }
}
