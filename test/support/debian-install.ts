// Installs Debian packages a test needs when the machine lacks them (chromium for the browser tests,
// php-cli and php-curl for the PHP examples): `apt-get update && apt-get install -y ...`, as CI does
// on a fresh machine (it runs as root, with no standard input; elsewhere through `sudo -n`). Test
// files running at the same time take turns through one lock directory per install, so that only
// one of them runs apt; the one that waited looks again before installing.
import { execFileSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** apt may need a while on a cold cache; the tests' hooks allow for it. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000

export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The tool `find()` finds, installing `packages` first when it finds none. `what` names the tool
 * and the tests that need it, for the messages.
 */
export function ensureInstalled(what: string, packages: string[], find: () => string | undefined): string {
  const found = find()
  if (found !== undefined) return found
  const installed = withInstallLock(join(tmpdir(), `faecie-${packages[0]}-install.lock`), what, () => {
    const meanwhile = find()
    if (meanwhile !== undefined) return meanwhile
    process.stderr.write(`${what} is not installed: apt-get update && apt-get install -y ${packages.join(' ')}\n`)
    try {
      run('apt-get', ['update'])
      run('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...packages])
    } catch (err) {
      throw new Error(`could not install ${packages.join(' ')} with apt-get (for ${what}): ${(err as Error).message}`)
    }
    return find()
  })
  if (installed === undefined) throw new Error(`apt-get installed ${packages.join(' ')}, but ${what} was not found afterwards`)
  return installed
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
function withInstallLock<T>(lockDir: string, what: string, install: () => T): T {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let ageMs = 0
      try {
        ageMs = Date.now() - statSync(lockDir).mtimeMs
      } catch {
        continue // released meanwhile
      }
      if (ageMs > INSTALL_TIMEOUT_MS) rmSync(lockDir, { recursive: true, force: true })
      else if (Date.now() > deadline) throw new Error(`waited ${INSTALL_TIMEOUT_MS} ms for another install of ${what} (${lockDir})`)
      else sleepSync(1_000)
    }
  }
  try {
    return install()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}
