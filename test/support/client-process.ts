// Long-running Kafka clients as child processes (kcat -G members, Python consumers, Kafka's console
// consumer) for the tests of the broker's Kafka listener: their stdout and stderr kept as lines
// (the last LINES_KEPT of each) for the tests to wait on, stdin to write to, a signal to stop one,
// and `killClientProcesses()` for afterAll. Every process started here is killed when the test
// process exits, however it ends.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { onTestProcessExit } from './temp-dir.js'

/** Lines kept per stream (a client that prints more keeps its newest). */
const LINES_KEPT = 5_000
/** How long `stop` waits after its signal before SIGKILL. */
const STOP_GRACE_MS = 30_000

export interface ClientProcess {
  readonly name: string
  readonly child: ChildProcess
  /** stdout lines so far (the last LINES_KEPT). */
  stdout(): string[]
  /** stderr lines so far (the last LINES_KEPT). */
  stderr(): string[]
  /** Writes to stdin (ignored once the process has closed it). */
  write(text: string): void
  /** Resolves with the exit code (null when ended by a signal) once the process has ended and its output is read. */
  readonly exited: Promise<number | null>
  /** True until the process has ended. */
  readonly running: boolean
  /** Sends `signal` (default SIGTERM) and waits for the end; SIGKILL after STOP_GRACE_MS. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** The last lines of both streams, for a failure message. */
  describe(): string
}

const running = new Set<ChildProcess>()
onTestProcessExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

function keepLines(stream: NodeJS.ReadableStream, into: string[], onLine?: (line: string) => void): void {
  createInterface({ input: stream }).on('line', (line) => {
    into.push(line)
    if (into.length > LINES_KEPT) into.shift()
    onLine?.(line)
  })
}

/** Starts `file args...`; `onLine` sees every stdout and stderr line as it comes (e.g. to echo it). */
export function startClientProcess(name: string, file: string, args: string[],
  options: { env?: Record<string, string>; onLine?: (line: string) => void } = {}): ClientProcess {
  const child = spawn(file, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(child)
  const out: string[] = []
  const err: string[] = []
  let ended = false
  child.stdin!.on('error', () => undefined)
  keepLines(child.stdout!, out, options.onLine)
  keepLines(child.stderr!, err, options.onLine)
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      err.push(`could not start ${file}: ${error.message}`)
      ended = true
      running.delete(child)
      resolve(null)
    })
    child.once('close', (code) => {
      ended = true
      running.delete(child)
      resolve(code)
    })
  })
  const made: ClientProcess = {
    name,
    child,
    exited,
    get running() { return !ended },
    stdout: () => [...out],
    stderr: () => [...err],
    write(text) {
      if (!ended && child.stdin!.writable) child.stdin!.write(text)
    },
    async stop(signal = 'SIGTERM') {
      if (ended) return exited
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      const code = await exited
      clearTimeout(timer)
      return code
    },
    describe: () => `${name} (${file} ${args.join(' ')})\nstdout:\n${out.slice(-40).join('\n')}\nstderr:\n${err.slice(-60).join('\n')}`,
  }
  return made
}

/** SIGKILLs every client process started here that still runs, and waits until they are gone. */
export async function killClientProcesses(): Promise<void> {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('close', () => resolve())
    child.kill('SIGKILL')
  })))
}
