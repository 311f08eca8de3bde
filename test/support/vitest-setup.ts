// vitest's setup file, run in every test file's process: after the file's own hooks, kill any broker
// or CLI process the file left running and remove every temp dir it made (test/support/temp-dir.ts), so
// nothing waits for the process to exit — which the run's leak check (temp-dir-leaks.ts) must not race.
// Also: every fast-check property without a seed of its own runs from one fixed seed (FAST_CHECK_SEED
// overrides it), so the suite is the same run after run; a failure prints the seed that replays it.
import fc from 'fast-check'
import { afterAll } from 'vitest'
import { killBrokerProcesses } from './broker-process.js'
import { killCliProcesses } from './cli-process.js'
import { removeAllTempDirs } from './temp-dir.js'

/** The seed of every property without one of its own; FAST_CHECK_SEED=N replays another. */
const FAST_CHECK_SEED_DEFAULT = 20_261_202
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.FAST_CHECK_SEED ?? FAST_CHECK_SEED_DEFAULT) })

afterAll(async () => {
  await Promise.all([killBrokerProcesses(), killCliProcesses()])
  removeAllTempDirs()
})
