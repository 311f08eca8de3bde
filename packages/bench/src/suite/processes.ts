// The processes the bench suite starts (servers and the peers' tools), tracked by PID so that every
// one of them is stopped when the suite ends: normally, on a failure, or on Ctrl-C / SIGTERM. Every
// external process has a time bound (a tool past it is killed and its run reported as failed), and
// every temp dir made here is removed at the end.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The last output kept of a process, for failure messages. */
const OUTPUT_BYTES_KEPT = 64 * 1024
const STOP_GRACE_MS = 10_000
/** How long outputLine waits for a server's line by default. */
const OUTPUT_LINE_TIMEOUT_MS = 30_000
/** How often outputLine looks at the output again. */
const OUTPUT_POLL_MS = 20

/** A script of the bench's peers folder, built: from dist also when this runs from src (tests). */
export function peerScript(name: string): string {
  const built = fileURLToPath(new URL(`../peers/${name}`, import.meta.url))
  return existsSync(built) ? built : fileURLToPath(new URL(`../../dist/peers/${name}`, import.meta.url))
}

const running = new Map<number, ChildProcess>()
const tempDirs = new Set<string>()
let hooksInstalled = false

/** Kills (SIGKILL) every process still running and removes the temp dirs; synchronous, for exit. */
export function killEverything(): void {
  for (const [pid, child] of running) {
    try {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
    } catch { /* already gone */ }
  }
  running.clear()
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killEverything)
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop every process started here, then end this one (exit 130). Only the
 * suite's main installs this: a test process keeps its own signal handling.
 */
export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping ${running.size} process(es) it started\n`)
      killEverything()
      process.exit(130)
    })
  }
}

/** A fresh temp dir, removed when the suite ends (or by `removeTempDir`). */
export function tempDir(prefix: string): string {
  installHooks()
  const dir = mkdtempSync(join(tmpdir(), `faecie-bench-${prefix}-`))
  tempDirs.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

export interface Started {
  child: ChildProcess
  pid: number
  /** What it printed so far (stdout and stderr, the last 64 KiB). */
  output(): string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after a grace; resolves once it is gone. */
  stop(): Promise<void>
}

export interface SpawnOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** Starts a long-running process (a server), tracked until it exits. */
export function startProcess(command: string, args: readonly string[], options: SpawnOptions = {}): Started {
  installHooks()
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const keep = (chunk: Buffer): void => {
    text += chunk.toString('utf8')
    if (text.length > OUTPUT_BYTES_KEPT) text = text.slice(-OUTPUT_BYTES_KEPT)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      keep(Buffer.from(`\n${String(err)}\n`))
      resolve(null)
    })
    child.once('exit', (code) => resolve(code))
  })
  const pid = child.pid ?? -1
  if (pid > 0) running.set(pid, child)
  void exited.then(() => running.delete(pid))
  return {
    child,
    pid,
    output: () => text,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || pid <= 0) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * Waits for `pattern` in what a process printed (a server's `listening` line, a peer's result):
 * its first group that matched, else the whole match. Throws, naming `what` and the output's tail,
 * once the process exited without it or after `timeoutMs`; the process is left to the caller.
 */
export async function outputLine(started: Started, pattern: RegExp, what: string, timeoutMs = OUTPUT_LINE_TIMEOUT_MS): Promise<string> {
  const found = (): string | undefined => {
    const m = pattern.exec(started.output())
    return m === null ? undefined : m.slice(1).find((group) => group !== undefined) ?? m[0]
  }
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const line = found()
    if (line !== undefined) return line
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      // Its last output may come after its exit.
      await sleep(100)
      const last = found()
      if (last !== undefined) return last
      throw new Error(`${what} exited without printing ${String(pattern)}: ${tail(started.output())}`)
    }
    await sleep(OUTPUT_POLL_MS)
  }
  throw new Error(`${what} did not print ${String(pattern)} within ${timeoutMs} ms: ${tail(started.output())}`)
}

export interface ToolRun {
  code: number | null
  output: string
  timedOut: boolean
}

/** Runs a tool to its end, killed past `timeoutMs`. */
export async function runTool(command: string, args: readonly string[], timeoutMs: number, options: SpawnOptions = {}): Promise<ToolRun> {
  const started = startProcess(command, args, options)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    started.child.kill('SIGKILL')
  }, timeoutMs)
  const code = await started.exited
  clearTimeout(timer)
  return { code, output: started.output(), timedOut }
}

/** Runs a tool and returns its output; throws with the output's tail when it fails or times out. */
export async function runToolOk(command: string, args: readonly string[], timeoutMs: number, options: SpawnOptions = {}): Promise<string> {
  const run = await runTool(command, args, timeoutMs, options)
  if (run.timedOut) throw new Error(`${command} ${args.slice(0, 3).join(' ')}... timed out after ${timeoutMs} ms: ${tail(run.output)}`)
  if (run.code !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')}... exited with ${String(run.code)}: ${tail(run.output)}`)
  return run.output
}

/** The last lines of some output, on one line, for a message. */
export function tail(output: string, lines = 4): string {
  return output.trim().split('\n').slice(-lines).join(' / ').slice(-600)
}

/** Some output on one line for a message: all of it when short, else its start (where errors usually are) and its end. */
export function headAndTail(output: string, chars = 300): string {
  const text = output.trim().replace(/\s+/g, ' ')
  return text.length <= 2 * chars ? text : `${text.slice(0, chars)} ... ${text.slice(-chars)}`
}

/** A TCP port free on 127.0.0.1 just now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Waits until something accepts on 127.0.0.1:port, or throws past `timeoutMs` or when `gone` says the server died. */
export async function waitForPort(port: number, timeoutMs: number, gone: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gone()) throw new Error(`the server exited before listening on port ${port}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await sleep(200)
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`)
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Samples a process's resident memory (VmRSS) until stopped; `maxBytes` is the largest seen. */
export class RssSampler {
  maxBytes = 0
  private readonly timer: ReturnType<typeof setInterval>

  constructor(private readonly pid: number, everyMs = 250) {
    this.sample()
    this.timer = setInterval(() => this.sample(), everyMs)
    this.timer.unref()
  }

  sample(): void {
    const bytes = rssBytes(this.pid)
    if (bytes !== undefined && bytes > this.maxBytes) this.maxBytes = bytes
  }

  stop(): number {
    clearInterval(this.timer)
    this.sample()
    return this.maxBytes
  }
}

/** VmRSS of a process from /proc, or undefined when it cannot be read. */
export function rssBytes(pid: number): number | undefined {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return undefined
  }
}

/** The VmRSS line of /proc/PID/status, in bytes. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  return m === null ? undefined : Number(m[1]) * 1024
}

/** Clock ticks per second of /proc's utime and stime (Linux's USER_HZ: 100 on every common build). */
const CLOCK_TICKS_PER_SEC = 100

/** CPU time a process has used so far (user + system, all its threads), in ms; undefined when unreadable. */
export function cpuMs(pid: number): number | undefined {
  try {
    return parseCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** utime + stime of a /proc/PID/stat line, in ms (the command name in parentheses may hold spaces). */
export function parseCpuMs(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const [utime, stime] = [Number(fields[11]), Number(fields[12])]
  return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / CLOCK_TICKS_PER_SEC : undefined
}
