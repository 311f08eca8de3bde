// The one door between the storage engine and the file system. Every byte the log reads or writes,
// every file it creates, renames or deletes, goes through a `Disk`, so that a simulator can stand in
// for the real thing (TigerBeetle takes its I/O as a parameter for the same reason): `RealDisk`
// (real-disk.ts) makes synchronous node:fs calls, `SimulatedDisk` (simulated-disk.ts) keeps files in
// memory and knows which of their bytes and directory entries would survive a power cut.
//
// The calls are synchronous on purpose. A partition actor runs on a worker thread of its own; a
// blocking fdatasync there stalls only that thread, while the asynchronous fs calls would queue every
// partition's fsyncs on libuv's shared pool of four threads.
//
// Durability, as POSIX gives it and as the simulator enforces it:
// - bytes written with `pwrite` survive a power cut only after `fdatasync` of that file;
// - `ftruncate` changes the size, which is durable after `fdatasync` too;
// - a created, renamed or unlinked directory entry is durable only after `fsyncDir` of its directory;
// - a process crash (kill -9) loses nothing: the page cache belongs to the kernel.
import { dirname } from 'node:path'

/** An open file. Branded so that a plain number (a size, an offset) cannot pass for one. */
export type Fd = number & { readonly __brand: 'Fd' }

/**
 * `read`: read only, the file must exist. `readWrite`: the file must exist. `create`: read and
 * write, created empty when missing (an existing file is kept as it is, never truncated).
 */
export type OpenMode = 'read' | 'readWrite' | 'create'

export interface Disk {
  open(path: string, mode: OpenMode): Fd
  close(fd: Fd): void
  /** Writes all of `bytes[start, start + length)` at `position`; throws rather than write short. */
  pwrite(fd: Fd, bytes: Uint8Array, start: number, length: number, position: number): void
  /** Writes all of `bytes[start, start + length)` at the end of the file; returns where it went. */
  append(fd: Fd, bytes: Uint8Array, start: number, length: number): number
  /** Reads up to `length` bytes at `position` into `into[start...]`; fewer only at the end of file. */
  pread(fd: Fd, into: Uint8Array, start: number, length: number, position: number): number
  fdatasync(fd: Fd): void
  /**
   * fdatasync of the file at `path` off this thread, through an fd of its own (so that closing or
   * reusing the caller's fds meanwhile cannot touch it): the pipelined group commit's sync.
   */
  fdatasyncFileAsync(path: string): Promise<void>
  ftruncate(fd: Fd, sizeBytes: number): void
  fileSize(fd: Fd): number
  /** The names in a directory (not paths), in no particular order. */
  readdir(dir: string): string[]
  /** Creates a directory and any missing parents; no error when it exists. */
  mkdir(dir: string): void
  /** Renames atomically, replacing `to` if it exists. */
  rename(from: string, to: string): void
  unlink(path: string): void
  /** Removes a directory and everything below it; no error when it is missing. */
  rmTree(dir: string): void
  exists(path: string): boolean
  /** Makes the directory's entries (creations, renames, unlinks) durable. */
  fsyncDir(dir: string): void
  /** The whole content of a small file. */
  readFile(path: string): Uint8Array
  /**
   * Replaces a small file so that a power cut leaves either the old or the new content, never a mix:
   * write `path.tmp`, fdatasync it, rename it over `path`, fsync the directory.
   */
  writeFileAtomic(path: string, bytes: Uint8Array): void
}

/** The suffix of the temporary file `writeFileAtomic` renames into place. */
export const TMP_SUFFIX = '.tmp'

/** `writeFileAtomic` built from the other calls, shared by both disks. */
export function writeFileAtomically(disk: Disk, path: string, bytes: Uint8Array): void {
  const tmp = path + TMP_SUFFIX
  const fd = disk.open(tmp, 'create')
  try {
    disk.ftruncate(fd, 0)
    disk.pwrite(fd, bytes, 0, bytes.length, 0)
    disk.fdatasync(fd)
  } finally {
    disk.close(fd)
  }
  disk.rename(tmp, path)
  disk.fsyncDir(dirname(path))
}

/**
 * Creates `dir` and any missing parents, and fsyncs the parent of each directory it created, so
 * that the new directories' names survive a power cut.
 */
export function mkdirDurably(disk: Disk, dir: string): void {
  const missing: string[] = []
  for (let at = dir; !disk.exists(at); at = dirname(at)) {
    missing.push(at)
    if (dirname(at) === at) break
  }
  if (missing.length === 0) return
  disk.mkdir(dir)
  for (const created of missing) disk.fsyncDir(dirname(created))
}

/** Reads a whole small file through `open`/`pread`, shared by both disks. */
export function readWholeFile(disk: Disk, path: string): Uint8Array {
  const fd = disk.open(path, 'read')
  try {
    const size = disk.fileSize(fd)
    const bytes = new Uint8Array(size)
    const read = disk.pread(fd, bytes, 0, size, 0)
    return read === size ? bytes : bytes.subarray(0, read)
  } finally {
    disk.close(fd)
  }
}

/** The errno-style code of a file-system error (`ENOENT`, `EIO`...), if it has one. */
export function diskErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

export function isNotFound(err: unknown): boolean {
  return diskErrorCode(err) === 'ENOENT'
}

/** An error shaped like node:fs's, for the simulator. */
export function diskError(code: string, syscall: string, path?: string): Error {
  const err = new Error(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`) as Error & {
    code: string
    syscall: string
    path?: string
  }
  err.code = code
  err.syscall = syscall
  if (path !== undefined) err.path = path
  return err
}
