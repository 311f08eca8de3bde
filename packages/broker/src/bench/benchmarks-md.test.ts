import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { summarize, writeBenchmarkSection } from './benchmarks-md.js'

const dir = mkdtempSync(join(tmpdir(), 'faecie-benchmd-'))
afterEach(() => rmSync(join(dir, 'B.md'), { force: true }))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeBenchmarkSection', () => {
  it('rewrites only its own section', () => {
    const file = join(dir, 'B.md')
    writeFileSync(file, '# Benchmarks\n\nintro\n')
    writeBenchmarkSection(file, 'storage', 'first')
    writeBenchmarkSection(file, 'peers', 'theirs')
    writeBenchmarkSection(file, 'storage', 'second')
    const text = readFileSync(file, 'utf8')
    expect(text).toContain('intro')
    expect(text).toContain('theirs')
    expect(text).toContain('second')
    expect(text).not.toContain('first')
    expect(text.indexOf('second')).toBeLessThan(text.indexOf('theirs'))
  })

  it('gives the median, min and max', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 })
    expect(summarize([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 })
  })
})
