// How the console writes numbers, sizes, durations, times and errors.
import { FaecieError } from '@faecie/client/browser'

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`
}

export function formatCount(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : '–'
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** retention.ms as people say it: "7d", "forever" for -1. */
export function formatRetentionMs(value: string | undefined): string {
  if (value === undefined) return '–'
  const ms = Number(value)
  if (ms < 0) return 'forever'
  return formatDuration(ms).replace(/ 0[hms]$/, '')
}

/** Where the console shows times: in UTC, or in the browser's own time zone. */
export type TimeZoneMode = 'utc' | 'local'

/**
 * A record time with its time zone, so it is never ambiguous: `2026-12-01 10:00:00.000 UTC`, or in
 * local time with the zone's offset from UTC, `2026-12-01 11:00:00.000 +01:00`.
 */
export function formatTimestamp(ms: number, zone: TimeZoneMode): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const d = new Date(ms)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  const utc = zone === 'utc'
  const date = `${utc ? d.getUTCFullYear() : d.getFullYear()}-${pad((utc ? d.getUTCMonth() : d.getMonth()) + 1)}-${pad(utc ? d.getUTCDate() : d.getDate())}`
  const time = `${pad(utc ? d.getUTCHours() : d.getHours())}:${pad(utc ? d.getUTCMinutes() : d.getMinutes())}:${pad(utc ? d.getUTCSeconds() : d.getSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  return `${date} ${time} ${utc ? 'UTC' : utcOffset(-d.getTimezoneOffset())}`
}

/** Minutes east of UTC as `+01:00` / `-05:30`. */
export function utcOffset(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+'
  const m = Math.abs(minutesEast)
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
}

/**
 * Round numbers for a chart's y-axis from 0 to at least `max`: `count` steps of 1, 2 or 5 times a
 * power of ten, so the labels read 0, 500, 1000 rather than 0, 437, 874.
 */
export function axisTicks(max: number, count = 4): number[] {
  const top = Math.max(max, 1)
  const raw = top / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!
  const steps = Math.ceil(top / step - 1e-9)
  return Array.from({ length: steps + 1 }, (_, i) => i * step)
}

/** A rate for an axis label: `1.5k/s`, `2M/s` (records), or bytes with binary units: `3 MiB/s`. */
export function formatRate(perSecond: number, unit: 'records' | 'bytes'): string {
  if (unit === 'bytes') return `${formatBytes(perSecond).replace(/\.0+ /, ' ')}/s`
  const abs = Math.abs(perSecond)
  const scaled = abs >= 1e6 ? `${trim(perSecond / 1e6)}M` : abs >= 1e3 ? `${trim(perSecond / 1e3)}k` : `${trim(perSecond)}`
  return `${scaled}/s`
}

function trim(n: number): string {
  return String(Number(n.toFixed(n < 10 ? 1 : 0)))
}

/** An error as a person reads it: the broker's code name and message, or the error's own message. */
export function describeError(err: unknown): { code?: string; message: string } {
  if (err instanceof FaecieError) return { code: `${err.errorName}`, message: err.message }
  if (err instanceof Error) return { code: err.name === 'Error' ? undefined : err.name, message: err.message } as { code?: string; message: string }
  return { message: String(err) }
}

/** Connection-level failures: the broker is unreachable, not the request wrong. */
export function isDisconnect(err: unknown): boolean {
  return err instanceof FaecieError && /NETWORK_EXCEPTION|REQUEST_TIMED_OUT|BROKER_NOT_AVAILABLE|DISCONNECTED|CONNECTION/.test(err.errorName)
}
