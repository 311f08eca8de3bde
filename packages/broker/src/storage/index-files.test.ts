// The offset index and the time index on the real disk: their byte layouts, lookups, the cache that
// can be dropped and reloaded, truncation, and the checks that decide when recovery rebuilds them.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AssertionError } from 'node:assert'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FilePosition, RelativeOffset } from './log-api.js'
import { OffsetIndex } from './offset-index.js'
import { RealDisk } from './real-disk.js'
import { tempDir } from './test-support.js'
import { TimeIndex } from './time-index.js'

const disk = new RealDisk()
let dir: string
let cleanup: () => void

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

const rel = (n: number) => n as RelativeOffset
const pos = (n: number) => n as FilePosition

describe('OffsetIndex', () => {
  function filled(path: string): OffsetIndex {
    const index = OffsetIndex.fresh(path)
    for (const [r, p] of [[5, 4100], [9, 8300], [20, 12500]] as const) index.append(disk, rel(r), pos(p))
    return index
  }

  it('writes 8-byte big-endian (relative offset, position) entries, only when written out', () => {
    const path = join(dir, 'a.index')
    const index = filled(path)
    expect(() => readFileSync(path)).toThrow()
    index.writePending(disk)
    expect([...readFileSync(path)]).toEqual([
      0, 0, 0, 5, 0, 0, 0x10, 0x04, 0, 0, 0, 9, 0, 0, 0x20, 0x6c, 0, 0, 0, 20, 0, 0, 0x30, 0xd4,
    ])
    index.append(disk, rel(0xfffffffe), pos(0xfffffff0))
    index.writePending(disk)
    expect(readFileSync(path).subarray(24).toString('hex')).toBe('fffffffefffffff0')
  })

  it('finds the position of the last indexed batch at or before an offset', () => {
    const index = filled(join(dir, 'a.index'))
    expect([0, 4, 5, 8, 9, 19, 20, 1000].map((o) => index.floorPosition(o))).toEqual([0, 0, 4100, 4100, 8300, 8300, 12500, 12500])
    expect(OffsetIndex.fresh(join(dir, 'b.index')).floorPosition(7)).toBe(0)
  })

  it('refuses entries out of order: an invariant, not an input', () => {
    const index = filled(join(dir, 'a.index'))
    expect(() => index.append(disk, rel(20), pos(20000))).toThrow(AssertionError)
    expect(() => index.append(disk, rel(21), pos(12500))).toThrow(AssertionError)
  })

  it('drops its cache and keeps working: appends go to the file, lookups reload', () => {
    const path = join(dir, 'a.index')
    const index = filled(path)
    index.release(disk)
    expect(index.loaded).toBe(false)
    expect(index.cachedBytes).toBe(0)
    index.append(disk, rel(30), pos(16600))
    expect(index.entryCount).toBe(4)
    index.load(disk)
    expect(index.floorPosition(31)).toBe(16600)
    expect(index.floorPosition(10)).toBe(8300)
  })

  it('spills pending entries to the file while its cache is dropped', () => {
    const path = join(dir, 'a.index')
    const index = OffsetIndex.fresh(path)
    index.release(disk)
    for (let i = 1; i <= 600; i++) index.append(disk, rel(i), pos(i * 100))
    expect(readFileSync(path).length).toBe(512 * 8)
    expect(index.cachedBytes).toBeLessThan(600 * 8)
    index.load(disk)
    expect(index.floorPosition(600)).toBe(60000)
  })

  it('reopens an existing file without loading it, then checks it', () => {
    const path = join(dir, 'a.index')
    filled(path).writePending(disk)
    const { index, missing } = OffsetIndex.existing(disk, path)
    expect(missing).toBe(false)
    expect(index.entryCount).toBe(3)
    expect(index.loaded).toBe(false)
    index.load(disk)
    expect(index.problem(21, 20000)).toBeNull()
    expect(index.problem(20, 20000)).toMatch(/past the segment's end/)
    expect(index.problem(21, 12500)).toMatch(/past the log's size/)
    expect(OffsetIndex.existing(disk, join(dir, 'none.index')).missing).toBe(true)
  })

  it('notices partial trailing entries and entries out of order in a file', () => {
    const path = join(dir, 'a.index')
    writeFileSync(path, Buffer.from('00000005000010040000000900', 'hex'))
    const ragged = OffsetIndex.existing(disk, path).index
    ragged.load(disk)
    expect(ragged.entryCount).toBe(1)
    expect(ragged.problem(100, 1e6)).toBe('partial trailing entry')
    writeFileSync(path, Buffer.from('00000009000010040000000500002000', 'hex'))
    const disordered = OffsetIndex.existing(disk, path).index
    disordered.load(disk)
    expect(disordered.problem(100, 1e6)).toBe('entry 1 out of order')
  })

  it('truncates entries for batches at or past a position, in memory and in the file', () => {
    const path = join(dir, 'a.index')
    const index = filled(path)
    index.writePending(disk)
    index.truncateToPosition(disk, 8300)
    expect(index.entryCount).toBe(1)
    expect(readFileSync(path).length).toBe(8)
    expect(index.lastPosition).toBe(4100)
    index.append(disk, rel(7), pos(5000))
    expect(index.floorPosition(8)).toBe(5000)
  })
})

describe('TimeIndex', () => {
  it('writes 12-byte (i64 timestamp, u32 relative offset) entries, only when the timestamp grows', () => {
    const path = join(dir, 'a.timeindex')
    const index = TimeIndex.fresh(path)
    expect(index.maybeAppend(disk, 1_700_000_000_000, rel(0))).toBe(true)
    expect(index.maybeAppend(disk, 1_700_000_000_000, rel(3))).toBe(false)
    expect(index.maybeAppend(disk, 1_699_999_999_000, rel(4))).toBe(false)
    expect(index.maybeAppend(disk, 1_700_000_000_500, rel(6))).toBe(true)
    index.writePending(disk)
    const bytes = readFileSync(path)
    expect(bytes.length).toBe(24)
    expect(bytes.readBigInt64BE(0)).toBe(1_700_000_000_000n)
    expect(bytes.readUInt32BE(8)).toBe(0)
    expect(bytes.readBigInt64BE(12)).toBe(1_700_000_000_500n)
    expect(bytes.readUInt32BE(20)).toBe(6)
  })

  it('finds the last entry older than a timestamp', () => {
    const index = TimeIndex.fresh(join(dir, 'a.timeindex'))
    for (const [ts, r] of [[100, 0], [200, 4], [300, 9]] as const) index.maybeAppend(disk, ts, rel(r))
    expect([50, 100, 101, 200, 250, 300, 301].map((ts) => index.lastOlderThan(ts))).toEqual([null, null, 0, 0, 4, 4, 9])
  })

  it('reads the last entry of an existing file without loading it', () => {
    const path = join(dir, 'a.timeindex')
    const index = TimeIndex.fresh(path)
    index.maybeAppend(disk, 100, rel(0))
    index.maybeAppend(disk, -5 + 2 ** 40, rel(17))
    index.writePending(disk)
    const { index: again, missing } = TimeIndex.existing(disk, path)
    expect(missing).toBe(false)
    expect(again.loaded).toBe(false)
    expect([again.lastTimestampMs, again.lastRelativeOffset]).toEqual([2 ** 40 - 5, 17])
    again.load(disk)
    expect(again.problem(18)).toBeNull()
    expect(again.problem(17)).toMatch(/past the segment's end/)
  })

  it('truncates entries at or past a relative offset', () => {
    const path = join(dir, 'a.timeindex')
    const index = TimeIndex.fresh(path)
    for (const [ts, r] of [[100, 0], [200, 4], [300, 9]] as const) index.maybeAppend(disk, ts, rel(r))
    index.writePending(disk)
    index.truncateToRelativeOffset(disk, 9)
    expect(index.entryCount).toBe(2)
    expect(index.lastTimestampMs).toBe(200)
    expect(readFileSync(path).length).toBe(24)
    expect(index.maybeAppend(disk, 150, rel(5))).toBe(false)
  })

  it('notices timestamps that do not grow', () => {
    const path = join(dir, 'a.timeindex')
    writeFileSync(path, Buffer.from('0000000000000064000000000000000000000064' + '00000001', 'hex'))
    const { index } = TimeIndex.existing(disk, path)
    index.load(disk)
    expect(index.problem(10)).toBe('entry 1 out of order')
  })
})
