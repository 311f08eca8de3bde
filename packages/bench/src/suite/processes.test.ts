// The suite's process handling: a tool past its time bound is killed and reported as timed out;
// /proc's VmRSS line is read in bytes; output tails are kept short.
import { describe, expect, it } from 'vitest'
import { headAndTail, parseVmRss, rssBytes, runTool, tail } from './processes.js'

describe('runTool', () => {
  it('returns the exit code and the output', async () => {
    const run = await runTool(process.execPath, ['-e', 'console.log("hi"); process.exit(3)'], 10_000)
    expect(run).toEqual({ code: 3, output: 'hi\n', timedOut: false })
  })
  it('kills a tool past its bound', async () => {
    const run = await runTool(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], 300)
    expect(run.timedOut).toBe(true)
    expect(run.code).toBeNull()
  })
  it('reports a command that cannot start', async () => {
    const run = await runTool('/nonexistent/tool', [], 5_000)
    expect(run.code).toBeNull()
    expect(run.output).toContain('ENOENT')
  })
})

describe('rss', () => {
  it('reads VmRSS in bytes', () => {
    expect(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nThreads:\t7\n')).toBe(123456 * 1024)
    expect(parseVmRss('Name:\tnode\n')).toBeUndefined()
  })
  it('reads this process', () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024)
    expect(rssBytes(2 ** 30)).toBeUndefined()
  })
})

describe('tail', () => {
  it('keeps the last lines on one line', () => {
    expect(tail('a\nb\nc\nd\ne\n', 2)).toBe('d / e')
  })
})

describe('headAndTail', () => {
  it('keeps short output whole on one line, and the start and end of long output', () => {
    expect(headAndTail('error: bad flag\n  usage\n')).toBe('error: bad flag usage')
    const long = headAndTail(`unknown option --cluster\n${'usage line\n'.repeat(100)}last line`, 30)
    expect(long.startsWith('unknown option --cluster usag')).toBe(true)
    expect(long.endsWith('line last line')).toBe(true)
    expect(long).toContain(' ... ')
    expect(long.length).toBe(30 + 5 + 30)
  })
})
