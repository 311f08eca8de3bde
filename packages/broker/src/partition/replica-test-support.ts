// Replicas for partition tests: several partition actors, one per "broker", on one simulated disk
// (a directory each) with one manual clock, and the moves of the replication protocol between them
// done by hand (a follower's fetch handed to its leader, the answer appended by the follower).
// Not imported by production code.
import { readBatchHeader } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionLog } from '../storage/log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { SimulatedDisk } from '../storage/simulated-disk.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type {
  AppendReplicaResult, LeaderRole, PartitionConfig, PartitionReply, PartitionRequest, ReplicaFetchResult,
} from './messages.js'
import { PartitionActor } from './partition-actor.js'
import type { IsrProposal } from './replica-state.js'

export const replicaConfig: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 1 << 20, timestampType: 'CreateTime', segmentBytes: 4096 }

export interface Replica {
  brokerId: number
  dir: string
  actor: PartitionActor
  log: PartitionLog
  proposals: IsrProposal[]
}

/** A reply slot filled whenever the actor answers (at once, or later for a held acks=all produce). */
export interface Pending {
  reply: PartitionReply | undefined
}

export class ReplicaSet {
  readonly disk = new SimulatedDisk()
  nowMs = 1_700_000_000_000
  readonly replicas = new Map<number, Replica>()

  constructor(readonly config: PartitionConfig = replicaConfig) {}

  /** `pipelined`: flush `always` syncs off the tick (pipelined-commit.ts) through the simulated disk's async fdatasync. */
  open(brokerId: number, options: { pipelined?: boolean } = {}): Replica {
    const dir = `/data/broker-${brokerId}/t-0`
    const clock = () => this.nowMs
    const log = PartitionLog.open({ dir, config: this.config, disk: this.disk, clock, logger: silentLogger() })
    const proposals: IsrProposal[] = []
    const actor = new PartitionActor({
      log, snapshots: diskSnapshotStore(this.disk, dir), config: this.config, clock, logger: silentLogger(),
      onIsrChange: (p) => proposals.push(p),
      ...(options.pipelined === true
        ? { syncFiles: async (paths: readonly string[]) => { await Promise.all(paths.map((path) => this.disk.fdatasyncFileAsync(path))) } }
        : {}),
    })
    const replica = { brokerId, dir, actor, log, proposals }
    this.replicas.set(brokerId, replica)
    return replica
  }

  get(brokerId: number): Replica {
    const r = this.replicas.get(brokerId)
    if (r === undefined) throw new Error(`no replica ${brokerId}`)
    return r
  }

  /** Time passes; every actor's timer runs. */
  advance(ms: number): void {
    this.nowMs += ms
    for (const r of this.replicas.values()) r.actor.onTimer(this.nowMs)
  }

  /** The follower fetches from the leader at its log end and appends the answer; returns both results. */
  replicate(leaderId: number, followerId: number, leaderEpoch: number, maxBytes = 1 << 20): { fetched: ReplicaFetchResult; appended: AppendReplicaResult } {
    const fetched = value<ReplicaFetchResult>(send(this.get(leaderId).actor, {
      op: 'replicaFetch', replicaId: followerId, fetchOffset: this.get(followerId).log.logEndOffset, leaderEpoch, maxBytes,
    }))
    const appended = value<AppendReplicaResult>(send(this.get(followerId).actor, {
      op: 'appendReplica', bytes: fetched.bytes.slice(), leaderEpoch, leaderHighWatermark: fetched.highWatermark,
      leaderLogStartOffset: fetched.logStartOffset,
    }))
    return { fetched, appended }
  }
}

export function role(brokerId: number, leaderEpoch: number, isr: number[], over: Partial<LeaderRole> = {}): LeaderRole {
  return {
    brokerId, leaderEpoch, partitionEpoch: leaderEpoch * 100, isr, replicas: [1, 2, 3], minInsyncReplicas: 1,
    replicaLagTimeMaxMs: 10_000, ackTimeoutMs: 30_000, ...over,
  }
}

/** Sends one request in a tick of its own; the slot fills when the actor answers. */
export function send(actor: PartitionActor, request: PartitionRequest): Pending {
  const slot: Pending = { reply: undefined }
  actor.tick([{ request, reply: (r) => { slot.reply = r } }])
  return slot
}

export function value<T>(pending: Pending): T {
  const reply = pending.reply
  if (reply === undefined) throw new Error('not answered yet')
  if (!reply.ok) throw new Error(`expected success, got ${JSON.stringify(reply.error)}`)
  return reply.value as T
}

export function errorCode(pending: Pending): number | undefined {
  return pending.reply?.ok === false ? pending.reply.error.code : undefined
}

/** Every byte of the log, as stored (offsets, epochs and all). */
export function logBytes(log: PartitionLog): Uint8Array {
  const parts: Uint8Array[] = []
  let offset = log.logStartOffset
  while (offset < log.logEndOffset) {
    const bytes = log.read(offset, 1 << 20, { isolation: 'logEnd' }).bytes
    if (bytes.length === 0) break
    parts.push(bytes.slice())
    for (let pos = 0; pos < bytes.length;) {
      const h = readBatchHeader(bytes, pos)
      offset = h.baseOffset + h.lastOffsetDelta + 1
      pos += h.batchLength + 12
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}
