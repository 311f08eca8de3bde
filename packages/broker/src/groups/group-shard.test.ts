// A group shard over an in-memory offsets partition whose appends the test commits or fails by hand:
// answers wait for every append made so far (reads too) and come out in op order; appends pipeline;
// a failed append fails the shard once and every pending and later answer is NOT_COORDINATOR; the
// load replays to the log end, skips load markers, and answers nothing before its own marker commits;
// close, the pending bound, ticks and topic changes go through the same path.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, RecordBatchEncoder } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { GroupShard, type GroupShardOptions } from './group-shard.js'
import { decodeOffsetBatches, encodeGroupRecords, encodeLoadMarker, encodeOffsetRecords } from './offset-records.js'
import { MemoryOffsetsHost } from './shard-test-support.js'

/** Lets every ready promise job run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

class World {
  now = 1_000
  readonly topics = new Map<string, { partitions: number; topicId: string }>([['t', { partitions: 4, topicId: 'id-t' }], ['u', { partitions: 1, topicId: 'id-u' }]])

  shard(host: MemoryOffsetsHost, extra: Partial<GroupShardOptions> = {}): GroupShard {
    return new GroupShard({ partition: 7, host, clock: () => this.now, logger: silentLogger(),
      topics: { topic: (t) => this.topics.get(t), names: () => [...this.topics.keys()] }, ...extra })
  }

  /** A shard loaded on `host` (its marker committed). */
  async loaded(host: MemoryOffsetsHost, extra: Partial<GroupShardOptions> = {}): Promise<GroupShard> {
    const shard = this.shard(host, extra)
    const loading = shard.load()
    await turn()
    host.commitAll()
    await loading
    return shard
  }
}

const commit = (groupId: string, offset: number, partition = 0, topic = 't') =>
  ({ groupId, topics: [{ topic, partitions: [{ partition, offset }] }] })

/** Records each answer (value or error code) as it is released, in release order. */
function track<T>(log: string[], name: string, p: Promise<T>): Promise<void> {
  return p.then(() => { log.push(name) }, (err: unknown) => { log.push(`${name}:${(err as FaecieError).code}`) })
}

function offsetOf(response: { topics: { topic: string; partitions: { partition: number; offset: number }[] }[] }, topic = 't', partition = 0): number | undefined {
  return response.topics.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset
}

