// The suite's process handling: a tool past its time bound is killed and reported as timed out;
// /proc's VmRSS line is read in bytes; output tails are kept short.
import { describe, expect, it } from 'vitest'
import { cpuMs, headAndTail, parseCpuMs, parseVmRss, rssBytes, runTool, tail } from './processes.js'

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

describe('cpuMs', () => {
  it('reads utime + stime after the command name, which may hold spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 5000 0 3 0 1234 56 0 0 20 0 11 0 100 0 0'
    expect(parseCpuMs(stat)).toBe((1234 + 56) * 10)
    expect(parseCpuMs('4242 (short)')).toBeUndefined()
  })
  it('grows as this process works', () => {
    const before = cpuMs(process.pid)!
    expect(before).toBeGreaterThan(0)
    // Spins (on purpose: CPU time must pass) until a clock tick is counted, for at most 10 s.
    const giveUpMs = performance.now() + 10_000
    let after = before
    while (after === before && performance.now() < giveUpMs) after = cpuMs(process.pid)!
    expect(after).toBeGreaterThan(before)
  })
})
