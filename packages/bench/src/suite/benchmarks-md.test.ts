// The section writer: each bench command rewrites only its own section of BENCHMARKS.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { markdownTable, withSection, writeBenchmarkSection } from './benchmarks-md.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('withSection', () => {
  const file = '# B\n\n<!-- bench:storage:start -->\nstorage\n<!-- bench:storage:end -->\n\n<!-- bench:suite:start -->\nold\n<!-- bench:suite:end -->\ntail\n'
  it('replaces its own section in place and leaves the others', () => {
    const next = withSection(file, 'suite', 'new\n')
    expect(next).toBe('# B\n\n<!-- bench:storage:start -->\nstorage\n<!-- bench:storage:end -->\n\n<!-- bench:suite:start -->\nnew\n<!-- bench:suite:end -->\ntail\n')
  })
  it('appends a missing section', () => {
    expect(withSection('# B\n', 'suite-latency', 'x')).toBe('# B\n\n<!-- bench:suite-latency:start -->\nx\n<!-- bench:suite-latency:end -->\n')
  })
  it('does not take a section whose name only starts the same', () => {
    const next = withSection(file, 'suite-throughput', 'y')
    expect(next).toContain('<!-- bench:suite:start -->\nold\n')
    expect(next.endsWith('<!-- bench:suite-throughput:start -->\ny\n<!-- bench:suite-throughput:end -->\n')).toBe(true)
  })
})

describe('writeBenchmarkSection', () => {
  it('makes the file when missing, then rewrites only the section', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-md-'))
    dirs.push(dir)
    const path = join(dir, 'BENCHMARKS.md')
    writeBenchmarkSection(path, 'a', 'one')
    writeFileSync(path, `${readFileSync(path, 'utf8')}\nhand-written\n`)
    writeBenchmarkSection(path, 'a', 'two')
    const text = readFileSync(path, 'utf8')
    expect(text.startsWith('# Benchmarks')).toBe(true)
    expect(text).toContain('<!-- bench:a:start -->\ntwo\n<!-- bench:a:end -->')
    expect(text).not.toContain('one')
    expect(text).toContain('hand-written')
  })
})

describe('markdownTable', () => {
  it('writes a header, a rule and escaped cells', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x|y']])).toBe('| a | b |\n| --- | --- |\n| 1 | x\\|y |')
  })
})
