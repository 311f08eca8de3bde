#!/usr/bin/env node
// `pnpm cluster`: a cluster of faecie brokers on one machine, for trying clustering out by hand.
// It starts etcd (Debian's etcd-server, installed with apt-get when missing) and N brokers (default
// 3) on loopback, and stops them all on Ctrl-C. Everything lives under one directory:
//
//   ./faecie-cluster-data/
//     etcd/              etcd's data (a one-member etcd cluster)
//     broker-1/ ...      each broker's --data-dir
//     logs/etcd.log      everything etcd logged
//     logs/broker-1.log  everything broker 1 logged (JSON lines); its warnings and errors (etcd's
//                        errors) also go to the terminal
//
// Ports: etcd on 2379 (peer 2380), brokers on 8092, 8093, 8094, ... (WebSocket, HTTP API, console and
// metrics on the same port), their Kafka listeners on 19092, 19093, ... (fixed, so Kafka clients
// pointed at a broker still reach it after a restart). Run it again and
// the cluster comes back with its topics. While it runs, lines typed on standard input steer it:
// `kill N` (SIGKILL broker N), `stop N` (SIGTERM), `start N`, `list`.
//
//   node scripts/dev-cluster.mjs [--brokers N] [--data-dir DIR] [--port P] [--kafka-port P] [--etcd-port P] [-- broker flags...]
import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ETCD_PACKAGE, etcdArgs, etcdEnv, etcdHealthy, findEtcdBinary } from './etcd-server.mjs'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const BROKER_MAIN = join(REPO, 'packages/broker/dist/main.js')
/** Limits of this script, in one place. */
const LIMITS = { brokersMax: 9, readyTimeoutMs: 60_000, stopGraceMs: 15_000, pollMs: 200 }
/** pino's numeric levels, and etcd's (zap's) names for them. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, dpanic: 50, panic: 60, fatal: 60 }

const USAGE = `Usage: pnpm cluster [--brokers N] [--data-dir DIR] [--port P] [--kafka-port P] [--etcd-port P] [-- broker flags...]
  --brokers N      how many brokers (default 3, at most ${LIMITS.brokersMax}); ids 1..N
  --data-dir DIR   where etcd and the brokers keep their data and logs (default ./faecie-cluster-data)
  --port P         broker 1's port; broker i listens on P + i - 1 (default 8092)
  --kafka-port P   broker 1's Kafka-protocol port; broker i's is P + i - 1 (default 19092)
  --etcd-port P    etcd's client port; its peer port is P + 1 (default 2379)
  flags after --   passed to every broker (e.g. -- --broker-session-timeout-ms 2000)`

function fail(message) {
  process.stderr.write(`dev-cluster: ${message}\n`)
  process.exit(2)
}

function options() {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { brokers: { type: 'string' }, 'data-dir': { type: 'string' }, port: { type: 'string' }, 'kafka-port': { type: 'string' }, 'etcd-port': { type: 'string' }, help: { type: 'boolean' } },
    })
  } catch (err) {
    fail(`${err.message}\n${USAGE}`)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  const integer = (text, name, min, max) => {
    const n = Number(text)
    if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`)
    return n
  }
  const brokers = integer(values.brokers ?? '3', '--brokers', 1, LIMITS.brokersMax)
  return {
    brokers,
    dataDir: resolve(values['data-dir'] ?? 'faecie-cluster-data'),
    port: integer(values.port ?? '8092', '--port', 1, 65535 - brokers),
    kafkaPort: integer(values['kafka-port'] ?? '19092', '--kafka-port', 1, 65535 - brokers),
    etcdPort: integer(values['etcd-port'] ?? '2379', '--etcd-port', 1, 65534),
    brokerFlags: positionals,
  }
}

/** The etcd binary, installed with apt-get (through sudo -n when not root) when there is none. */
function ensureEtcd() {
  const found = findEtcdBinary()
  if (found !== undefined) return found
  console.log(`etcd is not installed: apt-get update && apt-get install -y ${ETCD_PACKAGE}`)
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  const run = (args) => {
    const [file, ...rest] = [...sudo, ...args]
    execFileSync(file, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  try {
    run(['apt-get', 'update'])
    run(['apt-get', 'install', '-y', '--no-install-recommends', ETCD_PACKAGE])
  } catch (err) {
    fail(`could not install ${ETCD_PACKAGE} (${err.message}); install it by hand, or point FAECIE_ETCD at an etcd 3.4+ binary`)
  }
  return findEtcdBinary() ?? fail(`apt-get installed ${ETCD_PACKAGE}, but no etcd binary was found afterwards`)
}

async function waitUntil(what, check) {
  const deadline = Date.now() + LIMITS.readyTimeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${LIMITS.readyTimeoutMs} ms waiting for ${what}`)
    await new Promise((done) => setTimeout(done, LIMITS.pollMs))
  }
}

/** Every child still running: killed if this script ends in any other way than Ctrl-C. */
const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** A child process whose output goes to a log file, and lines from `shownLevel` up (and any that is not JSON) to the terminal. */
function launch(name, file, args, logPath, env, shownLevel) {
  const log = createWriteStream(logPath, { flags: 'a' })
  // A process group of its own: Ctrl-C reaches this script alone, which stops the brokers first (a
  // second signal would make a broker exit at once) and etcd last (the brokers resign through it).
  const child = spawn(file, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.add(child)
  const echo = (line) => {
    log.write(`${line}\n`)
    let level = shownLevel
    try {
      const given = JSON.parse(line).level
      level = typeof given === 'number' ? given : LEVELS[given] ?? shownLevel
    } catch { /* not JSON: shown */ }
    if (level >= shownLevel) process.stdout.write(`[${name}] ${line}\n`)
  }
  createInterface({ input: child.stdout }).on('line', echo)
  createInterface({ input: child.stderr }).on('line', echo)
  child.exited = new Promise((done) => child.once('exit', (code, signal) => {
    children.delete(child)
    log.end()
    done({ code, signal })
  }))
  return child
}

async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMITS.stopGraceMs)
  await child.exited
  clearTimeout(timer)
}

async function main() {
  const opts = options()
  if (!existsSync(BROKER_MAIN)) fail(`${BROKER_MAIN} is missing: run \`pnpm run build\` first (\`pnpm cluster\` does)`)
  const logsDir = join(opts.dataDir, 'logs')
  mkdirSync(logsDir, { recursive: true })
  const etcdUrl = `http://127.0.0.1:${opts.etcdPort}`
  const brokerIds = Array.from({ length: opts.brokers }, (_, i) => i + 1)
  const portOf = (id) => opts.port + id - 1

  const etcd = launch('etcd', ensureEtcd(), etcdArgs({ name: 'faecie-dev', dataDir: join(opts.dataDir, 'etcd'), clientUrl: etcdUrl,
    peerUrl: `http://127.0.0.1:${opts.etcdPort + 1}`, logLevel: 'warn' }), join(logsDir, 'etcd.log'), etcdEnv(), LEVELS.error)
  let stopping = false
  void etcd.exited.then(({ code, signal }) => {
    if (!stopping) fail(`etcd exited (${signal ?? `code ${code}`}); see ${join(logsDir, 'etcd.log')} (is port ${opts.etcdPort} taken?)`)
  })
  await waitUntil(`etcd at ${etcdUrl}`, () => etcdHealthy(etcdUrl))

  const brokers = new Map()
  /** Set once every broker answered: a broker that exits before is a failed start. */
  let up = false
  const start = (id) => {
    const args = [BROKER_MAIN, '--cluster', etcdUrl, '--broker-id', String(id), '--port', String(portOf(id)),
      '--advertised-url', `ws://127.0.0.1:${portOf(id)}`, '--kafka-port', String(opts.kafkaPort + id - 1), '--data-dir', join(opts.dataDir, `broker-${id}`), ...opts.brokerFlags]
    const child = launch(`broker ${id}`, process.execPath, args, join(logsDir, `broker-${id}.log`), { ...process.env, FAECIE_LOG_LEVEL: process.env.FAECIE_LOG_LEVEL ?? 'info' }, LEVELS.warn)
    brokers.set(id, child)
    void child.exited.then(({ code, signal }) => {
      if (up && !stopping) console.log(`broker ${id} exited (${signal ?? `code ${code}`}); the others go on. Type \`start ${id}\` to start it again.`)
    })
    return child
  }
  const ready = (id) => waitUntil(`broker ${id} on port ${portOf(id)}`, async () => {
    if (brokers.get(id).exitCode !== null) throw new Error(`broker ${id} exited; see ${join(logsDir, `broker-${id}.log`)}`)
    try {
      return (await fetch(`http://127.0.0.1:${portOf(id)}/health`)).ok
    } catch {
      return false
    }
  })
  const list = () => {
    for (const id of brokerIds) {
      const child = brokers.get(id)
      const alive = child !== undefined && child.exitCode === null && child.signalCode === null
      console.log(`  broker ${id}  ws://127.0.0.1:${portOf(id)}  ${alive ? `pid ${child.pid}` : 'not running'}`)
    }
  }

  const shutdown = async (exitCode) => {
    if (stopping) return
    stopping = true
    console.log('\nstopping the brokers, then etcd')
    await Promise.all([...brokers.values()].map((child) => stopChild(child)))
    await stopChild(etcd)
    process.exit(exitCode)
  }
  process.on('SIGINT', () => shutdown(0))
  process.on('SIGTERM', () => shutdown(0))

  for (const id of brokerIds) start(id)
  try {
    await Promise.all(brokerIds.map(ready))
  } catch (err) {
    console.error(`dev-cluster: ${err.message}`)
    await shutdown(1)
  }
  up = true
  const all = brokerIds.map((id) => `ws://127.0.0.1:${portOf(id)}`).join(',')
  console.log(`faecie cluster up: etcd ${etcdUrl}, data and logs in ${opts.dataDir}`)
  list()
  console.log(`In another terminal: export FAECIE_BROKER=${all}`)
  console.log('Type `kill N`, `stop N`, `start N` or `list` here; Ctrl-C stops everything.')

  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, idText] = line.trim().split(/\s+/)
    const id = Number(idText)
    if (command === 'list' || command === '') return list()
    if (!['kill', 'stop', 'start'].includes(command) || !brokerIds.includes(id)) return console.log('commands: kill N, stop N, start N, list')
    const child = brokers.get(id)
    const alive = child.exitCode === null && child.signalCode === null
    if (command === 'start') {
      if (alive) return console.log(`broker ${id} is running (pid ${child.pid})`)
      start(id)
      void ready(id).then(() => console.log(`broker ${id} is back`), (err) => console.log(err.message))
    } else if (!alive) console.log(`broker ${id} is not running`)
    else void stopChild(child, command === 'kill' ? 'SIGKILL' : 'SIGTERM')
  })
}

main().catch((err) => fail(err.stack ?? String(err)))
