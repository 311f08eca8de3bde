// Finds Debian's headless-capable Chromium for the browser tests (driven by playwright-core, which
// brings no browser of its own), and installs Debian's `chromium` package when it is missing
// (debian-install.ts). Set FAECIE_CHROMIUM to use another binary.
import { spawnSync } from 'node:child_process'
import { ensureInstalled, executable } from './debian-install.js'

/** Where Debian's package puts the binary, and names it may go by on other systems. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

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

/** The path of a Chromium binary, installing Debian's `chromium` package first if there is none. */
export function ensureChromium(): string {
  if (process.env.FAECIE_CHROMIUM !== undefined && process.env.FAECIE_CHROMIUM !== '' && findChromium() === undefined) {
    throw new Error(`FAECIE_CHROMIUM=${process.env.FAECIE_CHROMIUM} is not an executable file`)
  }
  return ensureInstalled('chromium (the browser tests)', ['chromium'], findChromium)
}
