// The `faecie` CLI as a child process, for integration tests: `runCli` runs one command to its end
// (feeding stdin, with a time limit after which it is killed and the test fails), `spawnCli` starts
// one that runs on (a following consumer) and hands back its stdout lines as they come. Both run the
// built JavaScript (packages/cli/dist/main.js): `pnpm test` builds first.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { onTestProcessExit } from './temp-dir.js'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const CLI_MAIN = join(REPO, 'packages/cli/dist/main.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  /** stdout as the bytes written (stdout decodes them as UTF-8, which would hide bytes that are not text). */
  stdoutBytes: Buffer
  stderr: string
  /** How long the process ran. */
  ms: number
  /** stdout split into lines, without the empty string after the last newline. */
  lines: string[]
}

export interface CliOptions {
  /** Written to stdin, which is then closed; default: stdin closed at once. */
  stdin?: string | Buffer
  /** Extra environment (FAECIE_BROKER, typically). */
  env?: Record<string, string>
  /** Killed with SIGKILL past this; default 30 s. */
  timeoutMs?: number
  /** Another program to run instead of node CLI_MAIN (the root shim, pnpm). */
  command?: { file: string; args: string[] }
}

const running = new Set<ChildProcess>()
// Killed however the test process ends, before its temp dirs are removed (temp-dir.ts).
onTestProcessExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

/** SIGKILLs every CLI process started here that still runs, and waits until they are gone. */
export async function killCliProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })))
}

function start(args: string[], options: CliOptions): ChildProcess {
  if (options.command === undefined && !existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`pnpm run build\` first`)
  const file = options.command?.file ?? process.execPath
  const argv = options.command === undefined ? [CLI_MAIN, ...args] : [...options.command.args, ...args]
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  if (options.env?.FAECIE_BROKER === undefined) delete env.FAECIE_BROKER
  const child = spawn(file, argv, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  // A command that exits before reading its stdin closes the pipe under us: not a test failure.
  child.stdin!.on('error', () => undefined)
  return child
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const startedMs = Date.now()
  const child = start(args, options)
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout!.on('data', (b: Buffer) => stdout.push(b))
  child.stderr!.on('data', (b: Buffer) => stderr.push(b))
  child.stdin!.end(options.stdin ?? '')
  const timeoutMs = options.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`faecie ${args.join(' ')} did not end within ${timeoutMs} ms; stderr: ${Buffer.concat(stderr).toString()}`))
    }, timeoutMs)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const outBytes = Buffer.concat(stdout)
      const out = outBytes.toString('utf8')
      resolve({
        code,
        signal,
        stdout: out,
        stdoutBytes: outBytes,
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: Date.now() - startedMs,
        lines: out === '' ? [] : out.replace(/\n$/, '').split('\n'),
      })
    })
  })
}

export interface RunningCli {
  child: ChildProcess
  /** Resolves with the first `count` stdout lines (rejects if the process ends first or after `timeoutMs`). */
  lines(count: number, timeoutMs?: number): Promise<string[]>
  /** Resolves with all stdout lines once `done` holds for them (rejects if the process ends first, or after `timeoutMs`). */
  waitFor(done: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>
  stderr(): string
  /** The stdout lines so far. */
  output(): string[]
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
}

export function spawnCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = start(args, options)
  if (options.stdin !== undefined) child.stdin!.end(options.stdin)
  const seen: string[] = []
  const waiters: Array<() => void> = []
  let stderr = ''
  let closed = false
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    seen.push(line)
    for (const wake of waiters.splice(0)) wake()
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
    closed = true
    for (const wake of waiters.splice(0)) wake()
    resolve(code)
  }))
  return {
    child,
    exited,
    stderr: () => stderr,
    output: () => [...seen],
    async lines(count, timeoutMs = 20_000) {
      return (await this.waitFor((lines) => lines.length >= count, timeoutMs)).slice(0, count)
    },
    async waitFor(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!done(seen)) {
        if (closed) throw new Error(`exited after ${seen.length} lines; stderr: ${stderr}`)
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`stdout not as awaited within ${timeoutMs} ms (${seen.length} lines); stderr: ${stderr}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return [...seen]
    },
  }
}
