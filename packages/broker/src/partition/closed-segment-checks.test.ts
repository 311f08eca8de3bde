// The background check of closed segments: one segment at a time, paced by the bytes it verified
// (driven here by a manual timer, never by waiting), the active segment left alone, failures handed
// on with the partition and the segment.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeTempDir, removeTempDir } from '../../../../test/support/temp-dir.js'
import { silentLogger } from '../log.js'
import type { SegmentToVerify } from '../tasks/verify-segments-task.js'
import type { SegmentVerification } from '../tasks/verify-segments.js'
import { ClosedSegmentChecks } from './closed-segment-checks.js'

let dir: string

beforeEach(() => {
  dir = makeTempDir('checks')
  for (const base of [0, 100, 250, 400]) writeFileSync(join(dir, `${String(base).padStart(20, '0')}.log`), '')
  writeFileSync(join(dir, 'recovery-point'), '1\n400\n')
})

afterEach(() => removeTempDir(dir))

function harness(bad: Set<number> = new Set()) {
  const verified: SegmentToVerify[] = []
  const timers: { run: () => void; delayMs: number }[] = []
  const damaged: [string, number, string][] = []
  const checks = new ClosedSegmentChecks({
    bytesPerSecondMax: 1000,
    logger: silentLogger(),
    verify: async (segment) => {
      verified.push(segment)
      const result: SegmentVerification = { file: segment.path, batches: 1, bytesVerified: 500 }
      return bad.has(segment.baseOffset) ? { ...result, problem: { position: 61, what: 'bad-crc' } } : result
    },
    onDamaged: (key, baseOffset, problem) => damaged.push([key, baseOffset, problem]),
    setTimer: (run, delayMs) => {
      timers.push({ run, delayMs })
      return () => undefined
    },
  })
  /** Lets the verify promise settle, then fires the pacing timer it set. */
  const step = async (): Promise<void> => {
    for (let i = 0; i < 5 && timers.length === 0; i++) await Promise.resolve()
    timers.shift()!.run()
  }
  return { checks, verified, timers, damaged, step }
}

describe('background checks of closed segments', () => {
  it('verifies every closed segment once, one at a time, waiting bytes / rate between them', async () => {
    const { checks, verified, timers, step } = harness()
    checks.enqueue('t-0', dir)
    checks.enqueue('t-0', dir) // queued once only
    expect(verified.map((s) => [s.baseOffset, s.nextBaseOffset])).toEqual([[0, 100]])
    await step()
    expect(verified).toHaveLength(2)
    await step()
    expect(verified.map((s) => s.baseOffset)).toEqual([0, 100, 250])
    for (let i = 0; i < 5 && timers.length === 0; i++) await Promise.resolve()
    expect(timers.map((t) => t.delayMs)).toEqual([500]) // 500 bytes at 1000 bytes/s
    timers.shift()!.run()
    expect(verified).toHaveLength(3) // the active segment (base 400) is never verified
    expect(checks.pending).toBe(0)
  })

  it('hands a failing segment on with its partition', async () => {
    const { checks, damaged, step } = harness(new Set([100]))
    checks.enqueue('t-0', dir)
    await step()
    await step()
    expect(damaged).toEqual([['t-0', 100, 'bad-crc at byte 61']])
  })

  it('verifies nothing after close', async () => {
    const { checks, verified } = harness()
    checks.close()
    checks.enqueue('t-0', dir)
    expect(verified).toEqual([])
  })
})
