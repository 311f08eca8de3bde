// A Disk that does what the fault plan (fault-plan.ts) says wrong, in front of the real one
// (`--fault-injection`; a broker without the flag never builds one). The errors are shaped as node:fs
// throws them (message "ENOSPC: no space left on device, write", `code`, `errno`, `syscall`, `path`),
// so the storage-fault handling that meets a real full or failing disk (partition/storage-fault.ts)
// meets these the same way.
//
//   fsyncDelayMs   fdatasync and fsyncDir block the thread (Atomics.wait) for that long first;
//                  fdatasyncFileAsync waits as long without blocking. The delay is measured from the
//                  start of the call and checked against the file again every FAULT_POLL_MS, so a
//                  plan that lowers or clears it ends a wait under way.
//   fsyncError     fdatasync, fdatasyncFileAsync and fsyncDir fail (after the delay) without syncing.
//   writeError     pwrite, append, open of a missing file with mode `create`, mkdir of a missing
//                  directory, and writeFileAtomic (built here on this disk's calls) fail, nothing written.
//
// Reads, renames, unlinks and truncations pass through untouched. Each kind of fault is logged once
// per plan (warn), not once per call.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../log.js'
import { readWholeFile, writeFileAtomically, type Disk, type Fd, type OpenMode } from '../storage/disk.js'
import { FAULT_POLL_MS, type FaultPlan } from './fault-plan.js'
import type { FaultSource } from './fault-watcher.js'

/** What node:fs says for each code we inject, and its errno on Linux. */
const ERRNO: Readonly<Record<string, { errno: number; text: string }>> = {
  EIO: { errno: -5, text: 'i/o error' },
  ENOSPC: { errno: -28, text: 'no space left on device' },
}

/** An error as node:fs throws it, marked as injected. */
export function injectedDiskError(code: 'EIO' | 'ENOSPC', syscall: string, path?: string): NodeJS.ErrnoException {
  const known = ERRNO[code]!
  const where = path === undefined ? '' : ` '${path}'`
  const err = new Error(`${code}: ${known.text}, ${syscall}${where} (injected by --fault-injection)`) as NodeJS.ErrnoException
  err.code = code
  err.errno = known.errno
  err.syscall = syscall
  if (path !== undefined) err.path = path
  return err
}

type FaultKind = 'fsyncDelay' | 'fsyncError' | 'writeError'

export class FaultyDisk implements Disk {
  readonly #inner: Disk
  readonly #faults: FaultSource
  readonly #logger: Logger
  /** Atomics.wait's target: nobody ever notifies it, so a wait lasts its timeout. */
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4))
  /** The plan version each kind of fault was last logged for. */
  readonly #logged = new Map<FaultKind, number>()

  constructor(inner: Disk, faults: FaultSource, logger: Logger) {
    this.#inner = inner
    this.#faults = faults
    this.#logger = logger
  }

  open(path: string, mode: OpenMode): Fd {
    if (mode === 'create' && this.#faults.plan.writeError !== null && !this.#inner.exists(path)) this.#failWrite('open', path)
    return this.#inner.open(path, mode)
  }

  close(fd: Fd): void {
    this.#inner.close(fd)
  }

  pwrite(fd: Fd, bytes: Uint8Array, start: number, length: number, position: number): void {
    if (this.#faults.plan.writeError !== null) this.#failWrite('write')
    this.#inner.pwrite(fd, bytes, start, length, position)
  }

  append(fd: Fd, bytes: Uint8Array, start: number, length: number): number {
    if (this.#faults.plan.writeError !== null) this.#failWrite('write')
    return this.#inner.append(fd, bytes, start, length)
  }

  pread(fd: Fd, into: Uint8Array, start: number, length: number, position: number): number {
    return this.#inner.pread(fd, into, start, length, position)
  }

  fdatasync(fd: Fd): void {
    this.#blockForDelay()
    if (this.#faults.plan.fsyncError !== null) this.#failFsync('fdatasync')
    this.#inner.fdatasync(fd)
  }

  async fdatasyncFileAsync(path: string): Promise<void> {
    await this.#waitForDelay()
    if (this.#faults.plan.fsyncError !== null) this.#failFsync('fdatasync', path)
    await this.#inner.fdatasyncFileAsync(path)
  }

  ftruncate(fd: Fd, sizeBytes: number): void {
    this.#inner.ftruncate(fd, sizeBytes)
  }

  fileSize(fd: Fd): number {
    return this.#inner.fileSize(fd)
  }

  readdir(dir: string): string[] {
    return this.#inner.readdir(dir)
  }

  mkdir(dir: string): void {
    if (this.#faults.plan.writeError !== null && !this.#inner.exists(dir)) this.#failWrite('mkdir', dir)
    this.#inner.mkdir(dir)
  }

  rename(from: string, to: string): void {
    this.#inner.rename(from, to)
  }

  unlink(path: string): void {
    this.#inner.unlink(path)
  }

  rmTree(dir: string): void {
    this.#inner.rmTree(dir)
  }

  exists(path: string): boolean {
    return this.#inner.exists(path)
  }

  fsyncDir(dir: string): void {
    this.#blockForDelay()
    if (this.#faults.plan.fsyncError !== null) this.#failFsync('fsync', dir)
    this.#inner.fsyncDir(dir)
  }

  readFile(path: string): Uint8Array {
    return readWholeFile(this, path)
  }

  writeFileAtomic(path: string, bytes: Uint8Array): void {
    writeFileAtomically(this, path, bytes)
  }

  /** Blocks this thread for the plan's fsync delay, ending early if a new plan lowers it. */
  #blockForDelay(): void {
    if (this.#faults.plan.fsyncDelayMs === 0) return
    this.#note('fsyncDelay', { fsyncDelayMs: this.#faults.plan.fsyncDelayMs }, 'fault injection: fsyncs delayed')
    const started = performance.now()
    for (let plan = this.#faults.plan; ; plan = this.#faults.checkNow()) {
      const leftMs = plan.fsyncDelayMs - (performance.now() - started)
      if (leftMs <= 0) return
      Atomics.wait(this.#sleeper, 0, 0, Math.min(leftMs, FAULT_POLL_MS))
    }
  }

  /** The delay without blocking the thread (its own poll timer keeps the plan fresh meanwhile). */
  async #waitForDelay(): Promise<void> {
    if (this.#faults.plan.fsyncDelayMs === 0) return
    this.#note('fsyncDelay', { fsyncDelayMs: this.#faults.plan.fsyncDelayMs }, 'fault injection: fsyncs delayed')
    const started = performance.now()
    for (let plan = this.#faults.plan; ; plan = this.#faults.plan) {
      const leftMs = plan.fsyncDelayMs - (performance.now() - started)
      if (leftMs <= 0) return
      await sleep(Math.min(leftMs, FAULT_POLL_MS))
    }
  }

  #failWrite(syscall: string, path?: string): never {
    const code = this.#faults.plan.writeError!
    this.#note('writeError', { code }, 'fault injection: writes fail')
    throw injectedDiskError(code, syscall, path)
  }

  #failFsync(syscall: string, path?: string): never {
    const code = this.#faults.plan.fsyncError!
    this.#note('fsyncError', { code }, 'fault injection: fsyncs fail')
    throw injectedDiskError(code, syscall, path)
  }

  #note(kind: FaultKind, fields: Partial<FaultPlan> | { code: string }, message: string): void {
    const version = this.#faults.version
    if (this.#logged.get(kind) === version) return
    this.#logged.set(kind, version)
    this.#logger.warn(fields, message)
  }
}
