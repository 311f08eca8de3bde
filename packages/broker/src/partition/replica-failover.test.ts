// Leader changes between partition actors on a simulated disk: the KIP-101 truncation protocol
// (offsetsForLeaderEpoch, then truncateReplica) leaves an old leader's unacknowledged tail out and
// both logs identical; an idempotent producer's retry after a failover is a duplicate on the new
// leader; the leader-epoch checkpoint survives a reopen and is rebuilt from the batches when missing.
import '@faecie/protocol/node'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT_FILE, parseCheckpoint } from '../storage/leader-epoch-cache.js'
import type { OffsetsForLeaderEpochResult, ProduceResult, ReplicaRoleResult } from './messages.js'
import { errorCode, logBytes, ReplicaSet, role, send, value, type Replica } from './replica-test-support.js'
import { testBatch } from './test-batches.js'

const produce = (bytes: Uint8Array, acks: -1 | 1 = 1) => ({ op: 'produce' as const, bytes, acks })

/** What a fetcher does before fetching from a new leader: ask where its latest epoch ends there, cut its log there. */
function reconcile(set: ReplicaSet, follower: Replica, leader: Replica, leaderEpoch: number): number {
  const latestEpoch = value<ReplicaRoleResult>(send(follower.actor, { op: 'becomeFollower', leader: leader.brokerId, leaderEpoch })).latestEpoch
  const there = value<OffsetsForLeaderEpochResult>(send(leader.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: latestEpoch, currentLeaderEpoch: leaderEpoch }))
  const here = value<OffsetsForLeaderEpochResult>(send(follower.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: there.leaderEpoch, currentLeaderEpoch: null }))
  const cut = Math.min(there.endOffset, here.endOffset)
  value(send(follower.actor, { op: 'truncateReplica', offset: cut }))
  return cut
}

