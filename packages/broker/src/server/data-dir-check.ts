// Checks the data directory before the broker touches it: it must be a directory, or not exist yet
// under a writable directory. Node's recursive mkdir spins forever on some paths (under /proc, a
// dangling link), so a typo'd --data-dir would hang the broker silently; this says why instead.
import { accessSync, constants, statSync } from 'node:fs'
import { dirname } from 'node:path'

export class DataDirError extends Error {}

/** Throws DataDirError when `dataDir` (an absolute path) cannot be the broker's data directory. */
export function checkDataDir(dataDir: string): void {
  let path = dataDir
  for (;;) {
    const stat = statOrUndefined(path)
    if (stat !== undefined) {
      if (!stat.isDirectory()) {
        throw new DataDirError(path === dataDir ? `--data-dir ${dataDir} is not a directory`
          : `--data-dir ${dataDir} cannot be made: ${path} is not a directory`)
      }
      try {
        accessSync(path, constants.W_OK | constants.X_OK)
      } catch {
        throw new DataDirError(`--data-dir ${dataDir}: ${path} is not writable by this user`)
      }
      if (path !== dataDir && isVirtualFileSystem(path)) throw new DataDirError(`--data-dir ${dataDir}: ${path} does not hold ordinary directories`)
      return
    }
    const parent = dirname(path)
    if (parent === path) throw new DataDirError(`--data-dir ${dataDir}: no part of the path exists`)
    path = parent
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

/** /proc and /sys look writable to root but make no directories. */
function isVirtualFileSystem(path: string): boolean {
  return /^\/(proc|sys)(\/|$)/.test(path)
}
