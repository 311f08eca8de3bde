// `faecie broker` as a child process: it runs the broker (its flags passed through), serves the
// other commands, keeps topics and records across a restart on the same data dir, stops cleanly on
// SIGTERM with exit 0, and refuses a bad flag with exit 2.
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../support/cli-process.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'

const dataDir = makeTempDir('cli-broker')
const started: RunningCli[] = []

afterAll(async () => {
  for (const broker of started) broker.child.kill('SIGKILL')
  await Promise.all(started.map((broker) => broker.exited))
  removeTempDir(dataDir)
})

/** Starts `faecie broker` on a free port; resolves with it and its URL from the `broker listening` log line. */
async function startBroker(): Promise<{ broker: RunningCli; url: string }> {
  const broker = spawnCli(['broker', '--port', '0', '--data-dir', dataDir, '--partition-threads', '1', '--kafka-port', '0'], { env: { FAECIE_LOG_LEVEL: 'info' } })
  started.push(broker)
  const lines = await broker.waitFor((seen) => seen.some((line) => line.includes('"broker listening"')), 30_000)
  const listening = JSON.parse(lines.find((line) => line.includes('"broker listening"'))!) as { url: string }
  return { broker, url: listening.url }
}

describe('faecie broker', () => {
  it('runs a broker that the other commands use, and that keeps its data across a restart', async () => {
    let { broker, url } = await startBroker()
    const env = { FAECIE_BROKER: url }
    expect((await runCli(['topics', 'create', '--topic', 'kept', '--partitions', '2'], { env })).code).toBe(0)
    expect((await runCli(['produce', '--topic', 'kept', '--key-separator', ':'], { env, stdin: 'a:1\nb:2\nc:3\n' })).code).toBe(0)

    broker.child.kill('SIGTERM')
    expect(await broker.exited).toBe(0)

    ;({ broker, url } = await startBroker())
    const consumed = await runCli(['consume', '--topic', 'kept', '--from-beginning', '--max-messages', '3', '--print-key', '--key-separator', ':'], {
      env: { FAECIE_BROKER: url },
    })
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.lines.sort()).toEqual(['a:1', 'b:2', 'c:3'])
    broker.child.kill('SIGTERM')
    expect(await broker.exited).toBe(0)
  })

  it('refuses a flag it does not know with exit 2', async () => {
    const result = await runCli(['broker', '--no-such-flag'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/faecie broker: .*no-such-flag/)
  })
})
