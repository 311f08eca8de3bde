// A real etcd for the cluster tests: Debian's etcd-server (3.4), installed with apt-get when the
// machine lacks it (debian-install.ts), started as one single-member cluster on free loopback ports
// (client and peer) with a temporary data directory, and stopped with the directory removed.
//
//   const etcd = await startEtcdProcess()   // etcd.clientUrl = 'http://127.0.0.1:PORT'
//   ...
//   await etcd.stop()                        // SIGTERM (SIGKILL if it lingers), rm -rf its dir
//
// Ports: etcd cannot listen on port 0 and report the port, so the fixture asks the kernel for two
// free ports, hands them to etcd, and starts again with new ones if etcd could not bind them
// (another process took one in between). Ready means etcd answers its /health endpoint.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ensureInstalled, executable } from './debian-install.js'
import { closedPort } from './ports.js'
import { makeTempDir, onTestProcessExit, removeTempDir } from './temp-dir.js'
import { waitFor } from './wait-for.js'

/** Where Debian's etcd-server puts the binary; FAECIE_ETCD overrides it. */
const ETCD_PATHS = ['/usr/bin/etcd', '/usr/local/bin/etcd']
/** Attempts at binding two free ports before the fixture gives up. */
const START_ATTEMPTS = 5
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

export interface EtcdProcess {
  clientUrl: string
  dataDir: string
  child: ChildProcess
  /** Everything etcd wrote to stderr so far (its log), for a failing test's message. */
  output(): string
  stop(): Promise<void>
}

/** The etcd binary, installing Debian's etcd-server first when there is none. */
export function etcdBinary(): string {
  return ensureInstalled('etcd (for the cluster tests)', ['etcd-server'], () => {
    const env = process.env['FAECIE_ETCD']
    if (env !== undefined && env !== '') return executable(env) ? env : undefined
    return ETCD_PATHS.find(executable)
  })
}

export async function startEtcdProcess(): Promise<EtcdProcess> {
  const binary = etcdBinary()
  let lastError: unknown
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary)
    } catch (err) {
      lastError = err
      if (!(err instanceof PortTakenError)) throw err
    }
  }
  throw new Error(`etcd could not bind free ports in ${START_ATTEMPTS} attempts: ${String(lastError)}`)
}

class PortTakenError extends Error {}

async function startOnce(binary: string): Promise<EtcdProcess> {
  const [clientPort, peerPort] = [await closedPort(), await closedPort()]
  const dataDir = makeTempDir('etcd')
  const clientUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const child = spawn(binary, [
    '--name', 'faecie-test',
    '--data-dir', join(dataDir, 'member'),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `faecie-test=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--log-level', 'warn',
    '--logger', 'zap',
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env['ETCD_UNSUPPORTED_ARCH'] ?? '' } })
  // A test process that ends without stopping its etcd (however it ends) takes it along; its
  // directory goes with the other temp dirs (temp-dir.ts), after it.
  onTestProcessExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let log = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { log += chunk })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let exitCode: number | null | undefined
  void exited.then((code) => { exitCode = code })

  const etcd: EtcdProcess = {
    clientUrl,
    dataDir,
    child,
    output: () => log,
    stop: async () => {
      if (exitCode === undefined) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      }
      removeTempDir(dataDir)
    },
  }
  try {
    await waitFor('etcd to answer /health', async () => {
      if (exitCode !== undefined) return 'exited'
      try {
        const response = await fetch(`${clientUrl}/health`)
        return response.ok && ((await response.json()) as { health?: string }).health === 'true'
      } catch {
        return false
      }
    }, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 50 })
  } catch (err) {
    await etcd.stop()
    throw new Error(`etcd did not start: ${(err as Error).message}\n${log}`)
  }
  if (exitCode !== undefined) {
    await etcd.stop()
    if (/address already in use/.test(log)) throw new PortTakenError(log)
    throw new Error(`etcd exited with code ${String(exitCode)}:\n${log}`)
  }
  return etcd
}
