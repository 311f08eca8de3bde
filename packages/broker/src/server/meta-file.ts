// DATA_DIR/meta.json: who this data directory belongs to. Written once, when a broker first starts on
// an empty directory, atomically (tmp file, fdatasync, rename, fsync of the directory); read on every
// later start. A format version this broker does not know, or a broker id other than the one
// configured, stops the start: the directory is someone else's. Reading it first takes the data
// directory's lock (data-dir-lock.ts): one broker process per directory.
//
//   {"formatVersion": 1, "brokerId": 0, "clusterId": "<uuid>", "createdAt": "<ISO 8601>"}
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { isNotFound, type Disk } from '../storage/disk.js'
import { lockDataDir } from './data-dir-lock.js'

export const META_FILE = 'meta.json'
export const DATA_FORMAT_VERSION = 1

export interface BrokerMeta {
  formatVersion: number
  brokerId: number
  clusterId: string
  createdAt: string
}

export function loadOrCreateMeta(disk: Disk, dataDir: string, brokerId: number | undefined, nowMs: number): BrokerMeta {
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
    const meta: BrokerMeta = { formatVersion: DATA_FORMAT_VERSION, brokerId: brokerId ?? 0, clusterId: randomUUID(), createdAt: new Date(nowMs).toISOString() }
    disk.writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(meta)}\n`))
    return meta
  }
  const meta = parseMeta(new TextDecoder().decode(bytes), path)
  if (meta.formatVersion !== DATA_FORMAT_VERSION) {
    throw new Error(`${path} has data format version ${meta.formatVersion}; this broker reads version ${DATA_FORMAT_VERSION}`)
  }
  if (brokerId !== undefined && brokerId !== meta.brokerId) {
    throw new Error(`${path} belongs to broker ${meta.brokerId}, not the configured broker ${brokerId}`)
  }
  return meta
}

function parseMeta(text: string, path: string): BrokerMeta {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`${path} is not JSON`)
  }
  const v = value as Partial<BrokerMeta> | null
  if (typeof v !== 'object' || v === null || !Number.isSafeInteger(v.formatVersion) || !Number.isSafeInteger(v.brokerId) ||
      typeof v.clusterId !== 'string') {
    throw new Error(`${path} lacks formatVersion, brokerId or clusterId`)
  }
  return v as BrokerMeta
}
