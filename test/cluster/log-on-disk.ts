// A partition's log as one broker holds it, read from its data dir: what a broker that is paused
// (SIGSTOP) or a follower (which answers no fetch) has, with no request to it. A partition's
// directory is `<topic>-<partition>` under the data dir, its segments `<20-digit base offset>.log`
// holding whole Kafka RecordBatch v2 batches back to back (packages/broker/src/storage/segment.ts).
// The broker may be writing as this reads: a torn last batch ends the read, as recovery would.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { checkBatch, decodeBatches } from '@faecie/protocol'
import type { PartitionLog } from './acked-records.js'

/** How deep below the data dir a partition directory may be. */
const DEPTH_MAX = 3
const SEGMENT_LOG = /^\d{20}\.log$/

function findPartitionDir(dir: string, name: string, depth: number): string | undefined {
  const here = join(dir, name)
  if (existsSync(here) && statSync(here).isDirectory()) return here
  if (depth === 0) return undefined
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const found = findPartitionDir(join(dir, entry.name), name, depth - 1)
    if (found !== undefined) return found
  }
  return undefined
}

/** Every record in the partition's segments, in order, and the offset after the last whole batch. */
export function readLogOnDisk(dataDir: string, topic: string, partition: number): PartitionLog & { endOffset: number } {
  const dir = findPartitionDir(dataDir, `${topic}-${partition}`, DEPTH_MAX)
  if (dir === undefined) throw new Error(`no directory ${topic}-${partition} under ${dataDir}`)
  const offsets: number[] = []
  const values: string[] = []
  let endOffset = 0
  const decoder = new TextDecoder()
  for (const file of readdirSync(dir).filter((f) => SEGMENT_LOG.test(f)).sort()) {
    const bytes = new Uint8Array(readFileSync(join(dir, file)))
    let pos = 0
    while (pos < bytes.length) {
      const check = checkBatch(bytes, pos, bytes.length)
      if (!check.ok) break
      for (const batch of decodeBatches(bytes, pos, pos + check.size)) {
        for (const record of batch.records) {
          offsets.push(record.offset)
          values.push(record.value === null ? '' : decoder.decode(record.value))
        }
        endOffset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1
      }
      pos += check.size
    }
  }
  return { offsets, values, endOffset }
}
