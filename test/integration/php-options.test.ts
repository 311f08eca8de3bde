// The PHP examples' command lines (examples/php/options.php), with Debian's php-cli (installed by
// test/support/php.ts when missing): --help prints the usage with exit 0; an unknown option, a
// missing value or a stray word is named on stderr with exit 2, before any request is made (the
// broker address points nowhere, so a script that went on would fail otherwise, with exit 1).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensurePhp } from '../support/php.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/php/', import.meta.url))
const NOWHERE = 'http://127.0.0.1:1'

let php: string

beforeAll(() => {
  php = ensurePhp()
}, 20 * 60_000)

function runPhp(script: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(php, [`${EXAMPLES}${script}`, ...args], { input: '', encoding: 'utf8', timeout: 30_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe.each(['producer.php', 'consumer.php'])('%s', (script) => {
  it('answers --help with its usage on stdout and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const result = runPhp(script, ['--broker', NOWHERE, flag])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^Usage: php ${script.replace('.', '\\.')}`))
      expect(result.stdout).toContain('--broker')
    }
  })

  it('refuses an unknown option, a missing value and a stray word with exit 2', () => {
    const cases: Array<[string[], string]> = [
      [['--broker', NOWHERE, '--topik', 'x'], 'unknown option --topik'],
      [['--broker', NOWHERE, '--topic'], '--topic needs a value'],
      [['--broker', NOWHERE, 'lines'], 'unexpected argument "lines"'],
    ]
    for (const [args, message] of cases) {
      const result = runPhp(script, args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain(`${script}: ${message}`)
      expect(result.stderr).toContain(`Usage: php ${script}`)
    }
  })

  it('takes --name=value as --name value', () => {
    // Valid options reach the request, which fails (exit 1) against a port nothing listens on.
    expect(runPhp(script, [`--broker=${NOWHERE}`, '--topic=lines']).code).toBe(1)
  })
})
