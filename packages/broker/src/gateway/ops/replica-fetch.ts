// Ops `replicaFetch` and `offsetsForLeaderEpoch`: what a follower broker asks its leader (docs/cluster.md
// "Replication"). Served only in cluster mode and only on a session whose hello named a broker of this
// cluster (hello.ts), for that broker alone: anything else is CLUSTER_AUTHORIZATION_FAILED (with
// --auth scram, first as an ACL refusal of ClusterAction on the cluster, audited). Each
// partition goes to its actor as the op of the same name (partition/messages.ts), which checks the
// epoch and leadership and records the follower's log end offset; errors are per partition.
//
// replicaFetch is a long poll. Every partition is read once (the read is also how the leader learns
// how far the follower has come, so no partition is skipped); when the answer holds fewer than
// max(1, minBytes) record bytes and no error, it waits until the log end offset of one of the
// partitions moves past what the read saw (gateway/offset-watch.ts: the actors report log end,
// high watermark and log start after every tick that moved any of them), the session closes, the
// broker drains, or maxWaitMs (capped by maxWaitMsMax) runs out, then reads once more and answers.
//
// Memory, as fetch.ts: the answer's budget, min(maxBytes, fetchBytesMax), is reserved from the
// session's share of the read budget before reading; each partition is asked for an equal share of
// it (the actor returns at least one whole batch); records past the budget are dropped from the
// answer, except the first partition with data (the follower asks for them again); the reservation
// is trimmed to what the answer carries and held until it has left (ctx.hold). A round that waits
// gives its reservation back first.
import { CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError, type OffsetsForLeaderEpochPartitionResult, type ReplicaFetchPartitionResult,
  type ReplicaFetchRequest } from '@faecie/protocol'
import { partitionKey } from '../../partition/messages.js'
import { peerBrokerOf } from '../../replication/peer-session.js'
import type { Reservation } from '../byte-budget.js'
import { checkItemCount, wireError, type Gateway, type OpContext, type OpHandler, type SessionHandle } from '../context.js'
import { fitBudget } from './fetch.js'

const EMPTY = new Uint8Array(0)

function refused(message: string): FaecieError {
  return new FaecieError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message)
}

/** Only a broker of this cluster, on its own session, naming itself. */
function authorize(gateway: Gateway, session: SessionHandle, brokerId: number): void {
  gateway.security.check(session, 'ClusterAction', 'cluster', CLUSTER_RESOURCE_NAME)
  if (gateway.cluster === undefined) throw refused('This broker is not part of a cluster: it has no replicas to serve.')
  const peer = peerBrokerOf(session)
  if (peer === undefined) throw refused('Only a session opened by a broker of this cluster (hello with `broker`) may fetch replicas.')
  if (peer !== brokerId) throw refused(`This session is broker ${peer}'s; it may not fetch for broker ${brokerId}.`)
}

/** The leader epoch this broker runs for a partition, -1 when it runs none (for answers with an error). */
function epochOf(gateway: Gateway, topic: string, partition: number): number {
  return gateway.cluster?.localRole(topic, partition)?.leaderEpoch ?? -1
}

async function readOne(gateway: Gateway, request: ReplicaFetchRequest, i: number, maxBytes: number,
  session: SessionHandle): Promise<ReplicaFetchPartitionResult> {
  const p = request.partitions[i]!
  try {
    const r = await gateway.partitions.request(p.topic, p.partition, {
      op: 'replicaFetch', replicaId: request.brokerId, fetchOffset: p.fetchOffset, leaderEpoch: p.leaderEpoch, maxBytes,
    })
    return { topic: p.topic, partition: p.partition, records: r.bytes, highWatermark: r.highWatermark,
      logStartOffset: r.logStartOffset, logEndOffset: r.logEndOffset, leaderEpoch: r.leaderEpoch }
  } catch (err) {
    const known = gateway.watch.latest(partitionKey(p.topic, p.partition))
    return { topic: p.topic, partition: p.partition, records: EMPTY, highWatermark: known?.highWatermark ?? -1,
      logStartOffset: known?.logStartOffset ?? -1, logEndOffset: known?.logEndOffset ?? -1,
      leaderEpoch: epochOf(gateway, p.topic, p.partition), error: wireError(err, session.logger) }
  }
}

