// vitest's global setup: gives the run an id (FAECIE_TEST_RUN_ID, inherited by the test processes,
// which name their temp dirs `faecie-test-<run>-…` by it: test/support/temp-dir.ts), and at the end
// fails the run if any dir of this run is left in the temp dir. Dirs of other runs (other worktrees
// share the machine) carry other ids and are never counted. Other new `faecie-*` dirs (made by unit
// tests without the helper) are only reported: another process may have made them meanwhile, so
// they are compared against a snapshot taken at setup and named, not held against this run.
import { randomBytes } from 'node:crypto'
import { readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TEST_TEMP_PREFIX } from './temp-dir.js'

const FAECIE_PREFIX = 'faecie-'

function faecieEntries(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(FAECIE_PREFIX))
}

export default function setup(): () => void {
  const runId = process.env.FAECIE_TEST_RUN_ID ?? `r${randomBytes(4).toString('hex')}`
  process.env.FAECIE_TEST_RUN_ID = runId
  const runPrefix = `${TEST_TEMP_PREFIX}${runId}-`
  const before = new Set(faecieEntries())
  return () => {
    const after = faecieEntries()
    const others = after.filter((name) => !before.has(name) && !name.startsWith(TEST_TEMP_PREFIX) && !name.endsWith('.lock'))
    if (others.length > 0) {
      process.stderr.write(`temp dirs that appeared during the tests and are still there (this run's, or another process's): ${others.join(', ')}\n`)
    }
    const leaked = after.filter((name) => name.startsWith(runPrefix))
    if (leaked.length === 0) return
    // Remove them so the next run starts clean, then fail this one: a test forgot its cleanup.
    for (const name of leaked) rmSync(join(tmpdir(), name), { recursive: true, force: true })
    // vitest only logs an error thrown here: the exit code is what fails the run.
    process.stderr.write(`FAIL: the tests left ${leaked.length} temp dir(s) behind in ${tmpdir()}: ${leaked.join(', ')}\n`)
    process.exitCode = 1
  }
}
