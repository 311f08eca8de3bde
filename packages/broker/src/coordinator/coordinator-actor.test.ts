// The coordinator actor on a real metadata log in a temp dir: changes are recorded and survive a
// reopen (replay gives the same topics, ids and configs), producer ids never repeat across reopens,
// refusals carry their codes, the data dir is reconciled with the log, and a damaged record stops
// the start rather than being guessed at; expired groups stay gone after a reopen.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode, RecordBatchEncoder } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import type { GroupSettings } from '../groups/consumer-group.js'
import { DEFAULT_CLASSIC_GROUP_SETTINGS } from '../groups/classic-group.js'
import { encodeConsumerSubscription } from '../groups/consumer-protocol.js'
import type { TopicMeta } from './metadata-state.js'
import { encodeMetadataRecord } from './records.js'
import { CoordinatorActor, METADATA_PARTITION_DIR, OFFSETS_PARTITION_DIR } from './coordinator-actor.js'

let dataDir: string
const disk = new RealDisk()
const settings = { batchBytesMax: 1024 * 1024, partitionsPerTopicMax: 8, partitionsMax: 12, producerIdBlockSize: 10 }

function openLog(): PartitionLog {
  return PartitionLog.open({ dir: join(dataDir, METADATA_PARTITION_DIR), config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1 }, disk, clock: Date.now, logger: silentLogger() })
}

function open(changes: [string, TopicMeta | null][] = []): CoordinatorActor {
  return new CoordinatorActor({ log: openLog(), disk, dataDir, settings, clock: Date.now, logger: silentLogger(),
    onTopicChanged: (topic, meta) => changes.push([topic, meta]) })
}

function codeOf(work: () => unknown): number | undefined {
  try {
    work()
  } catch (err) {
    return (err as { code?: number }).code
  }
  return undefined
}

beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'faecie-coordinator-')) })
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

