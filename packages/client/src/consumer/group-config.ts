// A group consumer's options, their defaults and checks: what `faecie.consumer({ groupId, ... })`
// takes on top of the reading options of config.ts. The heartbeat interval is not among them: the
// coordinator says how often it wants to hear from a member, in every heartbeat answer.
import { positive } from '../config.js'
import type { ConsumerConfig } from './config.js'
import type { TopicPartition } from './state.js'

/** Called with the partitions a rebalance gave to or took from this member; awaited before it goes on. */
export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>

export interface GroupConsumerConfig extends ConsumerConfig {
  /** The consumer group: members of one group share the partitions of the topics they subscribe to. */
  groupId: string
  /** How long the coordinator waits without a heartbeat before it gives this member's partitions away. Default 45 s (the broker bounds it). */
  sessionTimeoutMs?: number
  /** How long this member may take to give up partitions it loses in a rebalance. Default 60 s. */
  rebalanceTimeoutMs?: number
  /** How long one eachMessage / eachBatch (or one message held by stream()) may run before the member leaves the group. Default 5 min. */
  maxPollIntervalMs?: number
  /** Commit what was consumed every autoCommitIntervalMs, on a rebalance and on disconnect. Default true. */
  autoCommit?: boolean
  /** Default 5000. */
  autoCommitIntervalMs?: number
  /** Static membership: a member that comes back under the same id within the session gets its partitions back. */
  groupInstanceId?: string
  /** The server-side assignor: 'uniform' (sticky: moves as few partitions as it can) or 'range'. Default: the group's. */
  assignor?: string
  onPartitionsAssigned?: PartitionsListener
  onPartitionsRevoked?: PartitionsListener
}

export interface ResolvedGroupConfig {
  groupId: string
  sessionTimeoutMs: number | undefined
  rebalanceTimeoutMs: number
  maxPollIntervalMs: number
  autoCommit: boolean
  autoCommitIntervalMs: number
  groupInstanceId: string | undefined
  assignor: string | undefined
}

export function resolveGroupConfig(config: GroupConsumerConfig): ResolvedGroupConfig {
  if (typeof config.groupId !== 'string' || config.groupId === '') throw new TypeError('groupId must be a non-empty string')
  if (config.groupInstanceId !== undefined && (typeof config.groupInstanceId !== 'string' || config.groupInstanceId === '')) {
    throw new TypeError('groupInstanceId must be a non-empty string')
  }
  if (config.autoCommit !== undefined && typeof config.autoCommit !== 'boolean') throw new TypeError('autoCommit must be a boolean')
  return {
    groupId: config.groupId,
    sessionTimeoutMs: config.sessionTimeoutMs === undefined ? undefined : positive('sessionTimeoutMs', config.sessionTimeoutMs, 45_000, { integer: true }),
    rebalanceTimeoutMs: positive('rebalanceTimeoutMs', config.rebalanceTimeoutMs, 60_000, { integer: true }),
    maxPollIntervalMs: positive('maxPollIntervalMs', config.maxPollIntervalMs, 300_000, { integer: true }),
    autoCommit: config.autoCommit ?? true,
    autoCommitIntervalMs: positive('autoCommitIntervalMs', config.autoCommitIntervalMs, 5_000, { integer: true }),
    groupInstanceId: config.groupInstanceId,
    assignor: config.assignor,
  }
}
