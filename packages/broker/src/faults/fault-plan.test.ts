// The fault plan file (fault-plan.ts) as parsed, and as each thread's watcher follows it
// (fault-watcher.ts): a new plan is taken when the file changes, a bad one is refused with the plan
// before it kept, a missing file is the empty plan. The `--fault-injection` flag (server/config.ts):
// a flag only, made absolute, refused when NODE_ENV=production.
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/test-support.js'
import { parseBrokerArgs, UsageError } from '../server/config.js'
import { CLOCK_OFFSET_MS_MAX, EMPTY_FAULT_PLAN, FAULT_PLAN_BYTES_MAX, FSYNC_DELAY_MS_MAX, parseFaultPlan } from './fault-plan.js'
import { FaultPlanWatcher } from './fault-watcher.js'
import { waitFor } from '../../../../test/support/wait-for.js'
import { recordingLogger } from './test-logger.js'

describe('parseFaultPlan', () => {
  it('takes every key, each optional, and fills the rest from the empty plan', () => {
    expect(parseFaultPlan('{}')).toEqual({ ok: true, plan: EMPTY_FAULT_PLAN })
    expect(parseFaultPlan('{"fsyncDelayMs": 250, "fsyncError": "EIO", "writeError": "ENOSPC", "clockOffsetMs": -5000}'))
      .toEqual({ ok: true, plan: { fsyncDelayMs: 250, fsyncError: 'EIO', writeError: 'ENOSPC', clockOffsetMs: -5000 } })
    expect(parseFaultPlan('{"writeError": "EIO", "fsyncError": null}')).toEqual({ ok: true, plan: { ...EMPTY_FAULT_PLAN, writeError: 'EIO' } })
    expect(parseFaultPlan(`{"fsyncDelayMs": ${FSYNC_DELAY_MS_MAX}, "clockOffsetMs": ${CLOCK_OFFSET_MS_MAX}}`).ok).toBe(true)
  })

  it.each([
    ['{"fsyncDelayMs": 2', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"fsyncDelayMs": -1}', 'fsyncDelayMs'],
    ['{"fsyncDelayMs": 1.5}', 'fsyncDelayMs'],
    [`{"fsyncDelayMs": ${FSYNC_DELAY_MS_MAX + 1}}`, 'fsyncDelayMs'],
    ['{"fsyncDelayMs": "10"}', 'fsyncDelayMs'],
    ['{"fsyncError": "ENOSPC"}', 'fsyncError'],
    ['{"writeError": "EROFS"}', 'writeError'],
    ['{"writeError": true}', 'writeError'],
    [`{"clockOffsetMs": ${CLOCK_OFFSET_MS_MAX + 1}}`, 'clockOffsetMs'],
    ['{"clockOffsetMs": null}', 'clockOffsetMs'],
    ['{"fsyncDelay": 10}', 'unknown key "fsyncDelay"'],
  ])('refuses %s, naming the problem', (text, problem) => {
    const parsed = parseFaultPlan(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.problem).toContain(problem)
  })
})

describe('FaultPlanWatcher', () => {
  let dir: string
  let cleanup: () => void
  let file: string
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir('faecie-faults-'))
    file = join(dir, 'plan.json')
  })
  afterEach(() => cleanup())

  /** As the nemesis writes it: a temporary file renamed over the plan. */
  function writePlan(text: string): void {
    writeFileSync(`${file}.tmp`, text)
    renameSync(`${file}.tmp`, file)
  }

  it('follows the file: missing is the empty plan, each new plan is taken, removal clears it', () => {
    const { logger } = recordingLogger()
    const watcher = new FaultPlanWatcher({ path: file, logger })
    expect(watcher.checkNow()).toEqual(EMPTY_FAULT_PLAN)
    expect(watcher.version).toBe(0)
    writePlan('{"writeError": "ENOSPC"}')
    expect(watcher.checkNow()).toEqual({ ...EMPTY_FAULT_PLAN, writeError: 'ENOSPC' })
    expect(watcher.version).toBe(1)
    expect(watcher.checkNow()).toEqual({ ...EMPTY_FAULT_PLAN, writeError: 'ENOSPC' })
    expect(watcher.version).toBe(1)
    writePlan('{"writeError": "ENOSPC", "fsyncDelayMs": 10}')
    expect(watcher.checkNow().fsyncDelayMs).toBe(10)
    expect(watcher.version).toBe(2)
    rmSync(file)
    expect(watcher.checkNow()).toEqual(EMPTY_FAULT_PLAN)
    expect(watcher.version).toBe(3)
  })

  it('keeps the plan before a malformed or oversized file, warning once per bad file', () => {
    const { logger, lines } = recordingLogger()
    const watcher = new FaultPlanWatcher({ path: file, logger })
    writePlan('{"fsyncError": "EIO"}')
    expect(watcher.checkNow().fsyncError).toBe('EIO')
    writePlan('{"fsyncError": ')
    expect(watcher.checkNow().fsyncError).toBe('EIO')
    expect(watcher.checkNow().fsyncError).toBe('EIO')
    const refusals = lines.filter((l) => l.msg.includes('fault plan refused'))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]!.fields).toMatchObject({ problem: expect.stringContaining('not JSON'), kept: { fsyncError: 'EIO' } })
    writePlan(JSON.stringify({ fsyncError: null, padding: 'x'.repeat(FAULT_PLAN_BYTES_MAX) }))
    expect(watcher.checkNow().fsyncError).toBe('EIO')
    expect(lines.filter((l) => l.msg.includes('fault plan refused')).at(-1)!.fields.problem).toContain(`more than ${FAULT_PLAN_BYTES_MAX}`)
    writePlan('{"fsyncError": null}')
    expect(watcher.checkNow()).toEqual(EMPTY_FAULT_PLAN)
  })

  it('polls by itself once started, and stops', async () => {
    const { logger } = recordingLogger()
    const watcher = new FaultPlanWatcher({ path: file, logger, pollMs: 5 }).start()
    try {
      writePlan('{"clockOffsetMs": 1000}')
      await waitFor('the watcher to take the new plan by itself', () => watcher.plan.clockOffsetMs === 1000)
    } finally {
      watcher.stop()
    }
  })
})

describe('--fault-injection', () => {
  const nodeEnv = process.env.NODE_ENV
  afterEach(() => {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  })

  it('is a flag, made absolute; without it there is none', () => {
    process.env.NODE_ENV = 'test'
    const config = parseBrokerArgs(['--fault-injection', 'plan.json'])
    expect(config !== 'help' && isAbsolute(config.faultInjection!)).toBe(true)
    const plain = parseBrokerArgs([])
    expect(plain !== 'help' && plain.faultInjection).toBeUndefined()
  })

  it('is refused when NODE_ENV=production, saying why', () => {
    process.env.NODE_ENV = 'production'
    expect(() => parseBrokerArgs(['--fault-injection', 'plan.json'])).toThrow(UsageError)
    expect(() => parseBrokerArgs(['--fault-injection', 'plan.json'])).toThrow(/refused when NODE_ENV=production/)
  })

  it('cannot come from --config', () => {
    const { dir, cleanup } = tempDir('faecie-faults-')
    try {
      const config = join(dir, 'config.json')
      writeFileSync(config, JSON.stringify({ faultInjection: join(dir, 'plan.json') }))
      expect(() => parseBrokerArgs(['--config', config])).toThrow(/unknown key faultInjection/)
    } finally {
      cleanup()
    }
  })
})
