// FaultyDisk (faulty-disk.ts) over a real disk in a temporary directory, its plan set by the test:
// injected errors are node:fs-shaped (the storage-fault handling takes them as a disk's), writes and
// syncs fail with nothing done while reads pass, a delay blocks until the plan lifts it, and
// writeFileAtomic fails through its parts. The clock offset (fault-injection.ts) moves Date.now.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { storageFaultCause } from '../partition/storage-fault.js'
import { RealDisk } from '../storage/real-disk.js'
import { tempDir } from '../storage/test-support.js'
import { EMPTY_FAULT_PLAN, type FaultPlan } from './fault-plan.js'
import type { FaultSource } from './fault-watcher.js'
import { installClockOffset } from './fault-injection.js'
import { FaultyDisk, injectedDiskError } from './faulty-disk.js'
import { recordingLogger } from './test-logger.js'

/** A plan the test sets; `onCheck` runs at each checkNow (what a blocked thread calls). */
class SetPlan implements FaultSource {
  plan: FaultPlan = EMPTY_FAULT_PLAN
  version = 0
  checks = 0
  onCheck: (() => void) | undefined

  set(plan: Partial<FaultPlan>): void {
    this.plan = { ...EMPTY_FAULT_PLAN, ...plan }
    this.version++
  }

  checkNow(): FaultPlan {
    this.checks++
    this.onCheck?.()
    return this.plan
  }
}

let dir: string
let cleanup: () => void
let faults: SetPlan
let disk: FaultyDisk
let lines: ReturnType<typeof recordingLogger>['lines']

beforeEach(() => {
  ;({ dir, cleanup } = tempDir('faecie-faulty-disk-'))
  faults = new SetPlan()
  const recorded = recordingLogger()
  lines = recorded.lines
  disk = new FaultyDisk(new RealDisk(), faults, recorded.logger)
})
afterEach(() => cleanup())

function thrown(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn()
  } catch (err) {
    return err as NodeJS.ErrnoException
  }
  throw new Error('expected a throw')
}

