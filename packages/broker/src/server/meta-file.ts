// DATA_DIR/meta.json: who this data directory belongs to, and the version of the on-disk format of
// everything under it. Written when a broker first starts on an empty directory, atomically (tmp
// file, fdatasync, rename, fsync of the directory); read on every later start. A broker id other
// than the one configured stops the start: the directory is someone else's. Reading it first takes
// the data directory's lock (data-dir-lock.ts): one broker process per directory.
//
// The cluster id: a single broker makes one up when it creates the directory. A broker of a cluster
// (--cluster) passes the id etcd holds (cluster/metadata-store.ts creates it once): a new directory
// is created with it, and a directory that holds another id, a single broker's or another cluster's,
// is refused (ClusterIdMismatchError), as Kafka refuses a meta.properties of another cluster.id:
// its logs are not this cluster's.
//
//   {"formatVersion": 2, "brokerId": 0, "clusterId": "<uuid>", "createdAt": "<ISO 8601>"}
//
// Format versions (what a data directory of each version holds; layouts are drawn in the files named):
//
//   1  DATA_DIR/TOPIC-PARTITION/NNNN.{log,index,timeindex}, recovery-point, producer-state, ...
//      (storage/log.ts). Offset-index entries hold a batch's FIRST offset, time-index entries the
//      first offset of the batch indexed; compacted batches keep their original timestamps and
//      tombstones expire by the segment file's mtime.
//   2  The same files; .index and .timeindex entries are Kafka's (offset-index.ts, time-index.ts: a
//      batch's LAST offset, and the last offset of the batch that reached the largest timestamp),
//      and compaction writes batch headers as Kafka's cleaner does, with KIP-534 delete horizons
//      (compacted-batch.ts). Kafka's DumpLogSegments reads every file.
//
// Opening a directory of an older version upgrades it: from 1, every index file is deleted (they are
// derived data: opening a partition rebuilds a missing index from its .log, recovery.ts), then
// meta.json is rewritten with the current version. A crash in between leaves version 1, and the next
// start does it again. A meta.json without formatVersion is version 1. A directory of a newer
// version than this broker knows is refused, naming both versions: an older broker would misread it.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { diskErrorCode, isNotFound, type Disk } from '../storage/disk.js'
import { lockDataDir } from './data-dir-lock.js'

export const META_FILE = 'meta.json'
export const DATA_FORMAT_VERSION = 2
/** Format 1's index files, and their compaction-swap leftovers (storage/compaction-swap.ts). */
const FORMAT_1_INDEX_FILE = /^\d{20}\.(index|timeindex)(\.swap|\.cleaned)?$/

export interface BrokerMeta {
  formatVersion: number
  brokerId: number
  clusterId: string
  createdAt: string
}

export class DataFormatError extends Error {}
export class ClusterIdMismatchError extends Error {}

/** `clusterId`: the cluster's id in etcd, for a broker of a cluster; undefined for a single broker. */
export function loadOrCreateMeta(disk: Disk, dataDir: string, brokerId: number | undefined, nowMs: number, clusterId?: string): BrokerMeta {
  disk.mkdir(dataDir)
  lockDataDir(dataDir)
  const path = join(dataDir, META_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = disk.readFile(path)
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  if (bytes === undefined) {
    const meta: BrokerMeta = { formatVersion: DATA_FORMAT_VERSION, brokerId: brokerId ?? 0, clusterId: clusterId ?? randomUUID(), createdAt: new Date(nowMs).toISOString() }
    writeMeta(disk, path, meta)
    return meta
  }
  let meta = parseMeta(new TextDecoder().decode(bytes), path)
  if (meta.formatVersion > DATA_FORMAT_VERSION) {
    throw new DataFormatError(`${path} has data format version ${meta.formatVersion}, newer than version ` +
      `${DATA_FORMAT_VERSION} that this broker reads: start a faecie that knows version ${meta.formatVersion}`)
  }
  if (brokerId !== undefined && brokerId !== meta.brokerId) {
    throw new Error(`${path} belongs to broker ${meta.brokerId}, not the configured broker ${brokerId}`)
  }
  if (clusterId !== undefined && clusterId !== meta.clusterId) {
    throw new ClusterIdMismatchError(`${path} belongs to cluster ${meta.clusterId}, but the cluster this broker joins ` +
      `has id ${clusterId}: its data is another cluster's (or a single broker's); give this broker an empty data directory`)
  }
  if (meta.formatVersion < DATA_FORMAT_VERSION) meta = upgrade(disk, dataDir, path, meta)
  return meta
}

/** Brings a data directory of an older format to the current one, step by step. */
function upgrade(disk: Disk, dataDir: string, path: string, meta: BrokerMeta): BrokerMeta {
  if (meta.formatVersion === 1) deleteIndexFiles(disk, dataDir)
  const upgraded = { ...meta, formatVersion: DATA_FORMAT_VERSION }
  writeMeta(disk, path, upgraded)
  return upgraded
}

/** Deletes every segment index file in the partition directories (rebuilt when each partition opens). */
function deleteIndexFiles(disk: Disk, dataDir: string): void {
  for (const name of disk.readdir(dataDir)) {
    const dir = join(dataDir, name)
    let names: string[]
    try {
      names = disk.readdir(dir)
    } catch (err) {
      if (diskErrorCode(err) === 'ENOTDIR') continue
      throw err
    }
    const doomed = names.filter((file) => FORMAT_1_INDEX_FILE.test(file))
    for (const file of doomed) disk.unlink(join(dir, file))
    if (doomed.length > 0) disk.fsyncDir(dir)
  }
}

function writeMeta(disk: Disk, path: string, meta: BrokerMeta): void {
  disk.writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(meta)}\n`))
}

function parseMeta(text: string, path: string): BrokerMeta {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`${path} is not JSON`)
  }
  const v = value as Partial<BrokerMeta> | null
  if (typeof v !== 'object' || v === null || !Number.isSafeInteger(v.brokerId) || typeof v.clusterId !== 'string') {
    throw new Error(`${path} lacks brokerId or clusterId`)
  }
  if (v.formatVersion === undefined) return { ...v, formatVersion: 1 } as BrokerMeta
  if (!Number.isSafeInteger(v.formatVersion) || v.formatVersion < 1) throw new Error(`${path} has a bad formatVersion: ${String(v.formatVersion)}`)
  return v as BrokerMeta
}
