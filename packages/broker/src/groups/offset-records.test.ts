// The records of `__consumer_offsets`: a load marker reads back as no state (counted, skipped), a
// malformed one is refused with the partition and offset named, and a single broker's coordinator
// replays a log holding markers (as a cluster's shards leave them) with every offset intact.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RecordBatchEncoder } from '@faecie/protocol'
import { makeTempDir, removeTempDir } from '../../../../test/support/temp-dir.js'
import { silentLogger } from '../log.js'
import { CoordinatorActor, METADATA_PARTITION_DIR, OFFSETS_PARTITION_DIR } from '../coordinator/coordinator-actor.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { decodeOffsetBatches, encodeGroupRecords, encodeLoadMarker, encodeOffsetRecords } from './offset-records.js'

const settings = { batchBytesMax: 1024 * 1024, partitionsPerTopicMax: 8, partitionsMax: 12, producerIdBlockSize: 10 }
const disk = new RealDisk()

describe('load markers', () => {
  it('decode as no records, counted', () => {
    const bytes = Buffer.concat([
      encodeGroupRecords([{ type: 'group', groupId: 'g' }], 5),
      encodeLoadMarker(12, 6),
    ])
    const batches = [...decodeOffsetBatches(bytes, '__consumer_offsets-12')]
    expect(batches.map((b) => [b.records.length, b.loadMarkers])).toEqual([[1, 0], [0, 1]])
  })

  it('a malformed marker is refused, naming the partition and the offset', () => {
    const encoder = new RecordBatchEncoder()
    for (const [key, value] of [['["loadMarker","x"]', '{"v":1,"partition":1,"loadedAtMs":1}'], ['["loadMarker"]', '{"v":2}'], ['["loadMarker"]', null]] as const) {
      const bytes = encoder.encode([{ key, value }], { baseOffset: 40 }).slice()
      expect(() => [...decodeOffsetBatches(bytes, '__consumer_offsets-3')]).toThrow(/__consumer_offsets-3 holds a malformed load marker.* at offset 40/)
    }
  })
})

describe('offset records', () => {
  it('carry the committing member id when there is one; records without it (earlier brokers) still read', () => {
    const value = { offset: 5, metadata: '', commitTimestamp: 1, topicId: 'id-t' }
    const bytes = Buffer.concat([
      encodeOffsetRecords([{ groupId: 'g', topic: 't', partition: 0, value: { ...value, memberId: 'm1' } }], 1),
      encodeOffsetRecords([{ groupId: 'g', topic: 't', partition: 1, value }], 1),
    ])
    const values = [...decodeOffsetBatches(bytes)].flatMap((b) => b.records.map((r) => r.entry.kind === 'offset' ? r.entry.record.value : undefined))
    expect(values).toEqual([{ ...value, memberId: 'm1' }, value])
  })

  it('a member id that is not a string is refused', () => {
    const bytes = new RecordBatchEncoder().encode([{ key: '["offset","g","t",0]',
      value: '{"v":1,"offset":1,"metadata":"","commitTimestamp":1,"topicId":"x","memberId":7}' }], { baseOffset: 12 }).slice()
    expect(() => [...decodeOffsetBatches(bytes, '__consumer_offsets-2')]).toThrow(/__consumer_offsets-2 holds a malformed value at offset 12/)
  })
})

describe('group records', () => {
  it("carry a classic group's type and protocol type; records without a type (earlier brokers) are consumer groups", () => {
    const bytes = encodeGroupRecords([{ type: 'group', groupId: 'c', groupType: 'classic', protocolType: 'consumer' },
      { type: 'group', groupId: 'k', assignor: 'range' }, { type: 'groupDeleted', groupId: 'c' }], 1)
    const records = [...decodeOffsetBatches(bytes)].flatMap((b) => b.records.map((r) => r.entry.record))
    expect(records).toEqual([{ type: 'group', groupId: 'c', groupType: 'classic', protocolType: 'consumer' },
      { type: 'group', groupId: 'k', assignor: 'range' }, { type: 'groupDeleted', groupId: 'c' }])
  })

  it('a group value of an unknown type, or a classic one without its protocol type, is refused', () => {
    for (const value of ['{"v":1,"type":"share"}', '{"v":1,"type":"classic"}']) {
      const bytes = new RecordBatchEncoder().encode([{ key: '["group","g"]', value }], { baseOffset: 9 }).slice()
      expect(() => [...decodeOffsetBatches(bytes, '__consumer_offsets-1')]).toThrow(/__consumer_offsets-1 holds a malformed group value at offset 9/)
    }
  })
})

describe('a single broker replaying a log with load markers', () => {
  let dataDir: string
  beforeEach(() => { dataDir = makeTempDir('offset-records') })
  afterEach(() => removeTempDir(dataDir))

  const openLog = (dir: string, compact = false): PartitionLog => PartitionLog.open({ dir: join(dataDir, dir),
    config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1, ...(compact ? { cleanupPolicy: 'compact' as const } : {}) }, disk, clock: Date.now, logger: silentLogger() })
  const open = (): CoordinatorActor => new CoordinatorActor({ log: openLog(METADATA_PARTITION_DIR), offsetsLog: openLog(OFFSETS_PARTITION_DIR, true),
    disk, dataDir, settings, clock: Date.now, logger: silentLogger(), onTopicChanged: () => undefined })

  it('skips them and keeps every offset', () => {
    const actor = open()
    const topic = actor.createTopic('t', 2, {}, false)
    actor.group('commitOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 7 }] }] })
    actor.close()
    const log = openLog(OFFSETS_PARTITION_DIR, true)
    log.append(encodeLoadMarker(0, 1))
    log.append(encodeOffsetRecords([{ groupId: 'g', topic: 't', partition: 1, value: { offset: 9, metadata: '', commitTimestamp: 1, topicId: topic.topicId } }], 1))
    log.append(encodeLoadMarker(0, 2))
    log.flush()
    log.close()

    const again = open()
    const offsets = again.group('fetchOffsets', { groupId: 'g' }).topics[0]!.partitions.map((p) => [p.partition, p.offset])
    expect(offsets).toEqual([[0, 7], [1, 9]])
    again.close()
  })
})
