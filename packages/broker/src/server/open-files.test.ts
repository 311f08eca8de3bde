// The open-files check at start-up: /proc/self/limits parsed, and a warning when the limits could pass it.
import { describe, expect, it } from 'vitest'
import { OPEN_FILES_MARGIN, openFilesLimit, openFilesProblem, parseOpenFilesLimit } from './open-files.js'

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

describe('open files', () => {
  it('reads the soft limit of /proc/self/limits', () => {
    expect(parseOpenFilesLimit(PROC_LIMITS)).toBe(1024)
    expect(parseOpenFilesLimit(PROC_LIMITS.replace('1024 ', 'unlimited '))).toBeUndefined()
    expect(parseOpenFilesLimit('')).toBeUndefined()
    if (process.platform === 'linux') expect(openFilesLimit()).toBeGreaterThan(0)
  })

  it('warns when partitions and connections could pass the limit', () => {
    expect(openFilesProblem(undefined, 10_000, 2304)).toBeUndefined()
    expect(openFilesProblem(10_000 + 2304 + OPEN_FILES_MARGIN, 10_000, 2304)).toBeUndefined()
    expect(openFilesProblem(1024, 10_000, 2304)).toMatch(/open files limit \(1024.*partitionsMax \(10000\).*connectionsMax \(2304\)/)
  })
})
