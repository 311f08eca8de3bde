// Rewrites one named section of BENCHMARKS.md, leaving every other section as it is, so each bench
// command owns its own part of the file. A section lies between
// `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`; a missing one is appended.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export function writeBenchmarkSection(file: string, name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`
  const end = `<!-- bench:${name}:end -->`
  const block = `${start}\n${markdown.trim()}\n${end}`
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures measured on this project\'s machine; each section says the command that wrote it.\n'
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next = from >= 0 && to > from
    ? current.slice(0, from) + block + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}

/** Median, min and max of a list of figures. */
export function summarize(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}
