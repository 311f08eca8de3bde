// RealDisk does what the Disk contract says with node:fs, in a temporary directory.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isNotFound, mkdirDurably } from './disk.js'
import { RealDisk } from './real-disk.js'
import { tempDir } from './test-support.js'

const disk = new RealDisk()
let dir: string
let cleanup: () => void

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

describe('RealDisk', () => {
  it('reads and writes at positions, appends, truncates and syncs', () => {
    const path = join(dir, 'f')
    const fd = disk.open(path, 'create')
    disk.pwrite(fd, new Uint8Array([1, 2, 3, 4]), 1, 2, 0)
    expect(disk.append(fd, new Uint8Array([9, 8]), 0, 2)).toBe(2)
    disk.fdatasync(fd)
    expect(disk.fileSize(fd)).toBe(4)
    const into = new Uint8Array(6)
    expect(disk.pread(fd, into, 1, 5, 1)).toBe(3)
    expect([...into]).toEqual([0, 3, 9, 8, 0, 0])
    disk.ftruncate(fd, 1)
    disk.close(fd)
    expect([...readFileSync(path)]).toEqual([2])
    expect(() => disk.pwrite(disk.open(path, 'read'), new Uint8Array(1), 0, 1, 0)).toThrow()
  })

  it('manages names: directories, renames, unlinks, trees', () => {
    mkdirDurably(disk, join(dir, 'a', 'b'))
    mkdirDurably(disk, join(dir, 'a', 'b'))
    disk.writeFileAtomic(join(dir, 'a', 'b', 'x'), new TextEncoder().encode('one'))
    disk.writeFileAtomic(join(dir, 'a', 'b', 'x'), new TextEncoder().encode('two'))
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['x'])
    expect(new TextDecoder().decode(disk.readFile(join(dir, 'a', 'b', 'x')))).toBe('two')
    disk.rename(join(dir, 'a', 'b', 'x'), join(dir, 'a', 'y'))
    expect(disk.readdir(join(dir, 'a')).sort()).toEqual(['b', 'y'])
    disk.fsyncDir(join(dir, 'a'))
    disk.unlink(join(dir, 'a', 'y'))
    expect(disk.exists(join(dir, 'a', 'y'))).toBe(false)
    try {
      disk.open(join(dir, 'a', 'y'), 'readWrite')
      expect.unreachable()
    } catch (err) {
      expect(isNotFound(err)).toBe(true)
    }
    disk.rmTree(join(dir, 'a'))
    disk.rmTree(join(dir, 'a'))
    expect(existsSync(join(dir, 'a'))).toBe(false)
  })
})
