// A real etcd for the cluster tests: Debian's etcd-server (3.4), installed with apt-get when the
// machine lacks it (debian-install.ts), started as one single-member cluster on free loopback ports
// (client and peer) with a temporary data directory, and stopped with the directory removed. What
// it shares with `pnpm cluster` (the binary's place, its command line, the health check) is in
// scripts/etcd-server.mjs.
//
//   const etcd = await startEtcdProcess()   // etcd.clientUrl = 'http://127.0.0.1:PORT'
//   await etcd.restart()                     // SIGTERM, then again on the same ports and data
//   await etcd.stop()                        // SIGTERM (SIGKILL if it lingers), rm -rf its dir
//
// Ports: etcd cannot listen on port 0 and report the port, so the fixture asks the kernel for two
// free ports, hands them to etcd, and starts again with new ones if etcd could not bind them
// (another process took one in between). Ready means etcd answers its /health endpoint.
import { spawn, type ChildProcess } from 'node:child_process'
import { ETCD_PACKAGE, etcdArgs, etcdEnv, etcdHealthy, findEtcdBinary, portTaken } from '../../scripts/etcd-server.mjs'
import { ensureInstalled } from './debian-install.js'
import { closedPort } from './ports.js'
import { makeTempDir, onTestProcessExit, removeTempDir } from './temp-dir.js'
import { waitFor } from './wait-for.js'

/** Attempts at binding two free ports before the fixture gives up. */
const START_ATTEMPTS = 5
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

export interface EtcdProcess {
  clientUrl: string
  dataDir: string
  /** The running etcd (another one after a restart). */
  readonly child: ChildProcess
  /** Everything etcd wrote to stderr so far (its log), for a failing test's message. */
  output(): string
  /** SIGTERM (SIGKILL after 10 s) and waits for the exit; the data dir stays, for a restart. */
  halt(): Promise<void>
  /** Stops it if running, then starts it again on the same ports and data dir; resolves once healthy. */
  restart(): Promise<void>
  /** Stops it and removes its data dir. */
  stop(): Promise<void>
}

/** The etcd binary, installing Debian's etcd-server first when there is none. */
export function etcdBinary(): string {
  return ensureInstalled('etcd (for the cluster tests)', [ETCD_PACKAGE], () => findEtcdBinary())
}

export interface EtcdProcessOptions {
  /** argv put before etcd (e.g. ['ip', 'netns', 'exec', NS]: it must exec, keeping the pid); default none. */
  commandPrefix?: string[]
  /** The address etcd binds and its URLs name; default 127.0.0.1. */
  host?: string
}

export async function startEtcdProcess(options: EtcdProcessOptions = {}): Promise<EtcdProcess> {
  const binary = etcdBinary()
  let lastError: unknown
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary, options)
    } catch (err) {
      lastError = err
      if (!(err instanceof PortTakenError)) throw err
    }
  }
  throw new Error(`etcd could not bind free ports in ${START_ATTEMPTS} attempts: ${String(lastError)}`)
}

class PortTakenError extends Error {}

interface Running {
  child: ChildProcess
  exited: Promise<number | null>
  /** undefined while running. */
  exitCode: number | null | undefined
}

async function startOnce(binary: string, options: EtcdProcessOptions): Promise<EtcdProcess> {
  const [clientPort, peerPort] = [await closedPort(), await closedPort()]
  const dataDir = makeTempDir('etcd')
  const host = options.host ?? '127.0.0.1'
  const clientUrl = `http://${host}:${clientPort}`
  const peerUrl = `http://${host}:${peerPort}`
  const prefix = options.commandPrefix ?? []
  let log = ''
  const launch = (): Running => {
    const argv = etcdArgs({ name: 'faecie-test', dataDir, clientUrl, peerUrl })
    const child = spawn(prefix[0] ?? binary, prefix.length === 0 ? argv : [...prefix.slice(1), binary, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: etcdEnv() })
    // A test process that ends without stopping its etcd (however it ends) takes it along; its
    // directory goes with the other temp dirs (temp-dir.ts), after it.
    onTestProcessExit(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { log += chunk })
    const running: Running = { child, exitCode: undefined, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
    void running.exited.then((code) => { running.exitCode = code })
    return running
  }
  let current = launch()

  const halt = async (): Promise<void> => {
    const { child, exited } = current
    if (current.exitCode !== undefined) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  const ready = async (): Promise<void> => {
    const running = current
    await waitFor('etcd to answer /health', async () => (running.exitCode !== undefined ? 'exited' : etcdHealthy(clientUrl)),
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 50 })
    if (running.exitCode !== undefined) {
      if (portTaken(log)) throw new PortTakenError(log)
      throw new Error(`etcd exited with code ${String(running.exitCode)}:\n${log}`)
    }
  }

  const etcd: EtcdProcess = {
    clientUrl,
    dataDir,
    get child() { return current.child },
    output: () => log,
    halt,
    restart: async () => {
      await halt()
      current = launch()
      // Its own ports were free a moment ago: a failure here is the test's to see, not retried.
      await ready()
    },
    stop: async () => {
      await halt()
      removeTempDir(dataDir)
    },
  }
  try {
    await ready()
  } catch (err) {
    await etcd.stop()
    if (err instanceof PortTakenError) throw err
    throw new Error(`etcd did not start: ${(err as Error).message}\n${log}`)
  }
  return etcd
}
