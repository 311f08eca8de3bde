// DATA_DIR/.lock: one broker process per data directory. Two brokers appending to the same segments
// would corrupt them, so a start that finds the directory held by a live process stops with a clear
// error. The file holds the holder's pid in decimal; it is created with O_EXCL and removed when the
// process exits. A lock left by a process that is gone (kill -9, power loss) is stale and taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export const LOCK_FILE = '.lock'

export class DataDirLockedError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still holds the directory.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the lock for this process, or throws DataDirLockedError naming the holder. */
export function lockDataDir(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      process.once('exit', () => rmSync(path, { force: true }))
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10)
    if (holder === process.pid) return
    if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new DataDirLockedError(`${dataDir} is in use by another broker (pid ${holder}, see ${path})`)
    }
    rmSync(path, { force: true }) // stale: its holder is gone
  }
  throw new DataDirLockedError(`could not take the lock ${path}`)
}
