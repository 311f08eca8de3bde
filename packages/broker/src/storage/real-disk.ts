// The Disk of a running broker: synchronous node:fs calls (see disk.ts for why synchronous).
import * as fs from 'node:fs'
import { readWholeFile, writeFileAtomically, type Disk, type Fd, type OpenMode } from './disk.js'

const FLAGS: Record<OpenMode, number> = {
  read: fs.constants.O_RDONLY,
  readWrite: fs.constants.O_RDWR,
  create: fs.constants.O_RDWR | fs.constants.O_CREAT,
}
const FILE_MODE = 0o644

export class RealDisk implements Disk {
  open(path: string, mode: OpenMode): Fd {
    return fs.openSync(path, FLAGS[mode], FILE_MODE) as Fd
  }

  close(fd: Fd): void {
    fs.closeSync(fd)
  }

  pwrite(fd: Fd, bytes: Uint8Array, start: number, length: number, position: number): void {
    let done = 0
    while (done < length) {
      const n = fs.writeSync(fd, bytes, start + done, length - done, position + done)
      // A regular file writes short only when the disk is full; writeSync throws ENOSPC next time.
      if (n <= 0) throw new Error(`pwrite wrote ${n} bytes at ${position + done}`)
      done += n
    }
  }

  append(fd: Fd, bytes: Uint8Array, start: number, length: number): number {
    const position = this.fileSize(fd)
    this.pwrite(fd, bytes, start, length, position)
    return position
  }

  pread(fd: Fd, into: Uint8Array, start: number, length: number, position: number): number {
    let done = 0
    while (done < length) {
      const n = fs.readSync(fd, into, start + done, length - done, position + done)
      if (n === 0) break
      done += n
    }
    return done
  }

  fdatasync(fd: Fd): void {
    fs.fdatasyncSync(fd)
  }

  async fdatasyncFileAsync(path: string): Promise<void> {
    const handle = await fs.promises.open(path, 'r+')
    try {
      await handle.datasync()
    } finally {
      await handle.close()
    }
  }

  ftruncate(fd: Fd, sizeBytes: number): void {
    fs.ftruncateSync(fd, sizeBytes)
  }

  fileSize(fd: Fd): number {
    return fs.fstatSync(fd).size
  }

  readdir(dir: string): string[] {
    return fs.readdirSync(dir)
  }

  mkdir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true })
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to)
  }

  unlink(path: string): void {
    fs.unlinkSync(path)
  }

  rmTree(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true })
  }

  exists(path: string): boolean {
    return fs.existsSync(path)
  }

  fsyncDir(dir: string): void {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY)
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }

  readFile(path: string): Uint8Array {
    return readWholeFile(this, path)
  }

  writeFileAtomic(path: string, bytes: Uint8Array): void {
    writeFileAtomically(this, path, bytes)
  }
}
