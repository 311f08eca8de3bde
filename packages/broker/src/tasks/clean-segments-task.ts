// The piscina task that runs compaction's cleaner (clean-segments.ts) on a pool thread: CPU and I/O
// work on closed segments, off the partition threads and the main thread. The owning partition actor
// swaps the output in.
import '@faecie/protocol/node'
import type { CleanerResult } from '../storage/cleaner.js'
import { RealDisk } from '../storage/real-disk.js'
import { cleanPartition, type CleanRequest } from './clean-segments.js'

const disk = new RealDisk()

export default function cleanSegmentsTask(request: CleanRequest): CleanerResult {
  return cleanPartition(disk, request)
}
