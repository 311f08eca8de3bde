// vitest's setup file, run in every test file's process: after the file's own hooks, kill any broker
// or CLI process the file left running and remove every temp dir it made (test/support/temp-dir.ts), so
// nothing waits for the process to exit — which the run's leak check (temp-dir-leaks.ts) must not race.
import { afterAll } from 'vitest'
import { killBrokerProcesses } from './broker-process.js'
import { killCliProcesses } from './cli-process.js'
import { removeAllTempDirs } from './temp-dir.js'

afterAll(async () => {
  await Promise.all([killBrokerProcesses(), killCliProcesses()])
  removeAllTempDirs()
})
