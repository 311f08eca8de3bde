// Real broker processes for integration tests: `startBrokerProcess()` spawns
// `node packages/broker/dist/main.js --port 0 --data-dir <tmp> --partition-threads 1` (tests share two
// cores), reads the bound port from the broker's structured log line `broker listening` on stdout,
// and hands back its URL and handles to stop (SIGTERM), kill (SIGKILL) and restart it on the same data
// dir (and the same port when it is still free), or to send it any signal (SIGSTOP, SIGCONT).
// `runBrokerToExit(args)` runs one that is meant to
// end at once (a bad flag, --help, a data dir in use) and hands back its exit status and output.
// Every process started here is killed when the test
// process exits, and every temp dir made here is removed then.
//
// The broker runs the built JavaScript: `pnpm test` builds first (`pnpm run build` by hand).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { makeTempDir, onTestProcessExit } from './temp-dir.js'

export interface BrokerProcessOptions {
  /** Extra flags, after the defaults (a later flag wins: `--partition-threads 2` overrides). */
  args?: string[]
  /** Data directory; default a fresh temp dir, removed when the test process exits. */
  dataDir?: string
  /** Extra environment; FAECIE_LOG_LEVEL defaults to `info` (the port line is logged at info). */
  env?: Record<string, string>
  /** How long to wait for the broker to listen; default 30 s. */
  startTimeoutMs?: number
  /** argv put before `node` (e.g. ['ip', 'netns', 'exec', NS]: it must exec, keeping the pid); default none. */
  commandPrefix?: string[]
  /** The address the broker binds (`--host`) and its URL names; default 127.0.0.1 (no flag given). */
  host?: string
  /** Called with every line the broker writes (stdout and stderr, as logs() keeps them), as it comes. */
  onLine?: (line: string) => void
  /** Called when a process of this broker has exited and its output is read to the end, whoever ended it (a kill, a stop, a restart, or itself). */
  onExit?: (exitCode: number | null, signal: NodeJS.Signals | null) => void
}

export interface BrokerProcess {
  /** `ws://127.0.0.1:PORT` (the `host` option's address when given; append `/v1/ws` for the WebSocket). */
  url: string
  port: number
  dataDir: string
  /** The broker's process id (changes on restart). */
  readonly pid: number
  /** The last lines the broker wrote on stdout and stderr (for failure messages). */
  logs(): string[]
  /** SIGTERM, then waits for the exit (SIGKILL after 20 s); `exitCode` tells how it ended. */
  stop(): Promise<void>
  /** SIGKILL, then waits for the exit (a process held by SIGSTOP dies too). */
  kill(): Promise<void>
  /** Sends `signal` without waiting for anything (SIGSTOP / SIGCONT to pause and resume it). */
  signal(signal: NodeJS.Signals): void
  /** Stops (SIGTERM) if running, then starts again on the same data dir and, if free, the same port. */
  restart(): Promise<void>
  /** The exit code of the last exit, or null while running or when ended by a signal. */
  readonly exitCode: number | null
  /** True while its process runs (or is held by SIGSTOP); false once it has exited, however. */
  readonly alive: boolean
}

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const MAIN = join(REPO, 'packages/broker/dist/main.js')
/** The built broker's entry point (what `startBrokerProcess` runs). */
export const BROKER_MAIN = MAIN
const LOG_LINES_KEPT = 200

const running = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Killed before the temp dirs (their data dirs) are removed: see temp-dir.ts.
  onTestProcessExit(() => {
    for (const child of running) child.kill('SIGKILL')
  })
}

export interface BrokerExit {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `node packages/broker/dist/main.js ...args` to its end (killed past `timeoutMs`, default 20 s)
 * and returns how it ended: for command lines the broker must refuse. No flag is added.
 */
export function runBrokerToExit(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): BrokerExit {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm run build\` first`)
  const run = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: REPO, encoding: 'utf8', timeout: options.timeoutMs ?? 20_000, env: { ...process.env, ...options.env },
  })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** SIGKILLs every broker process started here that still runs, and waits until they are gone. */
export async function killBrokerProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })))
}

interface Started {
  child: ChildProcess
  port: number
  url: string
  exited: Promise<number | null>
}

