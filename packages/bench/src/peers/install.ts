// Installing the peers' programs when missing: Debian packages with apt-get (Redis), Go programs
// through the Go module proxy into the bench cache (NATS), each step bounded in time.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { runTool, runToolOk, tail } from '../suite/processes.js'

const APT_TIMEOUT_MS = 10 * 60_000
const GO_TIMEOUT_MS = 15 * 60_000

/** Whether a command runs (`--version` exits 0). */
export function hasCommand(command: string): boolean {
  const run = spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 10_000 })
  return run.error === undefined && run.status === 0
}

/** Installs Debian packages with apt-get (after an `apt-get update` when the first try fails). */
export async function aptInstall(packages: string[], log: (m: string) => void): Promise<void> {
  log(`  apt-get install -y ${packages.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const first = await runTool('apt-get', ['install', '-y', ...packages], APT_TIMEOUT_MS, { env })
  if (first.code === 0) return
  await runToolOk('apt-get', ['update'], APT_TIMEOUT_MS, { env })
  const second = await runTool('apt-get', ['install', '-y', ...packages], APT_TIMEOUT_MS, { env })
  if (second.code !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed: ${tail(second.output)}`)
}

/** `go install MODULE@VERSION` into DIR/go-bin; the path of the binary. */
export async function goInstall(cacheDir: string, module: string, binary: string, log: (m: string) => void): Promise<string> {
  const bin = join(cacheDir, 'go-bin')
  const path = join(bin, binary)
  if (existsSync(path)) return path
  mkdirSync(bin, { recursive: true })
  log(`  go install ${module} (GOBIN=${bin})`)
  await runToolOk('go', ['install', module], GO_TIMEOUT_MS, { env: { ...process.env, GOBIN: bin } })
  if (!existsSync(path)) throw new Error(`go install ${module} left no ${path}`)
  return path
}