interface Round {
  results: ReplicaFetchPartitionResult[]
  bytes: number
  errors: boolean
  reservation: Reservation
}

/** Reads every partition once within the budget (see the top of the file). */
async function readRound(gateway: Gateway, request: ReplicaFetchRequest, budget: number, session: SessionHandle): Promise<Round> {
  const reservation = await session.readBudget.reserve(budget, session.signal)
  try {
    const share = Math.max(1, Math.floor(budget / Math.max(1, request.partitions.length)))
    const results = await Promise.all(request.partitions.map((_, i) => readOne(gateway, request, i, share, session)))
    const { bytes, errors } = fitBudget(results, budget)
    reservation.resize(bytes)
    return { results, bytes, errors, reservation }
  } catch (err) {
    reservation.release()
    throw err
  }
}

/**
 * Waits until the log end offset of one of the partitions passes what `results` saw, the broker
 * drains (the watch's releaseAll), the session closes, or `timeoutMs` runs out.
 */
async function waitForLogEnd(gateway: Gateway, results: ReplicaFetchPartitionResult[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const { watch } = gateway
  const released = watch.arm([])
  let wake: () => void = () => undefined
  const moved = new Promise<void>((resolve) => { wake = resolve })
  const unwatch = results.map((r) => {
    const key = partitionKey(r.topic, r.partition)
    const check = (logEndOffset: number): void => { if (logEndOffset > r.logEndOffset) wake() }
    const stop = watch.watch(key, (offsets) => check(offsets.logEndOffset))
    const known = watch.latest(key)
    if (known !== undefined) check(known.logEndOffset)
    return stop
  })
  try {
    await Promise.race([released.wait(timeoutMs, signal), moved])
  } finally {
    for (const stop of unwatch) stop()
    released.disarm()
  }
}

export const replicaFetch: OpHandler<'replicaFetch'> = async (request, { gateway, session, hold }: OpContext) => {
  authorize(gateway, session, request.brokerId)
  checkItemCount(request.partitions.length, gateway.limits)
  const budget = Math.max(1, Math.min(request.maxBytes, gateway.limits.fetchBytesMax))
  const waitMs = Math.min(request.maxWaitMs, gateway.limits.maxWaitMsMax)
  let round = await readRound(gateway, request, budget, session)
  const enough = round.errors || round.bytes >= Math.max(1, request.minBytes) || request.partitions.length === 0
  if (!enough && waitMs > 0 && !gateway.draining && !session.signal.aborted) {
    round.reservation.release()
    await waitForLogEnd(gateway, round.results, waitMs, session.signal)
    round = await readRound(gateway, request, budget, session)
  }
  hold(round.reservation)
  return { partitions: round.results }
}

export const offsetsForLeaderEpoch: OpHandler<'offsetsForLeaderEpoch'> = async (request, { gateway, session }) => {
  authorize(gateway, session, request.brokerId)
  checkItemCount(request.partitions.length, gateway.limits)
  const partitions = await Promise.all(request.partitions.map(async (p): Promise<OffsetsForLeaderEpochPartitionResult> => {
    try {
      const r = await gateway.partitions.request(p.topic, p.partition, {
        op: 'offsetsForLeaderEpoch', leaderEpoch: p.leaderEpoch, currentLeaderEpoch: p.currentLeaderEpoch,
      })
      return { topic: p.topic, partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset }
    } catch (err) {
      return { topic: p.topic, partition: p.partition, leaderEpoch: -1, endOffset: -1, error: wireError(err, session.logger) }
    }
  }))
  return { partitions }
}
