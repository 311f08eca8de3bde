// What the offset index and the time index share: a file of fixed-size entries, appended in order,
// never preallocated, and cached in memory only while it is useful. Layouts are drawn in
// offset-index.ts and time-index.ts.
//
// The in-memory picture of the entries [0, entryCount):
//
//   file:    [0 ............ writtenCount)                  what the index file holds
//   memory:  [0 .................................. count)   when loaded (lookups need this)
//   memory:                  [writtenCount ........ count)  when not loaded: only the pending tail
//
// Appends go to memory; pending entries reach the file when the segment rolls or closes, when the
// cache is released, or when they pile up (`PENDING_ENTRIES_MAX`). The active segment's files are
// fsynced only by a clean close: until then they are derived data that recovery rebuilds from the log
// (recovery.ts). A sealed segment's files are fsynced by the first flush after its roll, before the
// recovery point can pass them.
import { strict as assert } from 'node:assert'
import { isNotFound, type Disk } from './disk.js'

/** Pending entries written out at once when this many have piled up (a few KiB at most). */
const PENDING_ENTRIES_MAX = 512
const INITIAL_CAPACITY_ENTRIES = 16

export type IndexWriteOutcome = 'unchanged' | 'completed' | 'rewritten'

export abstract class IndexFile {
  readonly path: string
  readonly entryBytes: number
  protected buf: Uint8Array = new Uint8Array(0)
  protected dv: DataView = new DataView(this.buf.buffer)
  /** The entry number at buf[0]: 0 when loaded, writtenCount when only the pending tail is here. */
  protected first = 0
  #count = 0
  #written = 0
  #loaded: boolean
  /** Set when the file on disk had a partial trailing entry or could not be read as whole entries. */
  ragged = false

  protected constructor(path: string, entryBytes: number, fileEntryCount: number, loaded: boolean) {
    this.path = path
    this.entryBytes = entryBytes
    this.#count = fileEntryCount
    this.#written = fileEntryCount
    this.#loaded = loaded
    this.first = loaded ? 0 : fileEntryCount
  }

  /** The entry count of an existing index file, or null when it is missing; `ragged` if not whole. */
  protected static fileEntries(disk: Disk, path: string, entryBytes: number): { count: number; ragged: boolean } | null {
    let fd
    try {
      fd = disk.open(path, 'read')
    } catch (err) {
      if (isNotFound(err)) return null
      throw err
    }
    try {
      const size = disk.fileSize(fd)
      return { count: Math.floor(size / entryBytes), ragged: size % entryBytes !== 0 }
    } finally {
      disk.close(fd)
    }
  }

  get entryCount(): number {
    return this.#count
  }

  get loaded(): boolean {
    return this.#loaded
  }

  /** Bytes of memory held by the cache (for the idle-memory budget). */
  get cachedBytes(): number {
    return this.buf.length
  }

