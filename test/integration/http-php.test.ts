// The PHP examples (examples/php) against a real broker process, run with Debian's php-cli and
// php-curl (installed by test/support/php.ts when missing): producer.php sends lines, consumer.php
// reads them back by offset with long polls, and the lines round-trip exactly; the WebSocket client
// sees the same records.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensurePhp } from '../support/php.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/php/', import.meta.url))
const INSTALL_TIMEOUT_MS = 15 * 60_000

let php: string
let broker: BrokerProcess
let base: string

beforeAll(async () => {
  php = ensurePhp()
  broker = await startBrokerProcess()
  base = `http://127.0.0.1:${broker.port}`
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await broker?.stop()
})

/** Runs a PHP script to its end; resolves with its output and exit code. */
function runPhp(script: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(php, [`${EXAMPLES}${script}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe('PHP examples', () => {
  it('produces lines with producer.php and reads them back with consumer.php', async () => {
    const lines = ['hello from PHP', 'ünïcödé ✓', '  spaced  ', '{"json": "as text"}', ...Array.from({ length: 20 }, (_, i) => `line ${i}`)]
    const produced = await runPhp('producer.php', ['--broker', base, '--topic', 'php-lines'], `${lines.join('\n')}\n`)
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    expect(produced.stdout.trim().split('\n')).toEqual(lines.map((line, i) => `${line} -> partition 0 offset ${i}`))

    const consumed = await runPhp('consumer.php', ['--broker', base, '--topic', 'php-lines', '--offset', '0', '--count', String(lines.length)])
    expect(consumed.stderr).toBe('')
    expect(consumed.code).toBe(0)
    expect(consumed.stdout.split('\n').slice(0, -1)).toEqual(lines)

    // From an offset in the middle, with keys shown.
    const tail = await runPhp('consumer.php', ['--broker', base, '--topic', 'php-lines', '--offset', '22', '--count', '2', '--verbose'])
    expect(tail.stdout).toBe('22\t\tline 18\n23\t\tline 19\n')

    const faecie = new Faecie({ brokers: [broker.url], clientId: 'http-php-test' })
    const reader = faecie.consumer({ autoOffsetReset: 'earliest' })
    reader.assign([{ topic: 'php-lines', partition: 0, offset: 0 }])
    const seen: string[] = []
    for await (const m of reader.stream()) {
      seen.push(Buffer.from(m.value!).toString('utf8'))
      if (seen.length === lines.length) break
    }
    await reader.disconnect()
    expect(seen).toEqual(lines)
  })

  it('reports broker errors with their protocol name and exits 1', async () => {
    const missing = await runPhp('consumer.php', ['--broker', base, '--topic', 'php-none', '--count', '1'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION \(3\)/)
    const bad = await runPhp('producer.php', ['--broker', base, '--topic', 'bad name!'], 'x\n')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/INVALID_TOPIC_EXCEPTION \(17\)/)
  })
})
