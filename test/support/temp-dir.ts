// Temp dirs for integration and e2e tests, always removed: `makeTempDir(name)` makes
// `<tmp>/faecie-test-<run>-<name>-XXXXXX` and remembers it; `removeTempDir` removes one at once, and every
// dir still remembered is removed when the test process exits — normally, by an uncaught failure, or
// by SIGTERM/SIGINT (a process ended by a signal runs no 'exit' handlers, so those are caught too).
// `writeTempFile` is the common case of a config file in a dir of its own.
//
// `<run>` is the id of the vitest run (FAECIE_TEST_RUN_ID, set by test/support/temp-dir-leaks.ts, the
// global setup that fails the run if any dir of its own run is left behind; the process id outside
// vitest), so runs of other worktrees on the same machine never count as this run's leaks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const TEST_TEMP_PREFIX = 'faecie-test-'

/** The prefix of every temp dir the tests of this run make. */
export function runTempPrefix(): string {
  return `${TEST_TEMP_PREFIX}${process.env.FAECIE_TEST_RUN_ID ?? `pid${process.pid}`}-`
}

const made = new Set<string>()
const exitHooks: Array<() => void> = []
let hooksInstalled = false

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  const runAll = (): void => {
    for (const hook of exitHooks.splice(0)) {
      try {
        hook()
      } catch {
        // One failing hook must not keep the others (or the temp dirs) from running.
      }
    }
    // Last, once every process that might write to them has been killed.
    removeAllTempDirs()
  }
  process.on('exit', runAll)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      runAll()
      process.kill(process.pid, signal)
    })
  }
}

/**
 * Runs `cleanUp` when the test process exits, however it exits, before the temp dirs are removed
 * (broker processes are killed through it, so none writes into a dir being removed).
 */
export function onTestProcessExit(cleanUp: () => void): void {
  installHooks()
  exitHooks.push(cleanUp)
}

/** A fresh empty dir `<tmp>/faecie-test-<run>-<name>-XXXXXX`, removed by `removeTempDir` or at exit. */
export function makeTempDir(name: string): string {
  installHooks()
  const dir = mkdtempSync(join(tmpdir(), `${runTempPrefix()}${name}-`))
  made.add(dir)
  return dir
}

/** Writes `content` (a string or bytes as they are, anything else as JSON) to `fileName` in a fresh temp dir; returns its path. */
export function writeTempFile(name: string, fileName: string, content: unknown): string {
  const path = join(makeTempDir(name), fileName)
  writeFileSync(path, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content))
  return path
}

/** Removes a dir made by `makeTempDir` now (safe to call twice). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  made.delete(dir)
}

/** Removes every dir made here and not yet removed. */
export function removeAllTempDirs(): void {
  for (const dir of [...made]) removeTempDir(dir)
}
