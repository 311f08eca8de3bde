// Reading path and query parameters and JSON bodies: every value checked, every problem an
// INVALID_REQUEST naming the parameter (answered 400), never a crash.
import { invalidInput } from './errors.js'

export type Query = Record<string, unknown>

/** An integer parameter within [min, max], or `fallback` when absent. */
export function intParam(name: string, raw: unknown, range: { min: number; max: number }, fallback?: number): number {
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback
    throw invalidInput(name, 'required')
  }
  const text = typeof raw === 'number' ? String(raw) : raw
  if (typeof text !== 'string' || !/^-?\d{1,16}$/.test(text)) throw invalidInput(name, `expected an integer, got ${JSON.stringify(raw)}`)
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw invalidInput(name, `expected an integer from ${range.min} to ${range.max}, got ${text}`)
  }
  return value
}

/** A string parameter, or undefined. Repeated query parameters are refused. */
export function stringParam(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw invalidInput(name, 'expected a single string')
  return raw
}

/** The JSON body as an object. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidInput('body', 'expected a JSON object (Content-Type: application/json)')
  }
  return body as Record<string, unknown>
}

/** Where a read or a tail starts: an offset, or `earliest` / `latest`. */
export type StartOffset = number | 'earliest' | 'latest'

export function startOffsetParam(name: string, raw: unknown, fallback: StartOffset): StartOffset {
  if (raw === undefined || raw === '') return fallback
  if (raw === 'earliest' || raw === 'latest') return raw
  return intParam(name, raw, { min: 0, max: Number.MAX_SAFE_INTEGER })
}
