// Finds Debian's PHP command line with the curl extension for the HTTP API's PHP examples
// (examples/php), and installs `php-cli php-curl` when missing (debian-install.ts). Set FAECIE_PHP
// to use another binary (it must have curl).
import { spawnSync } from 'node:child_process'
import { ensureInstalled, executable } from './debian-install.js'

const CANDIDATES = ['/usr/bin/php']

/** True when this PHP has the curl extension loaded. */
function hasCurl(php: string): boolean {
  const result = spawnSync(php, ['-r', 'echo function_exists("curl_init") ? "yes" : "no";'], { encoding: 'utf8', timeout: 30_000 })
  return result.status === 0 && result.stdout.trim() === 'yes'
}

/** The first PHP with curl: FAECIE_PHP, /usr/bin/php, or `which php`. */
export function findPhp(): string | undefined {
  const fromEnv = process.env.FAECIE_PHP
  if (fromEnv !== undefined && fromEnv !== '') return executable(fromEnv) && hasCurl(fromEnv) ? fromEnv : undefined
  const which = spawnSync('which', ['php'], { encoding: 'utf8' })
  const found = [...CANDIDATES, which.status === 0 ? which.stdout.trim() : ''].filter((p) => p !== '' && executable(p))
  return found.find(hasCurl)
}

/** The path of a PHP binary with curl, installing Debian's php-cli and php-curl first if there is none. */
export function ensurePhp(): string {
  if (process.env.FAECIE_PHP !== undefined && process.env.FAECIE_PHP !== '' && findPhp() === undefined) {
    throw new Error(`FAECIE_PHP=${process.env.FAECIE_PHP} is not an executable PHP with the curl extension`)
  }
  return ensureInstalled('php with curl (the PHP example tests)', ['php-cli', 'php-curl'], findPhp)
}
