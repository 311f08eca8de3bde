// Produce / consume rates from the `stats` op's series: per second, each point over its interval,
// the last (still filling) point over the time it has covered so far (at least a second, so a
// point a moment old does not read as a spike).
import type { BrokerStats } from './client.js'

export type SeriesField = 'recordsIn' | 'recordsOut' | 'bytesIn' | 'bytesOut'

export function seriesRates(stats: Pick<BrokerStats, 'intervalMs' | 'series'>, field: SeriesField, nowMs = Date.now()): number[] {
  return stats.series.map((point, i) => {
    const last = i === stats.series.length - 1
    const coveredMs = last ? Math.min(stats.intervalMs, Math.max(1_000, nowMs - point.atMs)) : stats.intervalMs
    return coveredMs > 0 ? (point[field] * 1000) / coveredMs : 0
  })
}
