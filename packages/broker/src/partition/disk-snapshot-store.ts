// The producer-state snapshot of a partition as a file in its directory, written atomically through
// the partition's Disk (so the simulated disk sees it like every other write).
import { join } from 'node:path'
import { isNotFound, type Disk } from '../storage/disk.js'
import type { SnapshotStore } from './partition-actor.js'

export const PRODUCER_STATE_FILE = 'producer-state'

export function diskSnapshotStore(disk: Disk, dir: string): SnapshotStore {
  const path = join(dir, PRODUCER_STATE_FILE)
  return {
    read() {
      try {
        return new TextDecoder().decode(disk.readFile(path))
      } catch (err) {
        if (isNotFound(err)) return undefined
        throw err
      }
    },
    write(text) {
      disk.writeFileAtomic(path, new TextEncoder().encode(text))
    },
  }
}
