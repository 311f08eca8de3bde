// Finds Debian's PHP command line with the curl extension for the HTTP API's PHP examples
// (examples/php), and installs it when missing: `apt-get update && apt-get install -y php-cli
// php-curl`, as CI does on a fresh machine (it runs as root, with no standard input), the way
// chromium.ts installs chromium. The install runs once per machine; test files running at the same
// time take turns through a lock directory. Set FAECIE_PHP to use another binary (it must have curl).
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CANDIDATES = ['/usr/bin/php']
const INSTALL_TIMEOUT_MS = 15 * 60_000
const LOCK_DIR = join(tmpdir(), 'faecie-php-install.lock')
const PACKAGES = ['php-cli', 'php-curl']

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

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

function run(command: string, args: string[]): void {
  const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  const [file, ...rest] = [...prefix, command, ...args]
  execFileSync(file!, rest, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: INSTALL_TIMEOUT_MS,
  })
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function withInstallLock<T>(install: () => T): T {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let ageMs = 0
      try {
        ageMs = Date.now() - statSync(LOCK_DIR).mtimeMs
      } catch {
        continue // released meanwhile
      }
      if (ageMs > INSTALL_TIMEOUT_MS) rmSync(LOCK_DIR, { recursive: true, force: true })
      else if (Date.now() > deadline) throw new Error(`waited ${INSTALL_TIMEOUT_MS} ms for another php install (${LOCK_DIR})`)
      else sleepSync(1_000)
    }
  }
  try {
    return install()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

/** The path of a PHP binary with curl, installing Debian's php-cli and php-curl first if there is none. */
export function ensurePhp(): string {
  const found = findPhp()
  if (found !== undefined) return found
  if (process.env.FAECIE_PHP !== undefined && process.env.FAECIE_PHP !== '') {
    throw new Error(`FAECIE_PHP=${process.env.FAECIE_PHP} is not an executable PHP with the curl extension`)
  }
  const installed = withInstallLock(() => {
    const meanwhile = findPhp()
    if (meanwhile !== undefined) return meanwhile
    process.stderr.write(`php with curl is not installed: apt-get update && apt-get install -y ${PACKAGES.join(' ')}\n`)
    try {
      run('apt-get', ['update'])
      run('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...PACKAGES])
    } catch (err) {
      throw new Error(`could not install ${PACKAGES.join(' ')} with apt-get (the PHP example tests need them): ${(err as Error).message}`)
    }
    return findPhp()
  })
  if (installed === undefined) throw new Error(`apt-get installed ${PACKAGES.join(' ')}, but no php with curl was found afterwards`)
  return installed
}
