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
//
// Secured (issue 19): `tls` serves https:// client URLs with the given certificate, trusting `caFile`
// for client certificates (--client-cert-auth when `clientCertAuth`); `auth` makes a root user with
// the given password, the users asked for (each with a role of readwrite on its prefix), and turns
// etcd's authentication on, before the fixture resolves. `clientOptions()` are the etcd3 options
// (the root login, the CA, the server's certificate as a client one) that reach it as root.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { connectEtcd } from '../../packages/broker/src/cluster/metadata-store.js'
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
  /** etcd3 options (besides hosts) that reach it as root: TLS material and the root login when secured. */
  clientOptions(): EtcdClientOptions
}

/** The etcd binary, installing Debian's etcd-server first when there is none. */
export function etcdBinary(): string {
  return ensureInstalled('etcd (for the cluster tests)', [ETCD_PACKAGE], () => findEtcdBinary())
}

/** etcd3's client options besides the hosts (the test tree reaches etcd3 through the broker's module). */
export type EtcdClientOptions = NonNullable<Parameters<typeof connectEtcd>[1]>

export interface EtcdProcessOptions {
  /** argv put before etcd (e.g. ['ip', 'netns', 'exec', NS]: it must exec, keeping the pid); default none. */
  commandPrefix?: string[]
  /** The address etcd binds and its URLs name; default 127.0.0.1. */
  host?: string
  /** https:// client URLs with this server certificate (tls-certs.ts makeTlsFiles). */
  tls?: { caFile: string; certFile: string; keyFile: string; clientCertAuth?: boolean }
  /** Turns etcd's authentication on: root with this password, and these users (password optional: a certificate user). */
  auth?: { rootPassword: string; users?: Array<{ name: string; password?: string; readwritePrefix: string }> }
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
  const tls = options.tls
  const clientUrl = `${tls === undefined ? 'http' : 'https'}://${host}:${clientPort}`
  const peerUrl = `http://${host}:${peerPort}`
  const prefix = options.commandPrefix ?? []
  let log = ''
  const launch = (): Running => {
    const argv = [...etcdArgs({ name: 'faecie-test', dataDir, clientUrl, peerUrl }), ...(tls === undefined ? [] : [
      '--cert-file', tls.certFile, '--key-file', tls.keyFile, '--trusted-ca-file', tls.caFile, ...(tls.clientCertAuth === true ? ['--client-cert-auth'] : []),
    ])]
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
    await waitFor('etcd to answer /health', async () => (running.exitCode !== undefined ? 'exited' : tls === undefined ? etcdHealthy(clientUrl) : httpsHealthy(clientUrl, tls)),
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
    clientOptions: () => ({
      ...(tls === undefined ? {} : { credentials: { rootCertificate: readFileSync(tls.caFile), certChain: readFileSync(tls.certFile), privateKey: readFileSync(tls.keyFile) } }),
      ...(options.auth === undefined ? {} : { auth: { username: 'root', password: options.auth.rootPassword } }),
    }),
  }
  try {
    await ready()
    if (options.auth !== undefined) await enableAuth(clientUrl, tls, options.auth)
  } catch (err) {
    await etcd.stop()
    if (err instanceof PortTakenError) throw err
    throw new Error(`etcd did not start: ${(err as Error).message}\n${log}`)
  }
  return etcd
}

/** /health over https, trusting the test CA and presenting the server's certificate (it has clientAuth). */
function httpsHealthy(clientUrl: string, tls: NonNullable<EtcdProcessOptions['tls']>): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${clientUrl}/health`, { servername: 'localhost', ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')))
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

/** Root (with the root role), the users with their roles, then `auth enable`. */
async function enableAuth(clientUrl: string, tls: EtcdProcessOptions['tls'], auth: NonNullable<EtcdProcessOptions['auth']>): Promise<void> {
  const client = connectEtcd([clientUrl],
    tls === undefined ? {} : { credentials: { rootCertificate: readFileSync(tls.caFile), certChain: readFileSync(tls.certFile), privateKey: readFileSync(tls.keyFile) } })
  try {
    await client.user('root').create(auth.rootPassword)
    await client.role('root').create()
    await client.user('root').addRole('root')
    for (const user of auth.users ?? []) {
      // etcd keeps a user without a password for certificate logins (CN = name); etcd3 needs one: a random one nobody knows.
      await client.user(user.name).create(user.password ?? `cert-only-${Math.random().toString(36).slice(2)}`)
      await client.role(`${user.name}-rw`).create()
      await client.auth.roleGrantPermission({ name: `${user.name}-rw`, perm: { permType: 'Readwrite', key: Buffer.from(user.readwritePrefix), range_end: prefixEnd(user.readwritePrefix) } })
      await client.user(user.name).addRole(`${user.name}-rw`)
    }
    await client.auth.authEnable()
  } finally {
    client.close()
  }
}

/** The end of the key range of a prefix: the prefix with its last byte one higher (etcdctl --prefix). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix)
  end[end.length - 1]! += 1
  return end
}