describe('FaultyDisk', () => {
  it('passes everything through under the empty plan', () => {
    const path = join(dir, 'f')
    disk.writeFileAtomic(path, new Uint8Array([1, 2, 3]))
    const fd = disk.open(path, 'readWrite')
    expect(disk.append(fd, new Uint8Array([4]), 0, 1)).toBe(3)
    disk.fdatasync(fd)
    disk.close(fd)
    disk.fsyncDir(dir)
    expect([...readFileSync(path)]).toEqual([1, 2, 3, 4])
    expect(lines.filter((l) => l.msg.startsWith('fault injection'))).toEqual([])
  })

  it('fails writes with a node:fs-shaped ENOSPC or EIO, writing nothing, while reads pass', () => {
    const path = join(dir, 'f')
    const fd = disk.open(path, 'create')
    disk.pwrite(fd, new Uint8Array([7, 7]), 0, 2, 0)
    faults.set({ writeError: 'ENOSPC' })
    const err = thrown(() => disk.pwrite(fd, new Uint8Array([1]), 0, 1, 2))
    expect(err).toMatchObject({ code: 'ENOSPC', errno: -28, syscall: 'write' })
    expect(err.message).toMatch(/^ENOSPC: no space left on device, write/)
    expect(storageFaultCause(err)).toContain('disk full (ENOSPC)')
    expect(thrown(() => disk.append(fd, new Uint8Array([1]), 0, 1)).code).toBe('ENOSPC')
    expect(disk.fileSize(fd)).toBe(2)
    const into = new Uint8Array(2)
    expect(disk.pread(fd, into, 0, 2, 0)).toBe(2)
    // An existing file still opens for writing; a missing one is not created, nor a directory.
    disk.close(disk.open(path, 'create'))
    expect(thrown(() => disk.open(join(dir, 'new'), 'create')).code).toBe('ENOSPC')
    expect(existsSync(join(dir, 'new'))).toBe(false)
    expect(thrown(() => disk.mkdir(join(dir, 'sub'))).code).toBe('ENOSPC')
    expect(existsSync(join(dir, 'sub'))).toBe(false)
    disk.mkdir(dir)
    faults.set({ writeError: 'EIO' })
    expect(storageFaultCause(thrown(() => disk.pwrite(fd, new Uint8Array([1]), 0, 1, 0)))).toContain('I/O error (EIO)')
    faults.set({})
    disk.pwrite(fd, new Uint8Array([1]), 0, 1, 2)
    expect(disk.fileSize(fd)).toBe(3)
    disk.close(fd)
    // Logged once per plan and kind, not once per call.
    expect(lines.filter((l) => l.msg === 'fault injection: writes fail').map((l) => l.fields.code)).toEqual(['ENOSPC', 'EIO'])
  })

  it('fails writeFileAtomic through its parts, leaving the old content', () => {
    const path = join(dir, 'checkpoint')
    disk.writeFileAtomic(path, new Uint8Array([1]))
    faults.set({ writeError: 'ENOSPC' })
    expect(thrown(() => disk.writeFileAtomic(path, new Uint8Array([2]))).code).toBe('ENOSPC')
    faults.set({ fsyncError: 'EIO' })
    expect(thrown(() => disk.writeFileAtomic(path, new Uint8Array([3]))).code).toBe('EIO')
    expect([...disk.readFile(path)]).toEqual([1])
  })

  it('fails fdatasync, fsyncDir and the off-thread fdatasync with EIO', async () => {
    const path = join(dir, 'f')
    const fd = disk.open(path, 'create')
    faults.set({ fsyncError: 'EIO' })
    expect(thrown(() => disk.fdatasync(fd))).toMatchObject({ code: 'EIO', errno: -5, syscall: 'fdatasync' })
    expect(thrown(() => disk.fsyncDir(dir))).toMatchObject({ code: 'EIO', syscall: 'fsync', path: dir })
    await expect(disk.fdatasyncFileAsync(path)).rejects.toMatchObject({ code: 'EIO', path })
    expect(storageFaultCause(injectedDiskError('EIO', 'fdatasync'))).toContain('I/O error (EIO)')
    faults.set({})
    disk.fdatasync(fd)
    await disk.fdatasyncFileAsync(path)
    disk.close(fd)
  })

  it('blocks fdatasync for the delay, looking at the plan while blocked, until a new plan lifts it', () => {
    const fd = disk.open(join(dir, 'f'), 'create')
    faults.set({ fsyncDelayMs: 60_000 })
    // Lifted on the third look: the call returns long before 60 s (the test's timeout would fail it).
    faults.onCheck = () => { if (faults.checks === 3) faults.set({}) }
    disk.fdatasync(fd)
    expect(faults.checks).toBe(3)
    faults.onCheck = undefined
    faults.set({ fsyncDelayMs: 60_000, fsyncError: 'EIO' })
    faults.onCheck = () => faults.set({ fsyncError: 'EIO' })
    expect(thrown(() => disk.fsyncDir(dir)).code).toBe('EIO')
    disk.close(fd)
    expect(lines.filter((l) => l.msg === 'fault injection: fsyncs delayed')).toHaveLength(2)
  })

  it('delays the off-thread fdatasync without blocking, until a new plan lifts it', async () => {
    const path = join(dir, 'f')
    disk.close(disk.open(path, 'create'))
    faults.set({ fsyncDelayMs: 60_000 })
    let settled = false
    const sync = disk.fdatasyncFileAsync(path).finally(() => { settled = true })
    // The thread is free meanwhile: the event loop turns (a setImmediate runs), and the sync stays pending.
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    faults.set({})
    await sync
  })
})

describe('installClockOffset', () => {
  it('moves Date.now by the plan offset, read at each call, and restores it', () => {
    const source = { plan: { ...EMPTY_FAULT_PLAN, clockOffsetMs: 3_600_000 } }
    const realNow = Date.now
    const restore = installClockOffset(source)
    try {
      const before = realNow()
      const seen = Date.now()
      const after = realNow()
      expect(seen).toBeGreaterThanOrEqual(before + 3_600_000)
      expect(seen).toBeLessThanOrEqual(after + 3_600_000)
      source.plan = { ...EMPTY_FAULT_PLAN, clockOffsetMs: -3_600_000 }
      expect(Date.now()).toBeLessThanOrEqual(realNow() - 3_600_000)
    } finally {
      restore()
    }
    expect(Date.now).toBe(realNow)
  })
})
