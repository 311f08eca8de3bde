// The pure parts of `faecie perf fanout`: the record stamp, how subscribers are spread over
// processes, and the merge of the children's histograms and lags into the one result.
import { describe, expect, it } from 'vitest'
import { defaultFanoutProcesses, fanoutLine, fanoutResult, splitSubscribers } from './fanout.js'
import { FANOUT_STAMP_BYTES, WARMUP_INDEX, encodeHistogram, fanoutStampOf, mergeHistograms, stampFanout, type ChildReport } from './fanout-wire.js'
import { latencyHistogram } from './result.js'

function report(valuesUs: number[], extra: Partial<ChildReport> = {}): ChildReport {
  const h = latencyHistogram()
  for (const v of valuesUs) h.recordValue(v)
  return { subscribers: 1, delivered: valuesUs.length, lagMaxRecords: 0, lagAtEndRecords: 0, lastDeliveryMs: 0, histogram: encodeHistogram(h), ...extra }
}

describe('fanout stamp', () => {
  it('carries the wall-clock send time and the index, and ignores values too short', () => {
    const value = new Uint8Array(100)
    stampFanout(value.subarray(10), 1_796_000_000_123.456, 41)
    expect(fanoutStampOf(value.subarray(10))).toEqual({ sentMs: 1_796_000_000_123.456, index: 41 })
    stampFanout(value, 1, WARMUP_INDEX)
    expect(fanoutStampOf(value)?.index).toBe(WARMUP_INDEX)
    expect(fanoutStampOf(new Uint8Array(FANOUT_STAMP_BYTES - 1))).toBeUndefined()
  })
})

describe('subscribers over processes', () => {
  it('spreads them evenly, the first processes taking the remainder, never more processes than subscribers', () => {
    expect(splitSubscribers(10_000, 4)).toEqual([2500, 2500, 2500, 2500])
    expect(splitSubscribers(10, 3)).toEqual([4, 3, 3])
    expect(splitSubscribers(2, 4)).toEqual([1, 1])
    expect(defaultFanoutProcesses(20)).toBe(1)
    expect(defaultFanoutProcesses(2501)).toBe(2)
    expect(defaultFanoutProcesses(100_000)).toBe(4)
  })
})

describe('merging the children', () => {
  it('merges histograms so that percentiles are over every value of every process', () => {
    const merged = mergeHistograms([report(Array(98).fill(1000)).histogram, report([5000, 9000]).histogram])
    expect(merged.totalCount).toBe(100)
    expect(merged.getValueAtPercentile(50)).toBeGreaterThanOrEqual(999)
    expect(merged.getValueAtPercentile(50)).toBeLessThanOrEqual(1001)
    expect(merged.maxValue).toBeGreaterThanOrEqual(8990)
    expect(mergeHistograms([]).totalCount).toBe(0)
  })

  it('adds the deliveries, takes the worst lag and the last delivery, and prints the keys in order', () => {
    const a = report(Array(200).fill(2000), { subscribers: 2, lagMaxRecords: 3, lastDeliveryMs: 1500 })
    const b = report(Array(100).fill(4000), { lagMaxRecords: 7, lagAtEndRecords: 1, lastDeliveryMs: 2000 })
    const r = fanoutResult({ records: 100, subscribers: 3, recordBytes: 100 }, [a, b], 1000, 2100)
    expect(r).toMatchObject({ records: 100, delivered: 300, recordsPerSec: 300, slowestLagRecords: 7, lagAtEndRecords: 1, subscribers: 3 })
    expect(r.maxMs).toBeCloseTo(4, 1)
    expect(r.p50Ms).toBeCloseTo(2, 2)
    expect(Object.keys(JSON.parse(fanoutLine(r)))).toEqual(['records', 'delivered', 'recordsPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'maxMs', 'slowestLagRecords', 'subscribers'])
  })
})
