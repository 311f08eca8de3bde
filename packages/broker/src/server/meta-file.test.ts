// meta.json's format version: written on a fresh data dir, an older dir upgraded on open (its index
// files, of format 1, deleted and rebuilt by the partition's open as Kafka's), a newer one refused.
import '@faecie/protocol/node'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readInt64 } from '@faecie/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { makeBatch, tempDir } from '../storage/test-support.js'
import { ClusterIdMismatchError, DATA_FORMAT_VERSION, loadOrCreateMeta, META_FILE } from './meta-file.js'

const disk = new RealDisk()
const NOW_MS = 1_700_000_000_000
let dataDir: string
let cleanup: () => void

beforeEach(() => {
  ;({ dir: dataDir, cleanup } = tempDir('faecie-meta-'))
})
afterEach(() => cleanup())

function metaOnDisk(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, META_FILE), 'utf8')) as Record<string, unknown>
}

function openLog(dir: string): PartitionLog {
  return PartitionLog.open({ dir, disk, clock: () => NOW_MS, logger: silentLogger(),
    config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 2_000, indexIntervalBytes: 100 } })
}

/** The index files of `dir`, by name. */
function indexFiles(dir: string): Map<string, Buffer> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.index') || f.endsWith('.timeindex')).sort()
  return new Map(files.map((f) => [f, readFileSync(join(dir, f))]))
}

/** Rewrites each .index as format 1 had it: every entry names the first offset of its batch. */
function toFormat1Indexes(dir: string): void {
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.index'))) {
    const base = Number(name.slice(0, 20))
    const index = readFileSync(join(dir, name))
    const log = readFileSync(join(dir, `${name.slice(0, 20)}.log`))
    const logView = new DataView(log.buffer, log.byteOffset, log.byteLength)
    for (let at = 0; at < index.length; at += 8) {
      index.writeUInt32BE(readInt64(logView, index.readUInt32BE(at + 4)) - base, at)
    }
    writeFileSync(join(dir, name), index)
  }
}

describe('meta.json', () => {
  it('records the current format version in a new data dir', () => {
    const meta = loadOrCreateMeta(disk, dataDir, 3, NOW_MS)
    expect(meta).toMatchObject({ formatVersion: DATA_FORMAT_VERSION, brokerId: 3 })
    expect(metaOnDisk()).toMatchObject({ formatVersion: DATA_FORMAT_VERSION, brokerId: 3 })
  })

  it.each([
    ['formatVersion 1', { formatVersion: 1 }],
    ['no formatVersion', {}],
  ])('upgrades a data dir of %s: its index files are rebuilt as Kafka\'s, and the version recorded', (_, version) => {
    const partitionDir = join(dataDir, 'events-0')
    let log = openLog(partitionDir)
    for (let i = 0; i < 40; i++) log.append(makeBatch(3, { valueBytes: 50, tag: i, timestampMs: NOW_MS + i }))
    log.close()
    const kafkaIndexes = indexFiles(partitionDir)
    expect(kafkaIndexes.size).toBeGreaterThan(4)
    toFormat1Indexes(partitionDir)
    expect(indexFiles(partitionDir)).not.toEqual(kafkaIndexes)
    writeFileSync(join(dataDir, META_FILE), JSON.stringify({ ...version, brokerId: 0, clusterId: 'c-1', createdAt: 'then' }))

    const meta = loadOrCreateMeta(disk, dataDir, undefined, NOW_MS)
    expect(meta).toMatchObject({ formatVersion: DATA_FORMAT_VERSION, brokerId: 0, clusterId: 'c-1' })
    expect(metaOnDisk()).toMatchObject({ formatVersion: DATA_FORMAT_VERSION, clusterId: 'c-1', createdAt: 'then' })
    log = openLog(partitionDir)
    expect(log.logEndOffset).toBe(120)
    log.close()
    expect(indexFiles(partitionDir)).toEqual(kafkaIndexes)
  })

  it('refuses a data dir of a newer format, naming both versions, and leaves it as it was', () => {
    const newer = { formatVersion: DATA_FORMAT_VERSION + 1, brokerId: 0, clusterId: 'c-1', createdAt: 'then' }
    writeFileSync(join(dataDir, META_FILE), JSON.stringify(newer))
    expect(() => loadOrCreateMeta(disk, dataDir, 0, NOW_MS))
      .toThrow(`has data format version ${DATA_FORMAT_VERSION + 1}, newer than version ${DATA_FORMAT_VERSION} that this broker reads`)
    expect(metaOnDisk()).toEqual(newer)
  })

  it('creates a new data dir of a cluster\'s broker with the cluster\'s id, and opens it again with that id', () => {
    expect(loadOrCreateMeta(disk, dataDir, 2, NOW_MS, 'cluster-a')).toMatchObject({ brokerId: 2, clusterId: 'cluster-a' })
    expect(metaOnDisk()).toMatchObject({ brokerId: 2, clusterId: 'cluster-a' })
    expect(loadOrCreateMeta(disk, dataDir, 2, NOW_MS, 'cluster-a')).toMatchObject({ clusterId: 'cluster-a' })
  })

  it('refuses a data dir of another cluster, or of a single broker, naming both ids, and leaves it as it was', () => {
    const single = loadOrCreateMeta(disk, dataDir, 0, NOW_MS)
    const before = metaOnDisk()
    expect(() => loadOrCreateMeta(disk, dataDir, 0, NOW_MS, 'cluster-b')).toThrow(ClusterIdMismatchError)
    expect(() => loadOrCreateMeta(disk, dataDir, 0, NOW_MS, 'cluster-b'))
      .toThrow(`belongs to cluster ${single.clusterId}, but the cluster this broker joins has id cluster-b`)
    expect(metaOnDisk()).toEqual(before)
  })
})
