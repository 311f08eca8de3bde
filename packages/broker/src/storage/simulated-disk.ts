// An in-memory Disk that knows what a power cut would keep, for crash and power-loss properties of
// the storage engine (TigerBeetle's simulator and Redpanda's opfuzz do the same). Paths are POSIX and
// absolute; the root directory always exists.
//
// Each file has two images: what the page cache holds (what reads see) and what the platter holds.
// Writes and truncations go to the page cache and onto the file's list of unsynced operations;
// fdatasync applies that list to the platter image. Each directory likewise has its entries, its
// durable entries and a journal of unsynced links, unlinks and renames; fsyncDir makes them durable.
//
// - `crash()` is a process kill: every fd is gone, the page cache survives, nothing is lost.
// - `powerLoss()` keeps only the platter: unsynced writes, truncations and directory entries vanish.
// - `tearLastWrite(rng)`, called before `powerLoss()`, makes the cut realistic: the last unsynced
//   write reaches the platter only as a random prefix (now and then followed by garbage up to its
//   full length: the size got there, not all the sectors), every other unsynced write or truncation
//   independently does or does not (page write-back has no order), and each directory keeps a random
//   prefix of its journal (a journaling file system commits metadata in order).
// All randomness comes from the caller's seeded `rng`, so a failing run replays.
// - `fault`, while set, makes the disk fail as a real one does: `ENOSPC` (full: writes, new files
//   and new directories fail; syncs, truncations and unlinks, which free space, work), `EIO` (every
//   write, truncation, sync and directory change fails) or `EROFS` (remounted read-only: everything
//   but reading fails, opening for writing too). Reads always work. Clearing it heals the disk.
import { posix } from 'node:path'
import { diskError, readWholeFile, writeFileAtomically, type Disk, type Fd, type OpenMode } from './disk.js'

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** File content with a size; the buffer grows by doubling. */
class Image {
  bytes = new Uint8Array(0)
  size = 0

  write(position: number, src: Uint8Array, length = src.length): void {
    const end = position + length
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2, 64))
      grown.set(this.bytes.subarray(0, this.size))
      this.bytes = grown
    }
    this.bytes.set(length === src.length ? src : src.subarray(0, length), position)
    if (end > this.size) this.size = end
  }

  truncate(sizeBytes: number): void {
    if (sizeBytes < this.size) this.bytes.fill(0, sizeBytes, this.size)
    else if (sizeBytes > this.bytes.length) this.write(sizeBytes, new Uint8Array(0))
    this.size = sizeBytes
  }

  copy(): Image {
    const image = new Image()
    image.bytes = this.bytes.slice(0, this.size)
    image.size = this.size
    return image
  }
}

type FileOp =
  | { kind: 'write'; position: number; bytes: Uint8Array; seq: number }
  | { kind: 'truncate'; sizeBytes: number; seq: number }

interface FileNode {
  kind: 'file'
  cache: Image
  platter: Image
  unsynced: FileOp[]
}

type DirOp = { kind: 'link'; name: string; node: Node } | { kind: 'unlink'; name: string } | { kind: 'rename'; from: string; to: string }

interface DirNode {
  kind: 'dir'
  entries: Map<string, Node>
  durable: Map<string, Node>
  journal: DirOp[]
}

type Node = FileNode | DirNode

function newDir(): DirNode {
  return { kind: 'dir', entries: new Map(), durable: new Map(), journal: [] }
}

function applyFileOp(image: Image, op: FileOp, length?: number): void {
  if (op.kind === 'write') image.write(op.position, op.bytes, length ?? op.bytes.length)
  else image.truncate(op.sizeBytes)
}

function applyDirOp(entries: Map<string, Node>, op: DirOp): void {
  if (op.kind === 'link') entries.set(op.name, op.node)
  else if (op.kind === 'unlink') entries.delete(op.name)
  else {
    const node = entries.get(op.from)
    entries.delete(op.from)
    if (node !== undefined) entries.set(op.to, node)
  }
}

interface OpenFile {
  node: FileNode
  writable: boolean
}

/** The faults a SimulatedDisk can be told to return (see the top of the file). */
export type DiskFault = 'ENOSPC' | 'EIO' | 'EROFS'

/** Which calls fail under each fault: a call adds data, syncs, or frees space. */
const FAILS: Record<DiskFault, ReadonlySet<string>> = {
  ENOSPC: new Set(['grow']),
  EIO: new Set(['grow', 'sync', 'free']),
  EROFS: new Set(['grow', 'sync', 'free', 'openWrite']),
}

export class SimulatedDisk implements Disk {
  /** The fault every matching call returns while set; null for a healthy disk. */
  fault: DiskFault | null = null
  readonly #root = newDir()
  readonly #fds = new Map<number, OpenFile>()
  #nextFd = 3
  #seq = 0

  /** A process kill: open files are gone, every written byte stays. */
  crash(): void {
    this.#fds.clear()
  }

