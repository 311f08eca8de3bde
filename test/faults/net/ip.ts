// Running iproute2 for the netns topology: `ip` found (installed with apt when missing), one command
// or one `ip -batch -` per namespace (a batch is one process for many lines, which keeps a topology's
// setup to a handful of spawns), and every failure thrown as an error that names the command, the
// line of the batch that failed and ip's own stderr.
import { spawnSync } from 'node:child_process'
import { ensureInstalled, executable } from '../../support/debian-install.js'

/** No ip command should take long; a hung one (a wedged kernel lock) must not hang the tests. */
export const IP_COMMAND_TIMEOUT_MS = 30_000

let ipPath: string | undefined

/** The path of `ip`, installing iproute2 when the machine lacks it. */
export function ipCommand(): string {
  ipPath ??= ensureInstalled('ip (iproute2, for the fault campaign network)', ['iproute2'], () =>
    ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find(executable))
  return ipPath
}

export class IpCommandError extends Error {
  constructor(readonly command: string, readonly stderr: string, readonly detail: string) {
    super(`${command} failed (${detail}): ${stderr.trim() || '(no stderr)'}`)
  }
}

/** Runs `file args...` (stdin `input`), returns its stdout; throws an IpCommandError on any failure. */
export function runCommand(file: string, args: string[], input?: string): string {
  const shown = [file, ...args].join(' ')
  const result = spawnSync(file, args, {
    input: input ?? '',
    encoding: 'utf8',
    timeout: IP_COMMAND_TIMEOUT_MS,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  if (result.error !== undefined) throw new IpCommandError(shown, result.stderr ?? '', result.error.message)
  if (result.status !== 0) {
    const detail = result.signal !== null ? `killed by ${result.signal}` : `exit ${result.status}`
    throw new IpCommandError(shown, result.stderr, detail)
  }
  return result.stdout
}

/** `ip [-n ns] args...`. */
export function ip(args: string[], netns?: string): string {
  return runCommand(ipCommand(), [...(netns === undefined ? [] : ['-n', netns]), ...args])
}

/**
 * `ip [-n ns] -batch -` with `lines`: stops at the first failing line, and the error quotes it (ip
 * says only "Command failed -:N").
 */
export function ipBatch(lines: string[], netns?: string): void {
  if (lines.length === 0) return
  for (const line of lines) {
    if (line.includes('\n')) throw new Error(`ip batch line with a newline: ${JSON.stringify(line)}`)
  }
  try {
    runCommand(ipCommand(), [...(netns === undefined ? [] : ['-n', netns]), '-batch', '-'], `${lines.join('\n')}\n`)
  } catch (err) {
    if (!(err instanceof IpCommandError)) throw err
    const at = /Command failed -:(\d+)/.exec(err.stderr)
    const failed = at === null ? undefined : lines[Number(at[1]) - 1]
    const where = netns === undefined ? 'root namespace' : `namespace ${netns}`
    throw new IpCommandError(
      `ip -batch in the ${where}${failed === undefined ? '' : ` at "${failed}"`}`, err.stderr, err.detail)
  }
}

/** `ip -j args...` parsed (an empty answer is an empty list). */
export function ipJson<T>(args: string[], netns?: string): T[] {
  const out = ip(['-j', ...args], netns).trim()
  return out === '' ? [] : (JSON.parse(out) as T[])
}

/** The network namespaces (`ip netns list`), names only. */
export function listNetns(): string[] {
  return ip(['netns', 'list']).split('\n').map((line) => line.trim().split(' ')[0] ?? '').filter((name) => name !== '')
}

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
