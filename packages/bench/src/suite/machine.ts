// The machine a bench ran on, printed with every report: CPU model, cores, RAM, kernel, and the
// versions of Node, Java and Go (the peers' runtimes), each found with a time bound.
import { spawnSync } from 'node:child_process'
import { cpus, release, totalmem } from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  ramGiB: number
  kernel: string
  node: string
  java: string
  go: string
}

function versionOf(command: string, args: string[], pattern: RegExp): string {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] })
  if (run.error !== undefined) return 'not found'
  return pattern.exec(`${run.stdout}\n${run.stderr}`)?.[1] ?? 'unknown'
}

export function describeMachine(): Machine {
  const list = cpus()
  return {
    cpuModel: (list[0]?.model ?? 'unknown').trim().replace(/\s+/g, ' '),
    cores: list.length,
    ramGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: `Linux ${release()}`,
    node: process.version,
    // `java -version` writes to stderr.
    java: versionOf('java', ['-version'], /version "([^"]+)"/),
    go: versionOf('go', ['version'], /go version go(\S+)/),
  }
}

export function machineLine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.kernel}, Node ${m.node}, Java ${m.java}, Go ${m.go}`
}