  /** Reads the file into memory, ahead of whatever is pending. Does not check the entries. */
  load(disk: Disk): void {
    if (this.#loaded) return
    const fileBytes = this.#written * this.entryBytes
    const pendingBytes = (this.#count - this.#written) * this.entryBytes
    const next = new Uint8Array(Math.max(fileBytes + pendingBytes, INITIAL_CAPACITY_ENTRIES * this.entryBytes))
    if (fileBytes > 0) {
      const fd = disk.open(this.path, 'read')
      try {
        const read = disk.pread(fd, next, 0, fileBytes, 0)
        // The file shrank behind our back: keep what is whole and let the caller's check decide.
        if (read < fileBytes) this.ragged = true
      } finally {
        disk.close(fd)
      }
    }
    next.set(this.buf.subarray(0, pendingBytes), fileBytes)
    this.#setBuffer(next)
    this.first = 0
    this.#loaded = true
  }

  /**
   * Writes pending entries to the file without fsync. The file is created when it gets entries, or
   * always with `createEmpty` (a sealed or closed segment has both files, even with no entries).
   */
  writePending(disk: Disk, createEmpty = false): void {
    if (this.#count === this.#written) {
      if (createEmpty) disk.close(disk.open(this.path, 'create'))
      return
    }
    const from = (this.#written - this.first) * this.entryBytes
    const length = (this.#count - this.#written) * this.entryBytes
    const fd = disk.open(this.path, 'create')
    try {
      disk.pwrite(fd, this.buf, from, length, this.#written * this.entryBytes)
    } finally {
      disk.close(fd)
    }
    this.#written = this.#count
    if (!this.#loaded) this.first = this.#count
  }

  /** Writes what is pending and drops the cache; appends and lookups still work afterwards. */
  release(disk: Disk): void {
    this.writePending(disk)
    this.#setBuffer(new Uint8Array(0))
    this.first = this.#count
    this.#loaded = false
  }

  /** Keeps the first `count` entries, in memory and in the file. The index must be loaded. */
  truncateEntries(disk: Disk, count: number): void {
    assert(this.#loaded, `truncating unloaded index ${this.path}`)
    assert(count >= 0 && count <= this.#count, `index truncation to ${count} of ${this.#count} entries`)
    this.#count = count
    if (this.#written > count) {
      const fd = disk.open(this.path, 'readWrite')
      try {
        disk.ftruncate(fd, count * this.entryBytes)
      } finally {
        disk.close(fd)
      }
      this.#written = count
    }
  }

  /** Forgets every entry in memory (the file stays) so recovery can append them again. */
  resetForRebuild(): void {
    this.#count = 0
    this.first = 0
    this.#loaded = true
    this.ragged = false
  }

  /**
   * After a rebuild: makes the file hold exactly the entries in memory, durably. Returns whether the
   * file already did, was a prefix that only needed the rest, or disagreed and was rewritten.
   */
  persistRebuilt(disk: Disk): IndexWriteOutcome {
    assert(this.#loaded && this.first === 0, `persisting an unloaded rebuild of ${this.path}`)
    const length = this.#count * this.entryBytes
    const fd = disk.open(this.path, 'create')
    try {
      const size = disk.fileSize(fd)
      const existing = new Uint8Array(Math.min(size, length))
      disk.pread(fd, existing, 0, existing.length, 0)
      const prefixMatches = equalBytes(existing, this.buf.subarray(0, existing.length))
      let outcome: IndexWriteOutcome = 'unchanged'
      if (!prefixMatches || size > length) {
        // Replaced whole (tmp, fsync, rename), never rewritten in place: a write the disk refuses half
        // way (full, EIO) leaves the old file, not a mix of two indexes.
        disk.writeFileAtomic(this.path, this.buf.subarray(0, length))
        outcome = 'rewritten'
      } else if (size < length) {
        disk.pwrite(fd, this.buf, size, length - size, size)
        outcome = 'completed'
      }
      // Even an unchanged file is fsynced: its content may be in the page cache only (written by a
      // roll just before a crash), and the recovery point is about to pass it.
      disk.fdatasync(fd)
      this.#written = this.#count
      return outcome
    } finally {
      disk.close(fd)
    }
  }

  /** fdatasync of the file, if it exists (a segment with no entries may have none). */
  fsync(disk: Disk): void {
    let fd
    try {
      fd = disk.open(this.path, 'readWrite')
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
    try {
      disk.fdatasync(fd)
    } finally {
      disk.close(fd)
    }
  }

  delete(disk: Disk): void {
    try {
      disk.unlink(this.path)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }

  /** Where entry `i` starts in `buf`; the entry must be in memory. */
  protected at(i: number): number {
    assert(i >= this.first && i < this.#count, `index entry ${i} not in memory [${this.first}, ${this.#count})`)
    return (i - this.first) * this.entryBytes
  }

  /** Makes room for one more entry and returns where in `buf` to write it. */
  protected push(disk: Disk): number {
    if (!this.#loaded && this.#count - this.#written >= PENDING_ENTRIES_MAX) this.writePending(disk)
    const end = (this.#count - this.first + 1) * this.entryBytes
    if (end > this.buf.length) {
      const grown = new Uint8Array(Math.max(end, this.buf.length * 2, INITIAL_CAPACITY_ENTRIES * this.entryBytes))
      grown.set(this.buf.subarray(0, end - this.entryBytes))
      this.#setBuffer(grown)
    }
    const at = end - this.entryBytes
    this.#count++
    return at
  }

  #setBuffer(buf: Uint8Array): void {
    this.buf = buf
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
