// Replication through the partition manager and real worker threads (the built actors: `pnpm run
// build` first): the replication ops travel the generic request(), fetched bytes come back whole,
// a leader's ISR proposal reaches onIsrChange, and a held acks=all answer is released by a fetch.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeBatches, ErrorCode, type FaecieError } from '@faecie/protocol'
import { waitFor } from '../../../../test/support/wait-for.js'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import type { FromWorker, LeaderRole, PartitionConfig } from './messages.js'
import { PartitionManager } from './partition-manager.js'
import { testBatch } from './test-batches.js'

const config: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 1024 * 1024, timestampType: 'CreateTime' }
const leaderRole: LeaderRole = {
  brokerId: 1, leaderEpoch: 3, partitionEpoch: 7, isr: [1, 2], replicas: [1, 2], minInsyncReplicas: 2,
  replicaLagTimeMaxMs: 200, ackTimeoutMs: 60_000,
}

let dataDir: string
let leader: PartitionManager
let follower: PartitionManager

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'faecie-manager-replication-'))
  leader = new PartitionManager({ dataDir: join(dataDir, 'b1'), logger: silentLogger(), partitionThreadsMax: 1 })
  follower = new PartitionManager({ dataDir: join(dataDir, 'b2'), logger: silentLogger(), partitionThreadsMax: 1 })
})

afterEach(async () => {
  await leader.shutdown()
  await follower.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('PartitionManager replication', () => {
  it('carries the replication ops, the fetched bytes and the ISR proposals between threads', async () => {
    const proposals: Extract<FromWorker, { type: 'isrChange' }>[] = []
    leader.onIsrChange((change) => proposals.push(change))
    await leader.open('t', 0, config)
    await follower.open('t', 0, config)
    expect(await leader.request('t', 0, { op: 'becomeLeader', role: leaderRole })).toMatchObject({ latestEpoch: 3 })
    expect(await follower.request('t', 0, { op: 'becomeFollower', leader: 1, leaderEpoch: 3 })).toMatchObject({ latestEpoch: -1 })
    const held = leader.produce('t', 0, testBatch('x', 3), -1)
    let answered = false
    void held.then(() => { answered = true }, () => { answered = true })
    // A fetch in the produce's tick would run before its append: wait for the append.
    await waitFor('the append', async () => (await leader.request('t', 0, { op: 'status' })).logEndOffset === 3)
    const fetched = await leader.request('t', 0, { op: 'replicaFetch', replicaId: 2, fetchOffset: 0, leaderEpoch: 3, maxBytes: 1 << 20 })
    expect([...decodeBatches(fetched.bytes)].map((b) => b.header.partitionLeaderEpoch)).toEqual([3])
    const appended = await follower.request('t', 0, {
      op: 'appendReplica', bytes: fetched.bytes, leaderEpoch: 3, leaderHighWatermark: fetched.highWatermark, leaderLogStartOffset: 0,
    }, fetched.bytes.buffer as ArrayBuffer)
    expect(appended).toMatchObject({ logEndOffset: 3, stableEndOffset: 3, highWatermark: 0 })
    expect(answered).toBe(false)
    await leader.request('t', 0, { op: 'replicaFetch', replicaId: 2, fetchOffset: 3, leaderEpoch: 3, maxBytes: 1 << 20 })
    expect(await held).toMatchObject({ baseOffset: 0, lastOffset: 2 })
    expect(await leader.request('t', 0, { op: 'status' })).toMatchObject({ highWatermark: 3, isr: [1, 2], underReplicated: false, followerLagOffsets: 0 })
    // The follower stops fetching: after replicaLagTimeMaxMs the leader proposes to drop it.
    const proposal = await waitFor('an ISR shrink proposal', () => proposals[0])
    expect(proposal).toEqual({ type: 'isrChange', key: 't-0', leaderEpoch: 3, partitionEpoch: 7, proposedIsr: [1], reason: 'shrink' })
    await expect(follower.produce('t', 0, testBatch('y', 1), 1)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER } satisfies Partial<FaecieError>)
  })
})
