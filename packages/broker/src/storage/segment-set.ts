// The segments of one log, oldest first; the last is the active one. In the partition directory they
// are the NNNNNNNNNNNNNNNNNNNN.{log,index,timeindex} triples (segment.ts), ordered by base offset:
//
//   [ 00..00.log ][ 00..1000.log ][ 00..2371.log ] ... [ active ]
//     base 0        base 1000       base 2371            base = the previous segment's end
//
// It keeps the resources of closed segments bounded: at most OPEN_CLOSED_SEGMENTS_MAX of them hold
// an open fd and loaded indexes at a time (the ones read most recently: a consumer catching up walks
// forward through them); the others are released and reopen on their next read. So an idle partition
// holds one fd and the indexes of its active segment, and a thousand partitions fit the fd limit.
import { strict as assert } from 'node:assert'
import type { Disk } from './disk.js'
import type { Segment } from './segment.js'

export const OPEN_CLOSED_SEGMENTS_MAX = 3

export class SegmentSet {
  readonly #segments: Segment[]
  /** Closed segments holding an fd or index cache, least recently used first. */
  readonly #recent: Segment[] = []
  #closedBytes = 0

  constructor(segments: Segment[]) {
    assert(segments.length > 0, 'a log has at least its active segment')
    for (let i = 1; i < segments.length; i++) {
      assert(segments[i]!.baseOffset > segments[i - 1]!.baseOffset, 'segments out of order')
    }
    this.#segments = segments
    this.#recount()
  }

  get count(): number {
    return this.#segments.length
  }

  get active(): Segment {
    return this.#segments[this.#segments.length - 1]!
  }

  get first(): Segment {
    return this.#segments[0]!
  }

  at(i: number): Segment {
    const segment = this.#segments[i]
    assert(segment !== undefined, `no segment ${i} of ${this.#segments.length}`)
    return segment
  }

  get sizeBytes(): number {
    return this.#closedBytes + this.active.sizeBytes
  }

  /** The index of the last segment whose base offset is at most `offset`, or -1. */
  floorIndex(offset: number): number {
    let lo = 0
    let hi = this.#segments.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.#segments[mid]!.baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  /** One past the last offset segment `i` can hold: the next one's base, or the log end. */
  endOffsetOf(i: number): number {
    return i < this.#segments.length - 1 ? this.#segments[i + 1]!.baseOffset : this.active.nextOffset
  }

  /** A roll: `segment` becomes the active one, the previous active one joins the closed. */
  push(disk: Disk, segment: Segment): void {
    assert(segment.baseOffset >= this.active.nextOffset, `new segment ${segment.baseOffset} before the log end ${this.active.nextOffset}`)
    const previous = this.active
    this.#segments.push(segment)
    this.#closedBytes += previous.sizeBytes
    this.touch(disk, previous)
  }

  /** Removes the oldest segment from the set (its files are the caller's business). */
  shift(): Segment {
    assert(this.#segments.length > 1, 'the active segment is never removed from the front')
    const segment = this.#segments.shift()!
    this.#forget(segment)
    this.#closedBytes -= segment.sizeBytes
    return segment
  }

  /** Compaction: the closed segment at `i` is replaced by `segment`, reopened from its swapped-in files. */
  replace(i: number, segment: Segment): Segment {
    assert(i >= 0 && i < this.#segments.length - 1, `replacing segment ${i} of ${this.#segments.length}: only closed ones`)
    const old = this.#segments[i]!
    assert(old.baseOffset === segment.baseOffset, `replacing segment ${old.baseOffset} by ${segment.baseOffset}`)
    this.#forget(old)
    this.#segments[i] = segment
    this.#closedBytes += segment.sizeBytes - old.sizeBytes
    return old
  }

  /** Removes the segments after index `i`; the one at `i` becomes the active one. */
  truncateAfter(i: number): Segment[] {
    assert(i >= 0 && i < this.#segments.length, `truncating segments after ${i} of ${this.#segments.length}`)
    const removed = this.#segments.splice(i + 1)
    for (const segment of removed) this.#forget(segment)
    this.#forget(this.active)
    this.#recount()
    return removed
  }

  /** A closed segment was just used: keep it open, and release the least recently used beyond the cap. */
  touch(disk: Disk, segment: Segment): void {
    if (segment === this.active) return
    const at = this.#recent.indexOf(segment)
    if (at >= 0) this.#recent.splice(at, 1)
    this.#recent.push(segment)
    while (this.#recent.length > OPEN_CLOSED_SEGMENTS_MAX) this.#recent.shift()!.release(disk)
  }

  /** Releases every closed segment's fd and index cache. */
  releaseClosed(disk: Disk): void {
    for (let i = 0; i < this.#segments.length - 1; i++) this.#segments[i]!.release(disk)
    this.#recent.length = 0
  }

  /** Every segment, oldest first (read only). */
  all(): readonly Segment[] {
    return this.#segments
  }

  #forget(segment: Segment): void {
    const at = this.#recent.indexOf(segment)
    if (at >= 0) this.#recent.splice(at, 1)
  }

  #recount(): void {
    this.#closedBytes = 0
    for (let i = 0; i < this.#segments.length - 1; i++) this.#closedBytes += this.#segments[i]!.sizeBytes
  }
}