  /** A power cut: only what was made durable (plus what `tearLastWrite` let through) remains. */
  powerLoss(): void {
    this.#fds.clear()
    const revert = (dir: DirNode): void => {
      dir.entries = new Map(dir.durable)
      dir.journal = []
      for (const node of dir.entries.values()) {
        if (node.kind === 'dir') revert(node)
        else {
          node.cache = node.platter.copy()
          node.unsynced = []
        }
      }
    }
    revert(this.#root)
  }

  /** Decides, with `rng`, which unsynced changes reach the platter before the next `powerLoss()`. */
  tearLastWrite(rng: () => number): string {
    const files: FileNode[] = []
    const dirs: DirNode[] = []
    const visit = (dir: DirNode): void => {
      dirs.push(dir)
      for (const node of new Set([...dir.entries.values(), ...dir.durable.values()])) {
        if (node.kind === 'dir') visit(node)
        else files.push(node)
      }
    }
    visit(this.#root)
    let lastSeq = -1
    for (const f of files) for (const op of f.unsynced) if (op.kind === 'write') lastSeq = Math.max(lastSeq, op.seq)
    let kept = 0
    let torn = ''
    for (const f of files) {
      for (const op of f.unsynced) {
        if (op.kind === 'write' && op.seq === lastSeq) {
          const length = Math.floor(rng() * (op.bytes.length + 1))
          if (length < op.bytes.length && rng() < 0.25) {
            // The file's new size reached the platter, but not all the sectors: the rest is garbage.
            const garbled = op.bytes.slice()
            for (let i = length; i < garbled.length; i++) garbled[i] = Math.floor(rng() * 256)
            f.platter.write(op.position, garbled)
            torn = `last write torn after ${length} of ${op.bytes.length} bytes, the rest garbage`
          } else {
            applyFileOp(f.platter, op, length)
            torn = `last write torn to ${length} of ${op.bytes.length} bytes`
          }
        } else if (rng() < 0.5) {
          applyFileOp(f.platter, op)
          kept++
        }
      }
    }
    for (const dir of dirs) {
      const keep = Math.floor(rng() * (dir.journal.length + 1))
      for (const op of dir.journal.slice(0, keep)) applyDirOp(dir.durable, op)
    }
    return `${torn || 'no unsynced write'}; ${kept} other unsynced operations kept`
  }

  open(path: string, mode: OpenMode): Fd {
    let node = this.#lookup(path)
    if (mode !== 'read') this.#failing('openWrite', 'open', path)
    if (node === undefined) {
      if (mode !== 'create') throw diskError('ENOENT', 'open', path)
      this.#failing('grow', 'open', path)
      const { dir, name } = this.#parent(path, 'open')
      node = { kind: 'file', cache: new Image(), platter: new Image(), unsynced: [] }
      this.#link(dir, name, node)
    }
    if (node.kind === 'dir') throw diskError('EISDIR', 'open', path)
    const fd = this.#nextFd++
    this.#fds.set(fd, { node, writable: mode !== 'read' })
    return fd as Fd
  }

  close(fd: Fd): void {
    this.#file(fd, 'close')
    this.#fds.delete(fd)
  }

  pwrite(fd: Fd, bytes: Uint8Array, start: number, length: number, position: number): void {
    const file = this.#writable(fd, 'write')
    this.#failing('grow', 'write')
    const copy = bytes.slice(start, start + length)
    file.cache.write(position, copy)
    file.unsynced.push({ kind: 'write', position, bytes: copy, seq: this.#seq++ })
  }

  append(fd: Fd, bytes: Uint8Array, start: number, length: number): number {
    const position = this.#file(fd, 'write').node.cache.size
    this.pwrite(fd, bytes, start, length, position)
    return position
  }

  pread(fd: Fd, into: Uint8Array, start: number, length: number, position: number): number {
    const image = this.#file(fd, 'read').node.cache
    const n = Math.max(0, Math.min(length, image.size - position))
    into.set(image.bytes.subarray(position, position + n), start)
    return n
  }

  fdatasync(fd: Fd): void {
    const file = this.#file(fd, 'fdatasync').node
    this.#failing('sync', 'fdatasync')
    for (const op of file.unsynced) applyFileOp(file.platter, op)
    file.unsynced = []
  }

  /** Syncs at the call (a sync that started then covers what was written by then), resolves later. */
  fdatasyncFileAsync(path: string): Promise<void> {
    const fd = this.open(path, 'readWrite')
    try {
      this.fdatasync(fd)
    } finally {
      this.close(fd)
    }
    return Promise.resolve()
  }

  ftruncate(fd: Fd, sizeBytes: number): void {
    const file = this.#writable(fd, 'ftruncate')
    this.#failing('free', 'ftruncate')
    file.cache.truncate(sizeBytes)
    file.unsynced.push({ kind: 'truncate', sizeBytes, seq: this.#seq++ })
  }

  fileSize(fd: Fd): number {
    return this.#file(fd, 'fstat').node.cache.size
  }

  readdir(dir: string): string[] {
    return [...this.#dir(dir, 'scandir').entries.keys()].sort()
  }

  mkdir(dir: string): void {
    let at = this.#root
    for (const name of split(dir)) {
      let next = at.entries.get(name)
      if (next === undefined) {
        this.#failing('grow', 'mkdir', dir)
        next = newDir()
        this.#link(at, name, next)
      }
      if (next.kind !== 'dir') throw diskError('ENOTDIR', 'mkdir', dir)
      at = next
    }
  }

  rename(from: string, to: string): void {
    this.#failing('free', 'rename', from)
    const source = this.#parent(from, 'rename')
    const target = this.#parent(to, 'rename')
    const node = source.dir.entries.get(source.name)
    if (node === undefined) throw diskError('ENOENT', 'rename', from)
    if (source.dir === target.dir) {
      const op: DirOp = { kind: 'rename', from: source.name, to: target.name }
      applyDirOp(source.dir.entries, op)
      source.dir.journal.push(op)
    } else {
      // Across directories the two halves become durable separately, as with two fsyncDirs.
      this.#unlinkEntry(source.dir, source.name)
      this.#link(target.dir, target.name, node)
    }
  }

  unlink(path: string): void {
    this.#failing('free', 'unlink', path)
    const { dir, name } = this.#parent(path, 'unlink')
    const node = dir.entries.get(name)
    if (node === undefined) throw diskError('ENOENT', 'unlink', path)
    if (node.kind === 'dir') throw diskError('EISDIR', 'unlink', path)
    this.#unlinkEntry(dir, name)
  }

  rmTree(dir: string): void {
    if (this.#lookup(dir) === undefined) return
    this.#failing('free', 'rm', dir)
    const parent = this.#parent(dir, 'rm')
    this.#unlinkEntry(parent.dir, parent.name)
  }

  exists(path: string): boolean {
    return this.#lookup(path) !== undefined
  }

  fsyncDir(dir: string): void {
    const node = this.#dir(dir, 'fsync')
    this.#failing('sync', 'fsync', dir)
    node.durable = new Map(node.entries)
    node.journal = []
  }

  readFile(path: string): Uint8Array {
    return readWholeFile(this, path)
  }

  writeFileAtomic(path: string, bytes: Uint8Array): void {
    writeFileAtomically(this, path, bytes)
  }

  /** Unsynced writes, truncations and directory changes, over all files: what a power cut risks. */
  unsyncedOperationCount(): number {
    let count = 0
    const visit = (dir: DirNode): void => {
      count += dir.journal.length
      for (const node of dir.entries.values()) {
        if (node.kind === 'dir') visit(node)
        else count += node.unsynced.length
      }
    }
    visit(this.#root)
    return count
  }

  /** Throws the current fault if it fails calls of this kind. */
  #failing(kind: 'grow' | 'sync' | 'free' | 'openWrite', syscall: string, path?: string): void {
    if (this.fault !== null && FAILS[this.fault].has(kind)) throw diskError(this.fault, syscall, path)
  }

  #link(dir: DirNode, name: string, node: Node): void {
    const op: DirOp = { kind: 'link', name, node }
    applyDirOp(dir.entries, op)
    dir.journal.push(op)
  }

  #unlinkEntry(dir: DirNode, name: string): void {
    const op: DirOp = { kind: 'unlink', name }
    applyDirOp(dir.entries, op)
    dir.journal.push(op)
  }

  #lookup(path: string): Node | undefined {
    let node: Node = this.#root
    for (const name of split(path)) {
      if (node.kind !== 'dir') return undefined
      const next: Node | undefined = node.entries.get(name)
      if (next === undefined) return undefined
      node = next
    }
    return node
  }

  #dir(path: string, syscall: string): DirNode {
    const node = this.#lookup(path)
    if (node === undefined) throw diskError('ENOENT', syscall, path)
    if (node.kind !== 'dir') throw diskError('ENOTDIR', syscall, path)
    return node
  }

  #parent(path: string, syscall: string): { dir: DirNode; name: string } {
    const names = split(path)
    const name = names.pop()
    if (name === undefined) throw diskError('EINVAL', syscall, path)
    return { dir: this.#dir('/' + names.join('/'), syscall), name }
  }

  #file(fd: Fd, syscall: string): OpenFile {
    const file = this.#fds.get(fd)
    if (file === undefined) throw diskError('EBADF', syscall)
    return file
  }

  #writable(fd: Fd, syscall: string): FileNode {
    const file = this.#file(fd, syscall)
    if (!file.writable) throw diskError('EBADF', syscall)
    return file.node
  }
}

function split(path: string): string[] {
  if (!posix.isAbsolute(path)) throw diskError('EINVAL', 'path', path)
  return posix.normalize(path).split('/').filter((s) => s.length > 0)
}
