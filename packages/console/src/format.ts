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

export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const d = new Date(ms)
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
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
