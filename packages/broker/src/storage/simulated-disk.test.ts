// The simulated disk keeps what POSIX promises and drops what it does not: these tests pin down the
// promises the storage engine relies on, so a property test on it means something.
import { describe, expect, it } from 'vitest'
import { isNotFound } from './disk.js'
import { seededRandom, SimulatedDisk } from './simulated-disk.js'

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

function read(disk: SimulatedDisk, path: string): number[] {
  return [...disk.readFile(path)]
}

function fileWith(disk: SimulatedDisk, path: string, content: Uint8Array, sync: { data: boolean; dir: boolean }) {
  const fd = disk.open(path, 'create')
  disk.pwrite(fd, content, 0, content.length, 0)
  if (sync.data) disk.fdatasync(fd)
  disk.close(fd)
  if (sync.dir) disk.fsyncDir(path.slice(0, path.lastIndexOf('/')) || '/')
}

describe('SimulatedDisk', () => {
  it('behaves like a file system for reads, writes, sizes and names', () => {
    const disk = new SimulatedDisk()
    disk.mkdir('/a/b')
    const fd = disk.open('/a/b/f', 'create')
    disk.pwrite(fd, bytes(1, 2, 3), 0, 3, 0)
    expect(disk.append(fd, bytes(9, 4, 5), 1, 2)).toBe(3)
    disk.pwrite(fd, bytes(7), 0, 1, 8)
    expect(disk.fileSize(fd)).toBe(9)
    const into = new Uint8Array(12)
    expect(disk.pread(fd, into, 2, 10, 1)).toBe(8)
    expect([...into]).toEqual([0, 0, 2, 3, 4, 5, 0, 0, 0, 7, 0, 0])
    disk.ftruncate(fd, 2)
    expect(read(disk, '/a/b/f')).toEqual([1, 2])
    disk.close(fd)
    expect(() => disk.close(fd)).toThrow(/EBADF/)
    expect(disk.readdir('/a/b')).toEqual(['f'])
    disk.rename('/a/b/f', '/a/b/g')
    expect(disk.exists('/a/b/f')).toBe(false)
    expect(read(disk, '/a/b/g')).toEqual([1, 2])
    disk.unlink('/a/b/g')
    expect(() => disk.open('/a/b/g', 'read')).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    try {
      disk.readFile('/nope')
    } catch (err) {
      expect(isNotFound(err)).toBe(true)
    }
    const ro = disk.open('/a/b/h', 'create')
    disk.close(ro)
    expect(() => disk.pwrite(disk.open('/a/b/h', 'read'), bytes(1), 0, 1, 0)).toThrow(/EBADF/)
    disk.rmTree('/a')
    expect(disk.exists('/a/b')).toBe(false)
  })

  it('keeps everything through a crash, but not the open files', () => {
    const disk = new SimulatedDisk()
    const fd = disk.open('/f', 'create')
    disk.pwrite(fd, bytes(1, 2), 0, 2, 0)
    disk.crash()
    expect(() => disk.fileSize(fd)).toThrow(/EBADF/)
    expect(read(disk, '/f')).toEqual([1, 2])
  })

  it('loses unsynced data and unsynced names in a power cut', () => {
    const disk = new SimulatedDisk()
    fileWith(disk, '/synced', bytes(1, 2, 3), { data: true, dir: true })
    fileWith(disk, '/empty', bytes(5), { data: false, dir: true })
    fileWith(disk, '/unnamed', bytes(4), { data: true, dir: false })
    const fd = disk.open('/synced', 'readWrite')
    disk.pwrite(fd, bytes(9, 9), 0, 2, 2)
    disk.ftruncate(fd, 1)
    disk.rename('/empty', '/renamed')
    disk.powerLoss()
    expect(disk.readdir('/')).toEqual(['empty', 'synced'])
    expect(read(disk, '/synced')).toEqual([1, 2, 3])
    expect(read(disk, '/empty')).toEqual([])
  })

  it('keeps what was synced after the cut too: fdatasync covers truncation, fsyncDir covers unlink', () => {
    const disk = new SimulatedDisk()
    fileWith(disk, '/f', bytes(1, 2, 3, 4), { data: true, dir: true })
    fileWith(disk, '/gone', bytes(1), { data: true, dir: true })
    const fd = disk.open('/f', 'readWrite')
    disk.ftruncate(fd, 2)
    disk.fdatasync(fd)
    disk.unlink('/gone')
    disk.fsyncDir('/')
    disk.powerLoss()
    expect(read(disk, '/f')).toEqual([1, 2])
    expect(disk.exists('/gone')).toBe(false)
  })

  it('tears the last unsynced write to a prefix, the same way for the same seed', () => {
    const outcome = (seed: number) => {
      const disk = new SimulatedDisk()
      fileWith(disk, '/f', new Uint8Array(0), { data: true, dir: true })
      const fd = disk.open('/f', 'readWrite')
      disk.pwrite(fd, new Uint8Array(100).fill(7), 0, 100, 0)
      disk.pwrite(fd, new Uint8Array(100).fill(8), 0, 100, 100)
      const what = disk.tearLastWrite(seededRandom(seed))
      disk.powerLoss()
      return { what, content: read(disk, '/f') }
    }
    const seen = new Set<string>()
    for (let seed = 0; seed < 40; seed++) {
      const { content, what } = outcome(seed)
      expect(outcome(seed)).toEqual({ content, what })
      // The first write is whole or absent (zeros); the second is a prefix of 8s, perhaps followed
      // by garbage up to its full length.
      const first = content.slice(0, 100)
      expect(first.every((b) => b === 7) || first.every((b) => b === 0)).toBe(true)
      const kept = Number(/torn (?:to|after) (\d+)/.exec(what)![1])
      expect(content.slice(100, 100 + kept).every((b) => b === 8)).toBe(true)
      expect(content.length).toBe(what.includes('garbage') ? 200 : 100 + kept)
      seen.add(`${first[0] ?? 'none'}:${content.length}`)
    }
    expect(seen.size).toBeGreaterThan(5)
  })

  it('keeps a prefix of the unsynced directory journal in a tear', () => {
    const kept = new Set<string>()
    for (let seed = 0; seed < 30; seed++) {
      const disk = new SimulatedDisk()
      for (const name of ['a', 'b', 'c']) fileWith(disk, `/${name}`, bytes(1), { data: true, dir: false })
      disk.tearLastWrite(seededRandom(seed))
      disk.powerLoss()
      const names = disk.readdir('/').join('')
      expect(['', 'a', 'ab', 'abc']).toContain(names)
      kept.add(names)
    }
    expect(kept.size).toBeGreaterThan(2)
  })
})
