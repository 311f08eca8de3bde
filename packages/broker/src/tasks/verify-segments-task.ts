// The piscina task that runs verifyClosedSegments on a pool thread: stateless CPU and I/O work on
// files no actor is writing, kept off the partition threads and the main thread.
import '@faecie/protocol/node'
import { RealDisk } from '../storage/real-disk.js'
import { verifyClosedSegments, type SegmentVerification } from './verify-segments.js'

const disk = new RealDisk()

export default function verifySegmentsTask({ dir }: { dir: string }): SegmentVerification[] {
  return verifyClosedSegments(disk, dir)
}
