// etcd for the bench's faecie clusters: Debian's etcd-server (3.4; installed with apt-get when the
// machine has no etcd, as the tests' fixture does), one member on two free loopback ports (client,
// peer), its data in a temp dir of the suite (removed at the end), tracked and stopped by PID like
// every process the suite starts. Ready means its /health answers true. FAECIE_ETCD names another
// binary.
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'
import { type Started, freePort, removeTempDir, sleep, startProcess, tail, tempDir } from '../suite/processes.js'
import { aptInstall } from './install.js'

const ETCD_PATHS = ['/usr/bin/etcd', '/usr/local/bin/etcd']
/** Attempts with new ports when another process took one between the choice and etcd's bind. */
const START_ATTEMPTS = 3
const READY_TIMEOUT_MS = 30_000
const READY_POLL_MS = 100

export interface Etcd {
  clientUrl: string
  /** Its data (a temp dir of the suite): remove it with removeTempDir once etcd is stopped. */
  dataDir: string
  process: Started
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The etcd binary: FAECIE_ETCD, else Debian's, installed when missing. */
export async function etcdBinary(log: (m: string) => void): Promise<string> {
  const fromEnv = process.env.FAECIE_ETCD
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!executable(fromEnv)) throw new Error(`FAECIE_ETCD=${fromEnv} is not an executable`)
    return fromEnv
  }
  const found = ETCD_PATHS.find(executable)
  if (found !== undefined) return found
  await aptInstall(['etcd-server'], log)
  const installed = ETCD_PATHS.find(executable)
  if (installed === undefined) throw new Error(`apt-get installed etcd-server but none of ${ETCD_PATHS.join(', ')} is there`)
  return installed
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) })
    return response.ok && ((await response.json()) as { health?: string }).health === 'true'
  } catch {
    return false
  }
}

async function startOnce(binary: string): Promise<Etcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()]
  const dir = tempDir('etcd')
  const clientUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const started = startProcess(binary, [
    '--name', 'faecie-bench', '--data-dir', join(dir, 'member'),
    '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `faecie-bench=${peerUrl}`, '--initial-cluster-state', 'new',
    '--log-level', 'warn', '--logger', 'zap',
  ])
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) break
    if (await healthy(clientUrl)) return { clientUrl, dataDir: dir, process: started }
    await sleep(READY_POLL_MS)
  }
  await started.stop()
  removeTempDir(dir)
  throw new Error(`etcd did not become healthy on ${clientUrl}: ${tail(started.output())}`)
}

/** Starts etcd (installing it when missing); tries new ports when the chosen ones were taken. */
export async function startEtcd(log: (m: string) => void): Promise<Etcd> {
  const binary = await etcdBinary(log)
  let last: unknown
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary)
    } catch (err) {
      last = err
      if (!/address already in use/.test(String(err))) throw err
    }
  }
  throw new Error(`etcd could not bind free ports in ${START_ATTEMPTS} attempts: ${String(last)}`)
}
