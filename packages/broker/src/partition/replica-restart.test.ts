// Replicas across a restart and behind their leader's log start, on a simulated disk with a manual
// clock: the high watermark a reopened replica starts from (its replication-offset-checkpoint, not its
// log end), raised only as the ISR followers fetch; a single broker's partition unchanged; and a
// follower whose fetch offset fell below its leader's log start (DeleteRecords) told so in an empty
// answer and restarted there by resetReplica.
import '@faecie/protocol/node'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { HIGH_WATERMARK_CHECKPOINT_FILE, readHighWatermarkCheckpoint } from '../storage/checkpoint.js'
import { silentLogger } from '../log.js'
import type { FetchResult, ReplicaFetchResult, ReplicaRoleResult } from './messages.js'
import { HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS } from './replica-high-watermark.js'
import { errorCode, ReplicaSet, role, send, value } from './replica-test-support.js'
import { testBatch } from './test-batches.js'

const produceOne = (tag: string, count = 3) => ({ op: 'produce' as const, bytes: testBatch(tag, count), acks: 1 as const })
const pairRole = (brokerId: number, leaderEpoch: number, isr: number[]) => role(brokerId, leaderEpoch, isr, { replicas: [1, 2] })

describe('a replica reopened', () => {
  it('starts its high watermark from its checkpoint, not its log end, and raises it only as ISR followers fetch', () => {
    const set = new ReplicaSet()
    let a = set.open(1)
    const b = set.open(2)
    value(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 1, [1, 2]) }))
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
    value(send(a.actor, produceOne('x')))
    set.replicate(1, 2, 1)
    set.replicate(1, 2, 1)
    expect(a.log.highWatermark).toBe(3)
    // Records only the leader has: the high watermark stays at 3.
    value(send(a.actor, produceOne('y')))
    expect([a.log.highWatermark, a.log.logEndOffset]).toEqual([3, 6])
    a.actor.close()
    expect(readHighWatermarkCheckpoint(set.disk, a.dir, silentLogger())).toBe(3)

    a = set.open(1)
    // The log alone (no role yet) opens at its end, as a single broker's does.
    expect(a.log.highWatermark).toBe(6)
    value(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 2, [1, 2]) }))
    expect(a.log.highWatermark).toBe(3)
    const fetched = value<FetchResult>(send(a.actor, { op: 'fetch', offset: 3, maxBytes: 1 << 20 }))
    expect(fetched.bytes.length).toBe(0)
    // The follower has 3 of them: the high watermark goes there, not past.
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 2 }))
    set.replicate(1, 2, 2)
    expect(a.log.highWatermark).toBe(3)
    set.replicate(1, 2, 2)
    expect(a.log.highWatermark).toBe(6)
  })

  it('starts from the log start without a checkpoint; an ISR of the leader alone raises it at once', () => {
    const set = new ReplicaSet()
    let a = set.open(1)
    value(send(a.actor, produceOne('x')))
    a.actor.close()
    a = set.open(1)
    expect(a.log.highWatermark).toBe(3)
    value(send(a.actor, { op: 'becomeFollower', leader: 2, leaderEpoch: 1 }))
    expect(a.log.highWatermark).toBe(0)
    a.actor.close()
    a = set.open(1)
    const led = value<ReplicaRoleResult>(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 2, [1]) }))
    expect(led.highWatermark).toBe(3)
  })

  it('rewrites the checkpoint from its timer at most every interval, only when it moved', () => {
    const set = new ReplicaSet()
    const a = set.open(1)
    value(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 1, [1]) }))
    const path = join(a.dir, HIGH_WATERMARK_CHECKPOINT_FILE)
    set.advance(1)
    expect(readHighWatermarkCheckpoint(set.disk, a.dir, silentLogger())).toBe(0)
    value(send(a.actor, produceOne('x')))
    set.advance(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS - 1)
    expect(readHighWatermarkCheckpoint(set.disk, a.dir, silentLogger())).toBe(0)
    set.advance(1)
    expect(readHighWatermarkCheckpoint(set.disk, a.dir, silentLogger())).toBe(3)
    expect(path.endsWith('replication-offset-checkpoint')).toBe(true)
  })

  it('is a single broker\'s partition when never given a role: no checkpoint, high watermark at the log end', () => {
    const set = new ReplicaSet()
    let a = set.open(1)
    value(send(a.actor, produceOne('x')))
    set.advance(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS * 2)
    a.actor.close()
    expect(readHighWatermarkCheckpoint(set.disk, a.dir, silentLogger())).toBeNull()
    a = set.open(1)
    set.advance(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS * 2)
    expect(a.log.highWatermark).toBe(3)
    expect(value<FetchResult>(send(a.actor, { op: 'fetch', offset: 0, maxBytes: 1 << 20 })).bytes.length).toBeGreaterThan(0)
  })
})

describe('a follower behind its leader\'s log start', () => {
  it('gets an empty answer with the leader\'s log start, resets there, and catches up', () => {
    const set = new ReplicaSet()
    const [a, b] = [set.open(1), set.open(2)]
    value(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 1, [1]) }))
    value(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 }))
    value(send(a.actor, produceOne('x')))
    set.replicate(1, 2, 1)
    expect(b.log.logEndOffset).toBe(3)
    for (const tag of ['y', 'z']) value(send(a.actor, produceOne(tag)))
    value(send(a.actor, { op: 'deleteRecords', offset: 6 }))
    expect(a.log.logStartOffset).toBe(6)

    const behind = value<ReplicaFetchResult>(send(a.actor, { op: 'replicaFetch', replicaId: 2, fetchOffset: 3, leaderEpoch: 1, maxBytes: 1 << 20 }))
    expect(behind).toMatchObject({ logStartOffset: 6, logEndOffset: 9 })
    expect(behind.bytes.length).toBe(0)
    // Fetching on from its own end gets it nothing, for ever.
    expect(set.replicate(1, 2, 1).appended.logEndOffset).toBe(3)

    const reset = value<ReplicaRoleResult>(send(b.actor, { op: 'resetReplica', logStartOffset: behind.logStartOffset }))
    expect(reset).toMatchObject({ logStartOffset: 6, logEndOffset: 6, highWatermark: 6, latestEpoch: -1 })
    // Repeated: nothing more happens.
    expect(value<ReplicaRoleResult>(send(b.actor, { op: 'resetReplica', logStartOffset: 6 }))).toMatchObject({ logStartOffset: 6, logEndOffset: 6 })
    set.replicate(1, 2, 1)
    expect([b.log.logStartOffset, b.log.logEndOffset]).toEqual([6, 9])
    expect(value<ReplicaRoleResult>(send(b.actor, { op: 'becomeFollower', leader: 1, leaderEpoch: 1 })).latestEpoch).toBe(1)

    // The reset survives a reopen.
    b.actor.close()
    const reopened = set.open(2)
    expect([reopened.log.logStartOffset, reopened.log.logEndOffset]).toEqual([6, 9])
  })

  it('is refused to a leader, and a fetch past the leader\'s end is still OFFSET_OUT_OF_RANGE', () => {
    const set = new ReplicaSet()
    const a = set.open(1)
    value(send(a.actor, { op: 'becomeLeader', role: pairRole(1, 1, [1]) }))
    expect(errorCode(send(a.actor, { op: 'resetReplica', logStartOffset: 5 }))).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCode(send(a.actor, { op: 'replicaFetch', replicaId: 2, fetchOffset: 1, leaderEpoch: 1, maxBytes: 1 << 20 })))
      .toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
  })
})
