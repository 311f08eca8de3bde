// The coordinator in cluster mode: consumer groups see etcd's topics as the main thread mirrors them
// (mirrorClusterTopics), not the metadata log's; a topic that grows reaches the group's next
// assignment; committed offsets of those topics survive a reopen, before the first mirror arrives.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { CoordinatorActor, METADATA_PARTITION_DIR, OFFSETS_PARTITION_DIR } from './coordinator-actor.js'
import type { TopicMeta } from './metadata-state.js'

let dataDir: string
const disk = new RealDisk()
const settings = { batchBytesMax: 1024 * 1024, partitionsPerTopicMax: 8, partitionsMax: 12, producerIdBlockSize: 10 }

beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'faecie-coordinator-cluster-')) })
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

function open(): CoordinatorActor {
  const log = PartitionLog.open({ dir: join(dataDir, METADATA_PARTITION_DIR), config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1 }, disk, clock: Date.now, logger: silentLogger() })
  const offsetsLog = PartitionLog.open({ dir: join(dataDir, OFFSETS_PARTITION_DIR),
    config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1, segmentBytes: 4096, cleanupPolicy: 'compact' }, disk, clock: Date.now, logger: silentLogger() })
  return new CoordinatorActor({ log, offsetsLog, disk, dataDir, settings, clock: Date.now, logger: silentLogger(), onTopicChanged: () => undefined,
    groupSettings: { startupAssignmentDelayMs: 0 }, clusterTopicsMirrored: true })
}

const topic = (name: string, partitions: number): TopicMeta => ({ topic: name, topicId: `id-${name}`, partitions, config: {}, internal: false })

describe('CoordinatorActor in cluster mode', () => {
  it('assigns the mirrored topics\' partitions, follows their growth, and keeps their offsets across a reopen', () => {
    const actor = open()
    const before = actor.group('heartbeat', { groupId: 'g', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'] })
    expect(before.assignment).toEqual([])
    actor.mirrorClusterTopics([topic('t', 2)])
    const joined = actor.group('heartbeat', { groupId: 'g', memberId: before.memberId, memberEpoch: before.memberEpoch })
    expect(joined.assignment).toEqual([{ topic: 't', partitions: [0, 1] }])
    actor.mirrorClusterTopics([topic('t', 3)])
    const grown = actor.group('heartbeat', { groupId: 'g', memberId: joined.memberId, memberEpoch: joined.memberEpoch })
    expect(grown.assignment).toEqual([{ topic: 't', partitions: [0, 1, 2] }])
    actor.group('commitOffsets', { groupId: 'g', memberId: grown.memberId, memberEpoch: grown.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: 2, offset: 42 }] }] })
    actor.close()

    const again = open()
    // The replay ran before etcd's topics were mirrored in: the offsets were kept all the same.
    again.mirrorClusterTopics([topic('t', 3)])
    expect(again.group('fetchOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [2] }] }).topics[0]!.partitions[0]!.offset).toBe(42)
    again.close()
  })
})