export async function startBrokerProcess(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  installExitHook()
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm run build\` first`)
  const dataDir = options.dataDir ?? makeTempDir('broker')
  const lines: string[] = []
  // FAECIE_TEST_BROKER_LOGS=1 echoes every broker line to the test's stderr (for debugging a test).
  const echo = process.env.FAECIE_TEST_BROKER_LOGS === '1'
  const remember = (line: string): void => {
    if (echo) process.stderr.write(`[broker] ${line}\n`)
    lines.push(line)
    if (lines.length > LOG_LINES_KEPT) lines.shift()
    options.onLine?.(line)
  }
  const launch = (port: number): Promise<Started> => spawnBroker(port, dataDir, options, remember)

  let current = await launch(0)
  let exitCode: number | null = null
  const track = (started: Started): void => {
    void started.exited.then((code) => { if (current === started) exitCode = code })
  }
  track(current)

  const waitExit = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const started = current
    if (started.child.exitCode !== null || started.child.signalCode !== null) return
    started.child.kill(signal)
    const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs)
    await started.exited
    clearTimeout(timer)
  }

  const handle: BrokerProcess = {
    url: current.url,
    port: current.port,
    dataDir,
    get pid() { return current.child.pid ?? -1 },
    get exitCode() { return exitCode },
    get alive() { return current.child.exitCode === null && current.child.signalCode === null },
    logs: () => [...lines],
    stop: () => waitExit('SIGTERM', 20_000),
    kill: () => waitExit('SIGKILL', 5_000),
    signal(signal) {
      const child = current.child
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    async restart() {
      await waitExit('SIGTERM', 20_000)
      exitCode = null
      try {
        current = await launch(handle.port)
      } catch (err) {
        // The port may have been taken meanwhile (or linger): take any, and say so in the URL.
        if (!String(err).includes('EADDRINUSE')) throw err
        current = await launch(0)
      }
      track(current)
      handle.port = current.port
      handle.url = current.url
    },
  }
  return handle
}

function spawnBroker(
  port: number,
  dataDir: string,
  options: BrokerProcessOptions,
  remember: (line: string) => void,
): Promise<Started> {
  const host = options.host ?? '127.0.0.1'
  const hostArgs = options.host === undefined ? [] : ['--host', options.host]
  const args = [MAIN, '--port', String(port), '--data-dir', dataDir, '--partition-threads', '1', '--kafka-port', '0', ...hostArgs, ...(options.args ?? [])]
  const prefix = options.commandPrefix ?? []
  const child = spawn(prefix[0] ?? process.execPath, prefix.length === 0 ? args : [...prefix.slice(1), process.execPath, ...args], {
    cwd: REPO,
    // The port line is logged at info: a quieter level set for the tests themselves must not hide it.
    env: { ...process.env, FAECIE_LOG_LEVEL: process.env.FAECIE_TEST_BROKER_LOG_LEVEL ?? 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  // Exited once its output is read to the end ('close' comes after 'exit' and the pipes' ends), so
  // logs() holds its last lines when onExit runs and when stop() or kill() resolves.
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child)
      options.onExit?.(code, signal)
      resolve(code)
    })
  })
  // stdout is read to the end whatever happens: a pipe nobody drains would block the broker's logger.
  const stdout = createInterface({ input: child.stdout! })
  const stderr = createInterface({ input: child.stderr! })
  stderr.on('line', (line) => remember(`[stderr] ${line}`))
  const timeoutMs = options.startTimeoutMs ?? 30_000
  return new Promise<Started>((resolve, reject) => {
    let settled = false
    const fail = (why: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      // Give stderr a moment to arrive so the failure says why.
      setTimeout(() => reject(new Error(`broker did not start: ${why}\n${recent().join('\n')}`)), 50)
    }
    const recentLines: string[] = []
    const recent = (): string[] => recentLines.slice(-40)
    stderr.on('line', (line) => recentLines.push(`[stderr] ${line}`))
    const timer = setTimeout(() => fail(`no "broker listening" line within ${timeoutMs} ms`), timeoutMs)
    stdout.on('line', (line) => {
      remember(line)
      if (settled) return
      recentLines.push(line)
      const parsed = parseLogLine(line)
      if (parsed?.msg !== 'broker listening' || typeof parsed.port !== 'number') return
      settled = true
      clearTimeout(timer)
      const boundPort = parsed.port
      resolve({ child, port: boundPort, url: `ws://${host}:${boundPort}`, exited })
    })
    void exited.then((code) => fail(`exited with code ${String(code)} before listening`))
  })
}

function parseLogLine(line: string): { msg?: unknown; port?: unknown } | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line) as { msg?: unknown; port?: unknown }
  } catch {
    return undefined
  }
}
