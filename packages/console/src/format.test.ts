// How the console writes times (with their time zone), axis ticks and rates.
import { describe, expect, it } from 'vitest'
import { axisTicks, formatRate, formatTimestamp, utcOffset } from './format.js'

describe('formatTimestamp', () => {
  const ms = Date.UTC(2026, 11, 1, 10, 5, 3, 7)

  it('says UTC in UTC', () => {
    expect(formatTimestamp(ms, 'utc')).toBe('2026-12-01 10:05:03.007 UTC')
  })

  it('gives local time with its offset from UTC, which names the same instant', () => {
    const local = formatTimestamp(ms, 'local')
    const match = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) ([+-])(\d\d):(\d\d)$/.exec(local)
    expect(match, local).not.toBeNull()
    const [, y, mo, d, h, mi, s, milli, sign, oh, om] = match!
    const offsetMs = (sign === '+' ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60_000
    expect(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, +milli!) - offsetMs).toBe(ms)
  })

  it('shows a dash for no time', () => {
    expect(formatTimestamp(-1, 'utc')).toBe('–')
  })
})

describe('utcOffset', () => {
  it('writes minutes east of UTC as ±hh:mm', () => {
    expect(utcOffset(0)).toBe('+00:00')
    expect(utcOffset(60)).toBe('+01:00')
    expect(utcOffset(-330)).toBe('-05:30')
  })
})

describe('axisTicks', () => {
  it('runs from 0 to a round number at or above the maximum', () => {
    expect(axisTicks(0)).toEqual([0, 0.5, 1])
    expect(axisTicks(437)).toEqual([0, 200, 400, 600])
    expect(axisTicks(1_000)).toEqual([0, 500, 1000])
    expect(axisTicks(12_345_678)).toEqual([0, 5e6, 10e6, 15e6])
  })

  it('always covers the maximum', () => {
    for (const max of [1, 3, 7, 99, 101, 4999, 5001, 123456]) {
      const ticks = axisTicks(max)
      expect(ticks[0]).toBe(0)
      expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max)
      expect(ticks.length).toBeLessThanOrEqual(6)
    }
  })
})

describe('formatRate', () => {
  it('writes records and bytes per second with their units', () => {
    expect(formatRate(0, 'records')).toBe('0/s')
    expect(formatRate(1500, 'records')).toBe('1.5k/s')
    expect(formatRate(2_000_000, 'records')).toBe('2M/s')
    expect(formatRate(3 * 1024 * 1024, 'bytes')).toBe('3 MiB/s')
    expect(formatRate(512, 'bytes')).toBe('512 B/s')
  })
})
