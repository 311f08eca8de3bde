// The process's limit on open files next to what the limits let clients and admins open: each
// partition holds its active segment open, and each HTTP connection (WebSocket sessions included) a
// socket. Past the limit, accept() and open() fail with EMFILE: new clients are turned away and
// partitions cannot roll segments. A broker whose limits could get there is warned about at start-up
// (a warning, not a refusal: most brokers never come near partitionsMax).
//
//   /proc/self/limits (Linux):
//   Limit                     Soft Limit           Hard Limit           Units
//   Max open files            20000                20000                files
import { readFileSync } from 'node:fs'

/** Files the runtime, the data dir's lock and metadata, logs and the worker threads keep open besides. */
export const OPEN_FILES_MARGIN = 256

/** The soft limit on open files from the text of /proc/self/limits; undefined when absent or unlimited. */
export function parseOpenFilesLimit(procLimits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(procLimits)
  if (match === null || match[1] === 'unlimited') return undefined
  return Number(match[1])
}

/** This process's soft limit on open files; undefined where /proc/self/limits does not exist. */
export function openFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'))
  } catch {
    return undefined
  }
}

/** A warning when partitionsMax partitions and connectionsMax connections could exceed `limit`. */
export function openFilesProblem(limit: number | undefined, partitionsMax: number, connectionsMax: number): string | undefined {
  if (limit === undefined) return undefined
  const needed = partitionsMax + connectionsMax + OPEN_FILES_MARGIN
  if (needed <= limit) return undefined
  return `the open files limit (${limit}, ulimit -n) is under partitionsMax (${partitionsMax}) + http.connectionsMax ` +
    `(${connectionsMax}) + ${OPEN_FILES_MARGIN}: past it new connections and segments fail with EMFILE; raise the limit or lower those`
}