describe('leader changes', () => {
  it('cuts an old leader\'s unacknowledged tail (KIP-101): after the protocol both logs are identical', () => {
    const set = new ReplicaSet()
    const [a, b] = [set.open(1), set.open(2)]
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1, 2], { replicas: [1, 2] }) }))
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
    const acked = send(a.actor, produce(testBatch('acked', 4), -1))
    set.replicate(1, 2, 1)
    set.replicate(1, 2, 1)
    expect(value<ProduceResult>(acked).lastOffset).toBe(3)
    // The tail b never fetched: offsets 4..6, never acknowledged to an acks=all producer.
    const tail = send(a.actor, produce(testBatch('lost', 3), -1))
    expect(tail.reply).toBeUndefined()
    // a is gone; b leads at epoch 2 and writes other records at the same offsets.
    value(send(b.actor, { op: 'becomeLeader', role: role(2, 2, [2], { replicas: [1, 2] }) }))
    value(send(b.actor, produce(testBatch('new', 5))))
    expect(value<OffsetsForLeaderEpochResult>(send(b.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: 1, currentLeaderEpoch: 2 })))
      .toEqual({ leaderEpoch: 1, endOffset: 4 })
    // a comes back as a follower: its held answer fails, its tail goes, it fetches b's records.
    expect(reconcile(set, a, b, 2)).toBe(4)
    expect(errorCode(tail)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(a.log.logEndOffset).toBe(4)
    set.replicate(2, 1, 2)
    set.replicate(2, 1, 2)
    expect(a.log.logEndOffset).toBe(9)
    expect(logBytes(a.log)).toEqual(logBytes(b.log))
    expect(value<OffsetsForLeaderEpochResult>(send(a.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: 5, currentLeaderEpoch: null })))
      .toEqual({ leaderEpoch: 2, endOffset: 9 })
    expect(value<OffsetsForLeaderEpochResult>(send(a.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: 0, currentLeaderEpoch: null })))
      .toEqual({ leaderEpoch: -1, endOffset: -1 })
    // a's high watermark followed b's, never past what it holds.
    expect(a.log.highWatermark).toBe(9)
  })

  it('dedupes an idempotent producer\'s retry on the follower that became leader', () => {
    const set = new ReplicaSet()
    const [a, b] = [set.open(1), set.open(2)]
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1, 2], { replicas: [1, 2] }) }))
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
    const batch = (tag: string, seq: number) => testBatch(tag, 2, { producerId: 42, producerEpoch: 0, baseSequence: seq })
    value(send(a.actor, produce(batch('p0', 0))))
    const second = send(a.actor, produce(batch('p1', 2), -1))
    set.replicate(1, 2, 1)
    // The leader dies before the producer got its answer: the producer retries on b.
    expect(second.reply).toBeUndefined()
    value(send(b.actor, { op: 'becomeLeader', role: role(2, 2, [2], { replicas: [1, 2] }) }))
    expect(value<ProduceResult>(send(b.actor, produce(batch('p1', 2), -1)))).toMatchObject({ baseOffset: 2, lastOffset: 3, duplicate: true })
    expect(value<ProduceResult>(send(b.actor, produce(batch('p2', 4), -1)))).toMatchObject({ baseOffset: 4, duplicate: false })
    expect(errorCode(send(b.actor, produce(batch('gap', 9), -1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(b.log.logEndOffset).toBe(6)
  })

  it('keeps the leader-epoch checkpoint across a reopen and rebuilds it from the batches when missing', () => {
    const set = new ReplicaSet()
    let a = set.open(1)
    value(send(a.actor, produce(testBatch('single', 2)))) // a single broker's batches: epoch 0
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 1, [1]) }))
    value(send(a.actor, produce(testBatch('e1', 3))))
    value(send(a.actor, { op: 'becomeLeader', role: role(1, 3, [1]) }))
    value(send(a.actor, produce(testBatch('e3', 4))))
    const path = `${a.dir}/${LEADER_EPOCH_CHECKPOINT_FILE}`
    const written = new TextDecoder().decode(set.disk.readFile(path))
    expect(written).toBe('0\n3\n0 0\n1 2\n3 5\n')
    a.actor.close()
    a = set.open(1)
    const asked = (epoch: number) => value<OffsetsForLeaderEpochResult>(send(a.actor, { op: 'offsetsForLeaderEpoch', leaderEpoch: epoch, currentLeaderEpoch: null }))
    expect(asked(2)).toEqual({ leaderEpoch: 1, endOffset: 5 })
    expect(value<ReplicaRoleResult>(send(a.actor, { op: 'becomeFollower', leader: 2, leaderEpoch: 4 })).latestEpoch).toBe(3)
    // An older role is fenced by the checkpoint's epoch even after a restart.
    a.actor.close()
    a = set.open(1)
    expect(errorCode(send(a.actor, { op: 'becomeLeader', role: role(1, 2, [1]) }))).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    a.actor.close()
    set.disk.unlink(path)
    a = set.open(1)
    expect(asked(3)).toEqual({ leaderEpoch: 3, endOffset: 9 })
    expect(new TextDecoder().decode(set.disk.readFile(path))).toBe(written)
  })

  it('reads a damaged checkpoint as missing', () => {
    expect(parseCheckpoint('0\n2\n1 0\n')).toBeNull()
    expect(parseCheckpoint('0\n2\n3 0\n1 5\n')).toBeNull()
    expect(parseCheckpoint('1\n0\n')).toBeNull()
    expect(parseCheckpoint('0\n1\n7 12\n')).toEqual([{ epoch: 7, startOffset: 12 }])
    const set = new ReplicaSet()
    set.disk.mkdir('/x')
    set.disk.writeFileAtomic(`/x/${LEADER_EPOCH_CHECKPOINT_FILE}`, new TextEncoder().encode('garbage'))
    const cache = LeaderEpochCache.load(set.disk, '/x', silentLogger(), 10, () => [{ epoch: 2, startOffset: 0 }])
    expect(cache.entries).toEqual([{ epoch: 2, startOffset: 0 }])
  })
})