describe('CoordinatorActor', () => {
  it('records topic changes and replays them after a reopen', () => {
    const changes: [string, TopicMeta | null][] = []
    const actor = open(changes)
    const orders = actor.createTopic('orders', 2, { 'retention.ms': '1000' }, false)
    actor.createTopic('gone', 1, {}, false)
    actor.alterTopicConfig('orders', { flush: 'never', 'retention.ms': null })
    actor.createPartitions('orders', 5)
    actor.deleteTopic('gone')
    expect(changes.map(([t, m]) => [t, m?.partitions ?? null])).toEqual([['orders', 2], ['gone', 1], ['orders', 2], ['orders', 5], ['gone', null]])
    actor.close()

    const again = open()
    expect(again.topics).toEqual([{ topic: 'orders', topicId: orders.topicId, partitions: 5, config: { flush: 'never' }, internal: false }])
    again.close()
  })

  it('validates without recording when asked to', () => {
    const actor = open()
    actor.createTopic('dry', 1, {}, true)
    expect(actor.topics).toEqual([])
    actor.close()
  })

  it('refuses with the protocol codes', () => {
    const actor = open()
    actor.createTopic('t', 1, {}, false)
    expect(codeOf(() => actor.createTopic('t', 1, {}, false))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect(codeOf(() => actor.createTopic('__internal', 1, {}, false))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(codeOf(() => actor.createTopic('a/b', 1, {}, false))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(codeOf(() => actor.createTopic('many', 9, {}, false))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(codeOf(() => actor.createTopic('cfg', 1, { 'segment.bytes': '1' }, false))).toBe(ErrorCode.INVALID_CONFIG)
    expect(codeOf(() => actor.createPartitions('t', 0))).toBe(ErrorCode.INVALID_PARTITIONS)
    actor.createTopic('big', 8, {}, false)
    expect(codeOf(() => actor.createTopic('over', 4, {}, false))).toBe(ErrorCode.INVALID_PARTITIONS)
    expect(codeOf(() => actor.createPartitions('t', 5))).toBe(ErrorCode.INVALID_PARTITIONS)
    actor.createPartitions('t', 4)
    expect(codeOf(() => actor.deleteTopic('nope'))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(codeOf(() => actor.alterTopicConfig('t', { 'max.message.bytes': String(2 * settings.batchBytesMax) }))).toBe(ErrorCode.INVALID_CONFIG)
    actor.close()
  })

  it('never hands out a producer id twice, across reopens', () => {
    const seen = new Set<number>()
    for (let run = 0; run < 3; run++) {
      const actor = open()
      for (let i = 0; i < 7; i++) {
        const id = actor.initProducerId()
        expect(seen.has(id)).toBe(false)
        seen.add(id)
      }
      actor.close()
    }
    expect(seen.size).toBe(21)
  })

  it('moves aside partition directories the log does not know', () => {
    const actor = open()
    actor.createTopic('known', 1, {}, false)
    mkdirSync(join(dataDir, 'known-0'))
    mkdirSync(join(dataDir, 'known-1'))
    mkdirSync(join(dataDir, 'stray-0'))
    mkdirSync(join(dataDir, 'not-a-partition'))
    const moved = actor.reconcileDataDir()
    expect(moved.map((m) => m.replace(/\d+$/, 'N')).sort()).toEqual(['known-1.orphaned-N', 'stray-0.orphaned-N'])
    const names = readdirSync(dataDir)
    expect(names).toContain('known-0')
    expect(names).toContain('not-a-partition')
    expect(names).toContain(METADATA_PARTITION_DIR)
    expect(actor.reconcileDataDir()).toEqual([])
    actor.close()
  })

  it('refuses to start on a record it cannot read', () => {
    const log = openLog()
    log.append(new RecordBatchEncoder().encode([{ key: 'topic', value: '{"v":1,"type":"topic","topic":"x"}' }]).slice())
    log.flush()
    log.close()
    expect(() => open()).toThrow(/malformed record/)
  })
})

describe('CoordinatorActor consumer groups', () => {
  function openOffsets(): PartitionLog {
    return PartitionLog.open({ dir: join(dataDir, OFFSETS_PARTITION_DIR),
      config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1, segmentBytes: 4096, cleanupPolicy: 'compact' }, disk, clock: Date.now, logger: silentLogger() })
  }

  function openWithOffsets(clock: () => number = Date.now, groupSettings: Partial<GroupSettings> = {}): CoordinatorActor {
    return new CoordinatorActor({ log: openLog(), offsetsLog: openOffsets(), disk, dataDir, settings, clock, logger: silentLogger(),
      onTopicChanged: () => undefined, groupSettings })
  }

  it('expires the offsets of empty groups and deletes the groups on disk too: a reopen does not bring them back', () => {
    let now = 1_000
    const retention = { offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 1_000, startupAssignmentDelayMs: 0 }
    const actor = openWithOffsets(() => now, retention)
    actor.createTopic('t', 2, {}, false)
    for (let i = 0; i < 50; i++) {
      actor.group('commitOffsets', { groupId: `gone-${i}`, topics: [{ topic: 't', partitions: [{ partition: 0, offset: i }, { partition: 1, offset: i }] }] })
    }
    now += 30_000
    actor.group('commitOffsets', { groupId: 'kept', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] })
    now += 30_000
    actor.tick()
    expect(actor.group('listGroups', {}).groups.map((g) => g.groupId)).toEqual(['kept'])
    expect(actor.compactOffsets(true)).not.toBeNull()
    actor.close()

    const again = openWithOffsets(() => now, retention)
    expect(again.group('listGroups', {}).groups.map((g) => g.groupId)).toEqual(['kept'])
    expect(again.group('fetchOffsets', { groupId: 'gone-7' }).topics).toEqual([])
    expect(again.groups.groupCount).toBe(1)
    again.close()
    // Groups are recorded in the compacted offsets log: the metadata log holds the topic only.
    const metadata = openLog()
    expect(metadata.logEndOffset).toBe(1)
    metadata.close()
  })

  it('reads groups that earlier brokers recorded in the metadata log, and records their expiry there', () => {
    let now = 1_000
    const retention = { offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 1_000, startupAssignmentDelayMs: 0 }
    const actor = openWithOffsets(() => now, retention)
    actor.createTopic('t', 1, {}, false)
    actor.close()
    const log = openLog()
    for (const groupId of ['legacy', 'legacy-kept']) log.append(encodeMetadataRecord({ v: 1, type: 'group', groupId }, now))
    log.flush()
    log.close()
    const legacy = openWithOffsets(() => now, retention)
    legacy.group('commitOffsets', { groupId: 'legacy', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 4 }] }] })
    now += 30_000
    legacy.group('commitOffsets', { groupId: 'legacy-kept', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5 }] }] })
    now += 30_000
    legacy.tick()
    expect(legacy.group('listGroups', {}).groups.map((g) => g.groupId)).toEqual(['legacy-kept'])
    legacy.close()
    const metadata = openLog()
    expect(metadata.logEndOffset).toBe(4) // topic, two groups, one groupDeleted
    metadata.close()
    const again = openWithOffsets(() => now, retention)
    expect(again.group('listGroups', {}).groups.map((g) => g.groupId)).toEqual(['legacy-kept'])
    expect(again.group('fetchOffsets', { groupId: 'legacy-kept' }).topics[0]!.partitions[0]!.offset).toBe(5)
    again.close()
  })

  it('a group of the metadata log taken over by a classic group comes back classic with its offsets; deleted, it comes back in neither log', async () => {
    let now = 1_000
    const actor = openWithOffsets(() => now, { startupAssignmentDelayMs: 0 })
    actor.createTopic('t', 1, {}, false)
    actor.close()
    const log = openLog()
    log.append(encodeMetadataRecord({ v: 1, type: 'group', groupId: 'legacy' }, now))
    log.flush()
    log.close()
    const legacy = openWithOffsets(() => now, { startupAssignmentDelayMs: 0 })
    legacy.group('commitOffsets', { groupId: 'legacy', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 4 }] }] })
    const held = legacy.kafkaGroup('joinGroup', { groupId: 'legacy', memberId: '', clientId: 'c', clientHost: '/h', sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeConsumerSubscription(['t']) }], requireKnownMemberId: false })
    now += DEFAULT_CLASSIC_GROUP_SETTINGS.initialRebalanceDelayMs
    legacy.tick()
    const joined = await held
    expect(joined.errorCode).toBe(0)
    legacy.kafkaGroup('classicLeaveGroup', { groupId: 'legacy', members: [{ memberId: joined.memberId }] })
    legacy.close()
    const classic = openWithOffsets(() => now, { startupAssignmentDelayMs: 0 })
    expect(classic.group('describeGroups', { groupIds: ['legacy'] }).groups[0]).toMatchObject({ type: 'classic', state: 'Empty', protocolType: 'consumer' })
    expect(classic.group('fetchOffsets', { groupId: 'legacy' }).topics[0]!.partitions[0]!.offset).toBe(4)
    classic.group('deleteGroup', { groupId: 'legacy' })
    classic.close()
    const gone = openWithOffsets(() => now, { startupAssignmentDelayMs: 0 })
    expect(gone.group('listGroups', {}).groups).toEqual([])
    expect(gone.group('fetchOffsets', { groupId: 'legacy' }).topics).toEqual([])
    gone.close()
  })

  it('keeps groups and committed offsets across a reopen, and drops a deleted topic\'s', () => {
    const actor = openWithOffsets()
    actor.createTopic('t', 2, {}, false)
    actor.createTopic('u', 1, {}, false)
    const joined = actor.group('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    expect(joined.assignment).toEqual([{ topic: 't', partitions: [0, 1] }])
    actor.group('commitOffsets', { groupId: 'g', memberId: joined.memberId, memberEpoch: joined.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: 1, offset: 42 }] }, { topic: 'u', partitions: [{ partition: 0, offset: 7 }] }] })
    actor.deleteTopic('u')
    actor.group('commitOffsets', { groupId: 'simple', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 3 }] }] })
    actor.group('deleteGroup', { groupId: 'simple' })
    actor.close()

    const again = openWithOffsets()
    expect(again.group('listGroups', {}).groups.map((g) => [g.groupId, g.state])).toEqual([['g', 'Empty']])
    expect(again.group('fetchOffsets', { groupId: 'g' }).topics.map((t) => [t.topic, t.partitions.map((p) => p.offset)])).toEqual([['t', [42]]])
    expect(again.group('fetchOffsets', { groupId: 'simple' }).topics).toEqual([])
    // Membership is not written down: a member of before is taken back from its first heartbeat.
    const back = again.group('heartbeat', { groupId: 'g', memberId: joined.memberId, memberEpoch: joined.memberEpoch,
      ownedPartitions: [{ topic: 't', partitions: [0, 1] }] })
    expect([back.memberId, back.assignment]).toEqual([joined.memberId, [{ topic: 't', partitions: [0, 1] }]])
    expect(again.reconcileDataDir()).toEqual([])
    again.close()
  })

  it('refuses to start on an offset record it cannot read', () => {
    const log = openOffsets()
    log.append(new RecordBatchEncoder().encode([{ key: '["offset","g","t",0]', value: '{"v":9}' }]).slice())
    log.flush()
    log.close()
    expect(() => openWithOffsets()).toThrow(/__consumer_offsets-0 holds a malformed value/)
  })

  it('compacts committed offsets, keeping the latest per key', () => {
    const actor = openWithOffsets()
    actor.createTopic('t', 2, {}, false)
    for (let i = 1; i <= 300; i++) {
      actor.group('commitOffsets', { groupId: 'simple', topics: [{ topic: 't', partitions: [{ partition: i % 2, offset: i }] }] })
    }
    const outcome = actor.compactOffsets(true)
    expect(outcome?.segmentsSwapped).toBeGreaterThan(0)
    expect(outcome!.bytesAfter).toBeLessThan(outcome!.bytesBefore)
    actor.close()
    const again = openWithOffsets()
    expect(again.group('fetchOffsets', { groupId: 'simple' }).topics[0]!.partitions.map((p) => p.offset)).toEqual([300, 299])
    again.close()
  })

  it('ignores offsets of a topic deleted before its tombstones were written', () => {
    const actor = openWithOffsets()
    const meta = actor.createTopic('t', 1, {}, false)
    actor.group('commitOffsets', { groupId: 'simple', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 9 }] }] })
    actor.close()
    // A crash after the deletion was recorded, before the tombstones; then the name is reused.
    const log = openLog()
    log.append(encodeMetadataRecord({ v: 1, type: 'topicDeleted', topic: 't', topicId: meta.topicId }, Date.now()))
    log.append(encodeMetadataRecord({ v: 1, type: 'topic', topic: 't', topicId: 'another', partitions: 1, config: {} }, Date.now()))
    log.flush()
    log.close()
    const again = openWithOffsets()
    expect(again.group('fetchOffsets', { groupId: 'simple', topics: [{ topic: 't' }] }).topics[0]!.partitions[0]!.offset).toBe(-1)
    again.close()
  })
})
