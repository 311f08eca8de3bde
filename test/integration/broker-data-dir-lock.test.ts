// One broker process per data directory: a second broker on a directory in use refuses to start, and
// a lock left by a killed broker does not stand in the way of the next one.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runBrokerToExit, startBrokerProcess, type BrokerExit, type BrokerProcess } from '../support/broker-process.js'

let brokers: BrokerProcess[] = []

afterEach(async () => {
  for (const b of brokers) await b.stop()
  brokers = []
})

function secondBroker(dataDir: string): BrokerExit {
  return runBrokerToExit(['--port', '0', '--data-dir', dataDir, '--partition-threads', '1', '--kafka-port', '0'], { env: { FAECIE_LOG_LEVEL: 'error' } })
}

describe('data directory lock', () => {
  it('refuses a second broker on a directory in use, with the holder named', async () => {
    const first = await startBrokerProcess()
    brokers.push(first)
    expect(existsSync(join(first.dataDir, '.lock'))).toBe(true)
    const second = secondBroker(first.dataDir)
    expect(second.status).not.toBe(0)
    expect(second.stderr + second.stdout).toContain(`in use by another broker (pid ${first.pid}`)
  })

  it('takes over the lock of a broker killed with SIGKILL, and releases it on a clean stop', async () => {
    const first = await startBrokerProcess()
    brokers.push(first)
    await first.kill()
    await first.restart()
    expect(first.pid).toBeGreaterThan(0)
    await first.stop()
    brokers = []
    expect(existsSync(join(first.dataDir, '.lock'))).toBe(false)
  })
})
