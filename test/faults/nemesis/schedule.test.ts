// The fault schedule (schedule.ts): a pure function of its seed, every possible kind over a long run,
// none the topology cannot do, the durations the issue asks for, never more than two brokers down.
import { describe, expect, it } from 'vitest'
import { FAULT_KINDS } from '../history/history.js'
import {
  BROKERS_DOWN_MAX, brokersDown, describeSchedule, faultClass, makeSchedule, possibleKinds, type ScheduleCapabilities, type ScheduleOptions,
} from './schedule.js'

const ALL: ScheduleCapabilities = { pairwise: true, oneWay: true, faultInjection: true }
const PROXY: ScheduleCapabilities = { pairwise: false, oneWay: false, faultInjection: true }
const SESSION_TIMEOUT_MS = 4000
const HOUR_MS = 3_600_000

const options = (seed: number, more: Partial<ScheduleOptions> = {}): ScheduleOptions =>
  ({ seed, durationMs: HOUR_MS, brokers: 3, can: ALL, sessionTimeoutMs: SESSION_TIMEOUT_MS, ...more })

describe('makeSchedule', () => {
  it('is a pure function of the seed: the same seed gives the same schedule, another seed another', () => {
    for (const seed of [0, 1, 42, 0xffffffff]) {
      expect(makeSchedule(options(seed))).toEqual(makeSchedule(options(seed)))
    }
    expect(makeSchedule(options(1))).not.toEqual(makeSchedule(options(2)))
    // A shorter run is the start of the longer one: a replay with fewer minutes sees the same first faults.
    const long = makeSchedule(options(7))
    const short = makeSchedule(options(7, { durationMs: 120_000 }))
    expect(short.length).toBeGreaterThan(0)
    expect(long.slice(0, short.length - 1)).toEqual(short.slice(0, -1))
  })

  it('has every kind over a long run, and none the topology cannot do', () => {
    for (const seed of [3, 99]) {
      expect(new Set(makeSchedule(options(seed)).map((f) => f.kind))).toEqual(new Set(FAULT_KINDS))
      const proxy = new Set(makeSchedule(options(seed, { can: PROXY })).map((f) => f.kind))
      expect(proxy).toEqual(new Set(possibleKinds(3, PROXY)))
      for (const kind of ['partition-majority', 'partition-brokers', 'partition-one-way'] as const) expect(proxy.has(kind)).toBe(false)
      const noHook = new Set(makeSchedule(options(seed, { can: { ...ALL, faultInjection: false } })).map((f) => f.kind))
      for (const kind of ['fsync-slow', 'fsync-fail', 'disk-full', 'clock-jump'] as const) expect(noHook.has(kind)).toBe(false)
      expect(noHook.has('kill')).toBe(true)
    }
  })

  it('every kind comes once before any comes twice (a short run still sees many kinds)', () => {
    const kinds = makeSchedule(options(5)).map((f) => f.kind)
    expect(new Set(kinds.slice(0, FAULT_KINDS.length)).size).toBe(FAULT_KINDS.length)
  })

  it('pauses short below the session timeout and long above it; clock jumps both ways by minutes', () => {
    const faults = [11, 12, 13].flatMap((seed) => makeSchedule(options(seed)))
    const short = faults.filter((f) => f.kind === 'pause-short')
    const long = faults.filter((f) => f.kind === 'pause-long')
    expect(short.length).toBeGreaterThan(0)
    expect(long.length).toBeGreaterThan(0)
    for (const f of short) expect(f.durationMs).toBeLessThan(SESSION_TIMEOUT_MS)
    for (const f of long) expect(f.durationMs).toBeGreaterThan(SESSION_TIMEOUT_MS)
    const jumps = faults.filter((f) => f.kind === 'clock-jump').map((f) => f.clockOffsetMs!)
    expect(jumps.some((ms) => ms < 0)).toBe(true)
    expect(jumps.some((ms) => ms > 0)).toBe(true)
    for (const ms of jumps) expect(ms % 60_000 === 0 && ms !== 0).toBe(true)
    for (const f of faults.filter((x) => x.kind === 'fsync-slow')) expect(f.fsyncDelayMs).toBeGreaterThan(0)
    for (const f of faults.filter((x) => x.kind === 'kill' || x.kind === 'kill-two')) expect(f.durationMs).toBeGreaterThan(0)
  })

  it('keeps at most two brokers down and one fault per class at any time, all healed before the tail', () => {
    for (const seed of [21, 22, 23]) {
      const faults = makeSchedule(options(seed, { brokers: 5 }))
      for (let i = 1; i < faults.length; i++) expect(faults[i]!.atMs).toBeGreaterThanOrEqual(faults[i - 1]!.atMs)
      for (const f of faults) {
        expect(f.atMs).toBeGreaterThanOrEqual(5_000)
        expect(f.atMs + f.durationMs).toBeLessThanOrEqual(HOUR_MS - 5_000)
        const active = faults.filter((g) => g.atMs <= f.atMs && f.atMs < g.atMs + g.durationMs)
        expect(active.reduce((sum, g) => sum + brokersDown(g.kind), 0)).toBeLessThanOrEqual(BROKERS_DOWN_MAX)
        expect(active.filter((g) => faultClass(g.kind) === faultClass(f.kind))).toEqual([f])
      }
      // Overlaps do happen (faults combined in time are the point).
      expect(faults.some((f, i) => i > 0 && f.atMs < faults[i - 1]!.atMs + faults[i - 1]!.durationMs)).toBe(true)
    }
  })

  it('refuses what it cannot schedule, and describes what it made', () => {
    expect(() => makeSchedule(options(-1))).toThrow(/uint32/)
    expect(() => makeSchedule(options(1.5))).toThrow(/uint32/)
    expect(() => makeSchedule(options(1, { brokers: 4 }))).toThrow(/3 or 5/)
    expect(() => makeSchedule(options(1, { sessionTimeoutMs: 500 }))).toThrow(/2000/)
    expect(makeSchedule(options(1, { durationMs: 8_000 }))).toEqual([])
    expect(describeSchedule(makeSchedule(options(1, { durationMs: 60_000 })))).toMatch(/^5\.0s \S+ for \d+ ms/)
  })
})
