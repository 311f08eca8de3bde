// Finds Debian's headless-capable Chromium for the browser tests (driven by playwright-core, which
// brings no browser of its own), and installs it when it is missing: `apt-get update && apt-get
// install -y chromium`, as CI does on a fresh machine (it runs as root, with no standard input).
// The install runs once per machine; later calls find the binary. Test files running at the same
// time take turns through a lock directory, so that only one of them runs apt. Set FAECIE_CHROMIUM
// to use another binary.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where Debian's package puts the binary, and names it may go by on other systems. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
/** apt may need a while on a cold cache; the tests' hooks allow for it. */
const INSTALL_TIMEOUT_MS = 15 * 60_000
const LOCK_DIR = join(tmpdir(), 'faecie-chromium-install.lock')

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The first Chromium on this machine: FAECIE_CHROMIUM, a known path, or `which chromium`. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.FAECIE_CHROMIUM
  if (fromEnv !== undefined && fromEnv !== '') return executable(fromEnv) ? fromEnv : undefined
  const known = CANDIDATES.find(executable)
  if (known !== undefined) return known
  const which = spawnSync('which', ['chromium'], { encoding: 'utf8' })
  const path = which.status === 0 ? which.stdout.trim() : ''
  return path !== '' && executable(path) ? path : undefined
}

/** Runs one command with no stdin (so apt can't ask anything), its output on this process's stderr. */
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

/** Runs `install` holding the lock directory (mkdir is atomic); a lock older than an install is stale. */
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
      else if (Date.now() > deadline) throw new Error(`waited ${INSTALL_TIMEOUT_MS} ms for another chromium install (${LOCK_DIR})`)
      else sleepSync(1_000)
    }
  }
  try {
    return install()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

/** The path of a Chromium binary, installing Debian's `chromium` package first if there is none. */
export function ensureChromium(): string {
  const found = findChromium()
  if (found !== undefined) return found
  if (process.env.FAECIE_CHROMIUM !== undefined && process.env.FAECIE_CHROMIUM !== '') {
    throw new Error(`FAECIE_CHROMIUM=${process.env.FAECIE_CHROMIUM} is not an executable file`)
  }
  const installed = withInstallLock(() => {
    // Another test file may have installed it while this one waited for the lock.
    const meanwhile = findChromium()
    if (meanwhile !== undefined) return meanwhile
    process.stderr.write('chromium is not installed: apt-get update && apt-get install -y chromium\n')
    try {
      run('apt-get', ['update'])
      run('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', 'chromium'])
    } catch (err) {
      throw new Error(`could not install chromium with apt-get (the browser tests need Debian's chromium package): ${(err as Error).message}`)
    }
    return findChromium()
  })
  if (installed === undefined) throw new Error('apt-get installed chromium, but no chromium binary was found afterwards')
  return installed
}
