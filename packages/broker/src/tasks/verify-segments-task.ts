// The piscina task that verifies closed segments on a pool thread: stateless CPU and I/O work on
// files no actor is writing, kept off the partition threads and the main thread. Either every closed
// segment of a directory ({ dir }) or one segment ({ segment }), which is how the background checks
// pace themselves (partition/closed-segment-checks.ts).
import '@faecie/protocol/node'
import { RealDisk } from '../storage/real-disk.js'
import { verifyClosedSegments, verifySegment, type SegmentVerification } from './verify-segments.js'

const disk = new RealDisk()

export interface SegmentToVerify {
  path: string
  baseOffset: number
  nextBaseOffset: number
}

export default function verifySegmentsTask(input: { dir: string } | { segment: SegmentToVerify }): SegmentVerification[] {
  if ('segment' in input) return [verifySegment(disk, input.segment.path, input.segment.baseOffset, input.segment.nextBaseOffset)]
  return verifyClosedSegments(disk, input.dir)
}
