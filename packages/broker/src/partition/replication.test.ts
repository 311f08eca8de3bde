// Partition actors replicating on a simulated disk, a leader and its followers in one test, the
// follower's fetches handed to the leader by hand: acks=all answered only once the in-sync replicas
// have the batch, NOT_ENOUGH_REPLICAS before and after the append, ISR shrinks and expands on a manual
// clock, the maximal ISR, acknowledgement timeouts and failures on a lost leadership, and the
// epoch fencing answers.
import '@faecie/protocol/node'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { waitFor } from '../../../../test/support/wait-for.js'
import type { PartitionOffsets, ProduceResult, ReplicaRoleResult } from './messages.js'
import type { LeaderStatus } from './replica-ops.js'
import { errorCode, ReplicaSet, role, send, value } from './replica-test-support.js'
import { testBatch } from './test-batches.js'

const produceAll = (tag: string, count = 3) => ({ op: 'produce' as const, bytes: testBatch(tag, count), acks: -1 as const })
const produceOne = (tag: string, count = 3) => ({ op: 'produce' as const, bytes: testBatch(tag, count), acks: 1 as const })

/** Broker 1 leads at epoch 1 with `isr`; brokers 2 and 3 follow. */
function cluster(isr: number[], over: Parameters<typeof role>[3] = {}) {
  const set = new ReplicaSet()
  const [a, b, c] = [set.open(1), set.open(2), set.open(3)]
  value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, isr, over) }))
  value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
  value(send(c.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
  return { set, a, b, c }
}

describe('a replicated partition', () => {
  it('answers acks=all only once every in-sync follower fetched past the batch, and acks=1 at once', () => {
    const { set, a, b, c } = cluster([1, 2, 3])
    const all = send(a.actor, produceAll('x'))
    const one = send(a.actor, produceOne('y'))
    expect(all.reply).toBeUndefined()
    expect(value<ProduceResult>(one).baseOffset).toBe(3)
    expect(a.log.highWatermark).toBe(0)
    set.replicate(1, 2, 1)
    set.replicate(1, 3, 1)
    // The followers have the batches, but the leader learns it only from their next fetch.
    expect(all.reply).toBeUndefined()
    set.replicate(1, 2, 1)
    expect(all.reply).toBeUndefined()
    expect(a.log.highWatermark).toBe(0)
    const { fetched } = set.replicate(1, 3, 1)
    expect(value<ProduceResult>(all)).toMatchObject({ baseOffset: 0, lastOffset: 2 })
    expect(fetched.highWatermark).toBe(6)
    expect(a.log.highWatermark).toBe(6)
    // The follower's high watermark follows the leader's.
    expect(b.log.highWatermark).toBe(0)
    expect(set.replicate(1, 2, 1).appended).toMatchObject({ highWatermark: 6, logEndOffset: 6, stableEndOffset: 6 })
    expect(c.log.logEndOffset).toBe(6)
  })

  it('counts the leader\'s own flushed end: under a pipelined flush `always` a caught-up follower does not move the high watermark past it', async () => {
    const set = new ReplicaSet()
    const [a, b] = [set.open(1, { pipelined: true }), set.open(2)]
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1, 2], { replicas: [1, 2] }) }))
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
    const all = send(a.actor, produceAll('x'))
    // The leader's fdatasync has not completed yet: the follower gets the batch and reports it.
    set.replicate(1, 2, 1)
    set.replicate(1, 2, 1)
    expect(a.log.stableEndOffset).toBe(0)
    expect(a.log.highWatermark).toBe(0)
    expect(all.reply).toBeUndefined()
    await waitFor('the leader\'s sync', () => all.reply)
    expect(a.log.highWatermark).toBe(3)
    expect(value<ProduceResult>(all).lastOffset).toBe(2)
  })

  it('refuses acks=all with NOT_ENOUGH_REPLICAS before the append when the ISR is below min.insync.replicas', () => {
    const { a } = cluster([1], { minInsyncReplicas: 2 })
    expect(errorCode(send(a.actor, produceAll('x')))).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect(a.log.logEndOffset).toBe(0)
    expect(value<ProduceResult>(send(a.actor, produceOne('y'))).baseOffset).toBe(0)
  })

  it('shrinks the ISR after replicaLagTimeMaxMs, counts the follower until etcd confirms, then answers NOT_ENOUGH_REPLICAS_AFTER_APPEND', () => {
    const { set, a } = cluster([1, 2], { minInsyncReplicas: 2, replicas: [1, 2] })
    set.replicate(1, 2, 1) // follower 2 fetches once (caught up at an empty log), then stops
    const all = send(a.actor, produceAll('x'))
    set.advance(6_000)
    expect(a.proposals).toEqual([])
    set.advance(5_000)
    expect(a.proposals).toEqual([{ leaderEpoch: 1, partitionEpoch: 100, proposedIsr: [1], reason: 'shrink' }])
    // The maximal ISR still holds broker 2: the high watermark waits for it.
    expect(a.log.highWatermark).toBe(0)
    expect(all.reply).toBeUndefined()
    // At most one proposal pending: no second one while it is unanswered.
    set.advance(5_000)
    expect(a.proposals).toHaveLength(1)
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1], { minInsyncReplicas: 2, replicas: [1, 2], partitionEpoch: 101 }) }))
    expect(a.log.highWatermark).toBe(3)
    expect(errorCode(all)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND)
    expect(value<LeaderStatus & PartitionOffsets>(send(a.actor, { op: 'status' }))).toMatchObject({
      isr: [1], underReplicated: true, followerLagOffsets: 3,
    })
  })

  it('re-proposes a shrink that etcd did not apply', () => {
    const { set, a } = cluster([1, 2], { replicas: [1, 2] })
    set.advance(10_001)
    set.advance(5_000)
    expect(a.proposals).toHaveLength(1)
    // etcd moved on (another change) without applying it: the proposal is dropped and made again.
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1, 2], { replicas: [1, 2], partitionEpoch: 105 }) }))
    set.advance(5_000)
    expect(a.proposals.at(-1)).toEqual({ leaderEpoch: 1, partitionEpoch: 105, proposedIsr: [1], reason: 'shrink' })
  })

  it('proposes an expand once a follower out of the ISR fetched up to the high watermark', () => {
    const { set, a } = cluster([1], { replicas: [1, 2] })
    value(send(a.actor, produceOne('x')))
    expect(a.log.highWatermark).toBe(3)
    set.replicate(1, 2, 1) // fetch at 0: behind
    expect(a.proposals).toEqual([])
    set.replicate(1, 2, 1) // fetch at 3: caught up
    expect(a.proposals).toEqual([{ leaderEpoch: 1, partitionEpoch: 100, proposedIsr: [1, 2], reason: 'expand' }])
    // Until etcd answers, the proposed member counts (maximal ISR): the high watermark waits for it.
    value(send(a.actor, produceOne('y')))
    expect(a.log.highWatermark).toBe(3)
    set.replicate(1, 2, 1)
    set.replicate(1, 2, 1)
    expect(a.log.highWatermark).toBe(6)
  })

  it('times acks=all out after ackTimeoutMs, and fails them with NOT_LEADER_OR_FOLLOWER on becomeFollower', () => {
    const { set, a } = cluster([1, 2, 3], { ackTimeoutMs: 2_000 })
    const timedOut = send(a.actor, produceAll('x'))
    set.advance(1_000)
    const failed = send(a.actor, produceAll('y'))
    set.advance(1_000)
    expect(errorCode(timedOut)).toBe(ErrorCode.REQUEST_TIMED_OUT)
    expect(failed.reply).toBeUndefined()
    const result = value<ReplicaRoleResult>(send(a.actor, { op: 'becomeFollower', leader: 2, leaderEpoch: 2 }))
    expect(errorCode(failed)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(result).toMatchObject({ latestEpoch: 1, logEndOffset: 6 })
    expect(errorCode(send(a.actor, produceOne('z')))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(send(a.actor, { op: 'fetch', offset: 0, maxBytes: 100 }))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(send(a.actor, { op: 'listOffsets', spec: 'latest' }))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  })

  it('fails held acks=all with NOT_LEADER_OR_FOLLOWER on close', () => {
    const { a } = cluster([1, 2])
    const held = send(a.actor, produceAll('x'))
    a.actor.close()
    expect(errorCode(held)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  })

  it('answers fetches and role changes of the wrong epoch or replica with the fencing errors', () => {
    const { set, a, b } = cluster([1, 2, 3])
    value(send(a.actor, produceOne('x')))
    const fetch = (over: object) => send(a.actor, { op: 'replicaFetch', replicaId: 2, fetchOffset: 0, leaderEpoch: 1, maxBytes: 1000, ...over })
    expect(errorCode(fetch({ leaderEpoch: 0 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect(errorCode(fetch({ leaderEpoch: 2 }))).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
    expect(errorCode(fetch({ replicaId: 7 }))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(fetch({ replicaId: 1 }))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(fetch({ fetchOffset: 4 }))).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(errorCode(send(b.actor, { op: 'replicaFetch', replicaId: 3, fetchOffset: 0, leaderEpoch: 1, maxBytes: 1000 })))
      .toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(send(a.actor, { op: 'becomeLeader', role: role(1, 0, [1]) }))).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect(errorCode(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 0 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect(errorCode(send(a.actor, { op: 'becomeLeader', role: role(1, 2, [2, 3]) }))).toBe(ErrorCode.INVALID_REQUEST)
    expect(errorCode(send(a.actor, { op: 'appendReplica', bytes: new Uint8Array(0), leaderEpoch: 1, leaderHighWatermark: 0, leaderLogStartOffset: 0 })))
      .toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(send(a.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: 1, currentLeaderEpoch: 0 }))).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    // A follower refuses batches of another epoch and a gap.
    const fetched = set.replicate(1, 2, 1).fetched
    expect(errorCode(send(b.actor, { op: 'appendReplica', bytes: fetched.bytes, leaderEpoch: 0, leaderHighWatermark: 0, leaderLogStartOffset: 0 })))
      .toBe(ErrorCode.FENCED_LEADER_EPOCH)
    value(send(a.actor, produceOne('y')))
    value(send(a.actor, produceOne('z')))
    const later = value<{ bytes: Uint8Array }>(send(a.actor, { op: 'replicaFetch', replicaId: 3, fetchOffset: 6, leaderEpoch: 1, maxBytes: 1 }))
    expect(errorCode(send(b.actor, { op: 'appendReplica', bytes: later.bytes.slice(), leaderEpoch: 1, leaderHighWatermark: 0, leaderLogStartOffset: 0 })))
      .toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(b.log.logEndOffset).toBe(3)
    // A refetch of batches already held is skipped, not refused.
    expect(value<{ logEndOffset: number }>(send(b.actor, {
      op: 'appendReplica', bytes: fetched.bytes.slice(), leaderEpoch: 1, leaderHighWatermark: 0, leaderLogStartOffset: 0,
    })).logEndOffset).toBe(3)
  })

  it('stamps produced batches with the leader epoch, and a partition without a role with 0 and no leader status', () => {
    const { a } = cluster([1])
    value(send(a.actor, produceOne('x')))
    expect(a.log.read(0, 1000).bytes[15]).toBe(1) // partitionLeaderEpoch's low byte (bytes 12..15)
    const set = new ReplicaSet()
    const single = set.open(9)
    value(send(single.actor, produceOne('x')))
    expect(single.log.read(0, 1000).bytes[15]).toBe(0)
    expect(value<object>(send(single.actor, { op: 'status' }))).not.toHaveProperty('isr')
  })
})
