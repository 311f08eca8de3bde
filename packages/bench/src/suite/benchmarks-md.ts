// Rewrites one named section of BENCHMARKS.md, leaving every other section as it is, so each bench
// command owns its own part of the file. A section lies between `<!-- bench:NAME:start -->` and
// `<!-- bench:NAME:end -->`; a missing one is appended. The same rule as the broker's
// `pnpm bench:storage` (packages/broker/src/bench/benchmarks-md.ts): the bench package cannot import
// the broker (packages depend downward only), so the pure text function lives here too.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const NEW_FILE = '# Benchmarks\n\nFigures measured on this project\'s machine; each section says the command that wrote it.\n'

/** `current` with section `name` set to `markdown` (replaced in place, or appended). */
export function withSection(current: string, name: string, markdown: string): string {
  const start = `<!-- bench:${name}:start -->`
  const end = `<!-- bench:${name}:end -->`
  const block = `${start}\n${markdown.trim()}\n${end}`
  const from = current.indexOf(start)
  const to = current.indexOf(end, from)
  return from >= 0 && to > from
    ? current.slice(0, from) + block + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${block}\n`
}

/** Writes section `name` of `file` (made with a title when missing). */
export function writeBenchmarkSection(file: string, name: string, markdown: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : NEW_FILE
  writeFileSync(file, withSection(current, name, markdown))
}

/** A Markdown table; cells have their `|` escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
