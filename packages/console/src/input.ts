// What people type into the console's forms, checked and parsed: config lines (`key=value`),
// header lines (`name: value`), start offsets and times. Each throws a RangeError or Error that
// names the bad line or value; the form shows it.

/** `key=value` lines into a config map; blank lines and `#` comments are skipped. */
export function parseConfigLines(text: string): Record<string, string> {
  const config: Record<string, string> = {}
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`Config line ${i + 1} is not key=value: ${line}`)
    config[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return config
}

/** `name: value` (or `name=value`) lines into an ordered header list; a name may repeat. */
export function parseHeaderLines(text: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = []
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '') continue
    const at = line.search(/[:=]/)
    if (at <= 0) throw new Error(`Header line ${i + 1} is not "name: value": ${line}`)
    out.push({ key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() })
  }
  return out
}

export function parseOffset(text: string, what = 'Offset'): number {
  const offset = Number(text.trim())
  if (text.trim() === '' || !Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`${what} must be a whole number >= 0, not "${text}".`)
  return offset
}

/** Milliseconds since the epoch, or a date and time as Date.parse reads it (ISO 8601: 2026-12-01T10:00). */
export function parseTime(text: string): number {
  const trimmed = text.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed)
  if (trimmed === '' || !Number.isFinite(ms)) throw new RangeError(`Not a time: "${text}" (use 2026-12-01T10:00 or milliseconds since the epoch).`)
  return ms
}