describe('GroupShard', () => {
  it('answers nothing before every append made so far resolved, reads included, in op order; appends pipeline', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    const released: string[] = []
    const a = track(released, 'commit-a', shard.run('commitOffsets', commit('g', 5)))
    const b = track(released, 'commit-b', shard.run('commitOffsets', commit('g', 6, 1)))
    const read = track(released, 'fetch', shard.run('fetchOffsets', { groupId: 'g' }))
    // a's group record, a's offsets, b's offsets: all sent before any resolved (pipelined).
    expect(host.pending().length).toBe(3)
    await turn()
    expect(released).toEqual([])
    host.pending()[2]!.commit() // out of order: the last one first
    host.pending()[1]!.commit()
    await turn()
    expect(released).toEqual([])
    host.pending()[0]!.commit()
    await Promise.all([a, b, read])
    expect(released).toEqual(['commit-a', 'commit-b', 'fetch'])
    const fetched = await shard.run('fetchOffsets', { groupId: 'g' })
    expect([offsetOf(fetched, 't', 0), offsetOf(fetched, 't', 1)]).toEqual([5, 6])
  })

  it('holds a read with no records of its own until the writes before it commit', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    await (host.autoCommit = true, shard.run('commitOffsets', commit('g', 1)))
    host.autoCommit = false
    void shard.run('commitOffsets', commit('g', 2))
    let answered: number | undefined
    const read = shard.run('fetchOffsets', { groupId: 'g' }).then((r) => { answered = offsetOf(r) })
    await turn()
    expect(answered).toBeUndefined() // it would say 2, which is not committed
    host.commitAll()
    await read
    expect(answered).toBe(2)
  })

  it('holds an error answer the same way (the op may have changed state before refusing)', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    void shard.run('commitOffsets', commit('g', 1))
    const released: string[] = []
    const refused = track(released, 'delete', shard.run('deleteGroup', { groupId: 'nope' }))
    await turn()
    expect(released).toEqual([])
    host.commitAll()
    await refused
    expect(released).toEqual([`delete:${ErrorCode.GROUP_ID_NOT_FOUND}`])
  })

  it('fails once on an append failure mid-pipeline: every pending and later answer is NOT_COORDINATOR', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    const failures: unknown[] = []
    shard.on('failed', (err) => failures.push(err))
    const released: string[] = []
    const ops = [1, 2, 3].map((i) => track(released, `c${i}`, shard.run('commitOffsets', commit(`g${i}`, i))))
    // Each commit of a new group: a group record and an offsets batch.
    expect(host.pending().length).toBe(6)
    host.appends[1]!.commit() // g1's group record (append 1 is the load marker)
    host.appends[2]!.commit() // g1's offsets: c1 may be answered
    await turn()
    expect(released).toEqual(['c1'])
    host.appends[4]!.fail() // g2's offsets
    host.appends[3]!.commit()
    await Promise.all(ops)
    expect(shard.state).toBe('failed')
    expect(released).toEqual(['c1', `c2:${ErrorCode.NOT_COORDINATOR}`, `c3:${ErrorCode.NOT_COORDINATOR}`])
    host.appends[5]!.fail()
    host.appends[6]!.commit()
    await turn()
    expect(failures.length).toBe(1)
    await expect(shard.run('fetchOffsets', { groupId: 'g1' })).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    shard.tick()
    expect(host.appends.length).toBe(7)
  })

  it('a host that throws instead of rejecting fails the shard too', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    host.append = () => { throw new Error('broken host') }
    await expect(shard.run('commitOffsets', commit('g', 1))).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    expect(shard.state).toBe('failed')
  })

  it('loads: replays to the log end (markers skipped), answers LOAD_IN_PROGRESS until its own marker commits', async () => {
    const world = new World()
    const earlier = [
      encodeGroupRecords([{ type: 'group', groupId: 'g' }], 1),
      encodeOffsetRecords([{ groupId: 'g', topic: 't', partition: 0, value: { offset: 41, metadata: 'm', commitTimestamp: 1, topicId: 'id-t' } }], 1),
      encodeLoadMarker(7, 2),
      encodeOffsetRecords([{ groupId: 'g', topic: 't', partition: 0, value: { offset: 42, metadata: 'm', commitTimestamp: 2, topicId: 'id-t' } }], 2),
      encodeGroupRecords([{ type: 'group', groupId: 'gone' }], 1),
      encodeGroupRecords([{ type: 'groupDeleted', groupId: 'gone' }], 1),
      // offsets of a group that no longer exists: stale, dropped
      encodeOffsetRecords([{ groupId: 'gone', topic: 't', partition: 0, value: { offset: 9, metadata: '', commitTimestamp: 2, topicId: 'id-t' } }], 2),
      encodeLoadMarker(7, 3),
    ]
    const host = new MemoryOffsetsHost(earlier)
    host.readBatchesMax = 2 // several reads
    const shard = world.shard(host)
    const loading = shard.load()
    expect(shard.state).toBe('loading')
    await expect(shard.run('listGroups', {})).rejects.toMatchObject({ code: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS })
    await turn()
    expect(host.reads).toBeGreaterThanOrEqual(4)
    expect(host.pending().length).toBe(1) // the marker
    expect([...decodeOffsetBatches(host.pending()[0]!.bytes, 'x')][0]!.loadMarkers).toBe(1)
    await turn()
    expect(shard.state).toBe('loading')
    host.commitAll()
    await loading
    expect(shard.state).toBe('active')
    expect(shard.groupCount).toBe(1)
    expect(offsetOf(await shard.run('fetchOffsets', { groupId: 'g' }))).toBe(42)
    expect((await shard.run('fetchOffsets', { groupId: 'gone' })).topics).toEqual([])
  })

  it('a failed marker or read fails the load: it rejects NOT_COORDINATOR and emits failed', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = world.shard(host)
    const failed: unknown[] = []
    shard.on('failed', (err) => failed.push(err))
    const loading = shard.load()
    await turn()
    host.pending()[0]!.fail()
    await expect(loading).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    expect(shard.state).toBe('failed')
    expect(failed.length).toBe(1)

    const unreadable = new MemoryOffsetsHost()
    unreadable.readError = new FaecieError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'gone')
    const second = world.shard(unreadable)
    await expect(second.load()).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    expect(second.state).toBe('failed')
    expect(unreadable.appends.length).toBe(0)

    const garbage = new MemoryOffsetsHost([new RecordBatchEncoder().encode([{ key: 'not json', value: 'x' }]).slice()])
    await expect(world.shard(garbage).load()).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
  })

  it('commits it answered survive a reload from the same log; uncommitted ones need not', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    host.autoCommit = true
    const shard = await world.loaded(host)
    await shard.run('commitOffsets', commit('g', 10))
    await shard.run('commitOffsets', commit('h', 20, 2))
    host.autoCommit = false
    const lost = shard.run('commitOffsets', commit('g', 11))
    host.pending()[0]!.fail()
    await expect(lost).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    const again = await world.loaded(host.successor())
    expect(offsetOf(await again.run('fetchOffsets', { groupId: 'g' }))).toBe(10)
    expect(offsetOf(await again.run('fetchOffsets', { groupId: 'h' }), 't', 2)).toBe(20)
    expect((await again.run('listGroups', {})).groups.map((g) => g.groupId)).toEqual(['g', 'h'])
  })

  it('counts its appends in flight until each settles, failed ones included (its owner waits for them before a new shard)', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    expect(shard.appendsInFlight).toBe(0)
    void shard.run('commitOffsets', commit('g', 1)).catch(() => undefined)
    void shard.run('commitOffsets', commit('g', 2)).catch(() => undefined)
    expect(shard.appendsInFlight).toBe(3) // g's group record, then two offset batches
    let settled = false
    void shard.appendsSettled().then(() => { settled = true })
    host.pending()[0]!.fail() // the shard fails; the later appends are still queued
    await turn()
    expect(shard.state).toBe('failed')
    expect([shard.appendsInFlight, settled]).toEqual([2, false])
    host.pending()[1]!.commit()
    await turn()
    expect(settled).toBe(false)
    host.pending()[0]!.fail()
    await turn()
    expect([shard.appendsInFlight, settled]).toEqual([0, true])
  })

  it('starts the readmission window of its replayed groups when it goes active, however long the load took', async () => {
    const world = new World()
    const first = new MemoryOffsetsHost()
    first.autoCommit = true
    const shard = await world.loaded(first)
    const joined = await shard.run('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['u'] })
    const again = await shard.run('heartbeat', { groupId: 'g', memberId: joined.memberId, memberEpoch: joined.memberEpoch, ownedPartitions: [] })
    expect(again.assignment ?? joined.assignment).toEqual([{ topic: 'u', partitions: [0] }])
    const successor = first.successor()
    const next = world.shard(successor)
    const loading = next.load()
    await turn()
    world.now += 60_000 // the load marker takes a minute to commit (an ISR catching up)
    successor.commitAll()
    await loading
    successor.autoCommit = true
    // The member of before comes back with its id, epoch and partition, and keeps it (not UNKNOWN_MEMBER_ID).
    const back = await next.run('heartbeat', { groupId: 'g', memberId: joined.memberId, memberEpoch: again.memberEpoch, ownedPartitions: [{ topic: 'u', partitions: [0] }] })
    expect([back.memberId, back.assignment]).toEqual([joined.memberId, [{ topic: 'u', partitions: [0] }]])
  })

  it('close: pending and later answers NOT_COORDINATOR, no failed event; a load closed midway rejects', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    const failed: unknown[] = []
    shard.on('failed', (err) => failed.push(err))
    const pending = shard.run('commitOffsets', commit('g', 1))
    shard.close('leadership moved')
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    await expect(shard.run('listGroups', {})).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    host.pending()[0]!.fail()
    await turn()
    expect([shard.state, failed.length]).toEqual(['closed', 0])

    const other = world.shard(new MemoryOffsetsHost())
    const loading = other.load()
    other.close('stopping')
    await expect(loading).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    expect(other.state).toBe('closed')
  })

  it('answers an unknown op INVALID_REQUEST; a shard closed before its load reads nothing', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    host.autoCommit = true
    const shard = await world.loaded(host)
    await expect(shard.run('nope' as 'listGroups', {})).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST })
    expect(shard.state).toBe('active')
    const unused = new MemoryOffsetsHost()
    const closed = world.shard(unused)
    closed.close('not leader any more')
    await expect(closed.load()).rejects.toMatchObject({ code: ErrorCode.NOT_COORDINATOR })
    expect(unused.reads).toBe(0)
  })

  it('refuses ops past pendingOpsMax with COORDINATOR_NOT_AVAILABLE, without running them', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host, { pendingOpsMax: 2 })
    const held = [shard.run('commitOffsets', commit('g', 1)), shard.run('fetchOffsets', { groupId: 'g' })]
    const sent = host.appends.length
    await expect(shard.run('commitOffsets', commit('g', 2))).rejects.toMatchObject({ code: ErrorCode.COORDINATOR_NOT_AVAILABLE })
    expect(host.appends.length).toBe(sent)
    host.commitAll()
    await Promise.all(held)
    expect(offsetOf(await shard.run('fetchOffsets', { groupId: 'g' }))).toBe(1)
  })

  it('writes retention tombstones of a tick and of a deleted topic through the same path; topic changes while loading wait', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    host.autoCommit = true
    const settings = { offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 1_000, startupAssignmentDelayMs: 0 }
    const shard = await world.loaded(host, { settings })
    await shard.run('commitOffsets', commit('old', 1))
    await shard.run('commitOffsets', commit('g', 1, 0, 'u'))
    host.autoCommit = false
    world.now += 61_000
    const sent = host.appends.length
    shard.tick()
    expect(host.appends.length).toBeGreaterThan(sent) // tombstones, then the groups' deletions
    const read = shard.run('listGroups', {})
    let groups: string[] | undefined
    void read.then((r) => { groups = r.groups.map((g) => g.groupId) })
    await turn()
    expect(groups).toBeUndefined()
    host.commitAll()
    await read
    expect(groups).toEqual([])

    // A topic deleted: its offsets are tombstoned (appended); one deleted while loading, once active.
    const second = host.successor()
    second.autoCommit = true
    const next = await world.loaded(second, { settings })
    expect(next.groupCount).toBe(0)
    await next.run('commitOffsets', commit('g', 3, 0, 'u'))
    await next.run('commitOffsets', commit('g', 4, 0, 't'))
    world.topics.delete('u')
    next.onTopicChanged('u', true)
    await turn()
    const third = second.successor()
    third.autoCommit = true
    const last = world.shard(third, { settings })
    const loading = last.load()
    world.topics.delete('t')
    last.onTopicChanged('t', true)
    await loading
    await turn()
    const fourth = third.successor()
    fourth.autoCommit = true
    const final = await world.loaded(fourth, { settings })
    expect((await final.run('fetchOffsets', { groupId: 'g' })).topics).toEqual([])
    expect(final.groupCount).toBe(1)
  })
})
