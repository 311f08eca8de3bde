// The shared field checks of the op validators in this folder. Each op's parse<Op>Request reads its
// frame through a FieldReader, which checks one field at a time and throws a FaecieError
// INVALID_REQUEST naming the field by its full path (`topics[0].partitions[2].offset`) and saying
// what was expected and what came; parseOp catches it and returns it as a Parsed failure, with the
// request's id so the receiver can answer it.
//
// The validators check types and ranges that no broker could accept (a negative partition, acks 2).
// Rules that depend on the broker's state or configuration (a topic name Kafka refuses, more
// partitions than allowed, a maxWaitMs over the limit) are the handler's, answered with the op's own
// error codes. Fields the validator does not know are ignored (a newer client may send more), and
// the parsed value is a fresh object holding only the known fields.
import { ErrorCode, FaecieError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'

/** The largest value of a signed 32-bit integer: partitions, counts and byte sizes stop here. */
export const INT32_MAX = 0x7fffffff

/** A config map: every key a string, every value a string (or nil where the op allows it). */
export type ConfigMap = Record<string, string>
export type ConfigChanges = Record<string, string | null>

export interface IntRange {
  min?: number
  max?: number
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

function describe(value: unknown): string {
  if (value === null) return 'nil'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Uint8Array) return 'bin'
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value)
  if (typeof value === 'number') return String(value)
  return `a ${typeof value}`
}

/** The INVALID_REQUEST error for a field. */
export function invalidField(path: string, expected: string, got: unknown): FaecieError {
  return new FaecieError(ErrorCode.INVALID_REQUEST, `Invalid field ${path}: expected ${expected}, got ${describe(got)}.`)
}

function rangeText(range: IntRange): string {
  const { min, max } = range
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`
  if (min !== undefined) return `an integer >= ${min}`
  if (max !== undefined) return `an integer <= ${max}`
  return 'an integer'
}

/** Reads the fields of one map, naming each by its path. */
export class FieldReader {
  constructor(
    private readonly map: Record<string, unknown>,
    private readonly path: string,
  ) {}

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`
  }

  has(key: string): boolean {
    return this.map[key] !== undefined && this.map[key] !== null
  }

  int(key: string, range: IntRange = {}): number {
    const value = this.map[key]
    const ok =
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max)
    if (!ok) throw invalidField(this.at(key), rangeText(range), value)
    return value
  }

  optionalInt(key: string, range: IntRange = {}): number | undefined {
    return this.has(key) ? this.int(key, range) : undefined
  }

  /** An integer that must be one of a few values (acks). */
  oneOf<T extends number>(key: string, allowed: readonly T[]): T {
    const value = this.map[key]
    if (!allowed.includes(value as T)) throw invalidField(this.at(key), `one of ${allowed.join(', ')}`, value)
    return value as T
  }

  str(key: string, options: { allowEmpty?: boolean } = {}): string {
    const value = this.map[key]
    if (typeof value !== 'string' || (value.length === 0 && options.allowEmpty !== true)) {
      throw invalidField(this.at(key), options.allowEmpty === true ? 'a string' : 'a non-empty string', value)
    }
    return value
  }

  optionalStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined
  }

  optionalBool(key: string): boolean | undefined {
    if (!this.has(key)) return undefined
    const value = this.map[key]
    if (typeof value !== 'boolean') throw invalidField(this.at(key), 'a boolean', value)
    return value
  }

  bin(key: string): Uint8Array {
    const value = this.map[key]
    if (!(value instanceof Uint8Array)) throw invalidField(this.at(key), 'bin (record batches)', value)
    return value
  }

  /** A nested map, read by `read`. */
  nested<T>(key: string, read: (fields: FieldReader) => T): T {
    const value = this.map[key]
    if (!isMap(value)) throw invalidField(this.at(key), 'a map', value)
    return read(new FieldReader(value, this.at(key)))
  }

  /** A non-empty array whose items are maps, each read by `each`. */
  maps<T>(key: string, each: (item: FieldReader, index: number) => T, options: { allowEmpty?: boolean } = {}): T[] {
    return this.array(key, options, (item, index, path) => {
      if (!isMap(item)) throw invalidField(path, 'a map', item)
      return each(new FieldReader(item, path), index)
    })
  }

  /** A non-empty array of non-empty strings. */
  strings(key: string, options: { allowEmpty?: boolean } = {}): string[] {
    return this.array(key, options, (item, _index, path) => {
      if (typeof item !== 'string' || item.length === 0) throw invalidField(path, 'a non-empty string', item)
      return item
    })
  }

  /** A non-empty array of distinct integers in `range`, at most `countMax` of them. */
  ints(key: string, range: IntRange, countMax: number): number[] {
    const out = this.array(key, {}, (item, _index, path) => {
      if (typeof item !== 'number' || !Number.isSafeInteger(item) || (range.min !== undefined && item < range.min) || (range.max !== undefined && item > range.max)) {
        throw invalidField(path, `an integer in [${range.min ?? '-inf'}, ${range.max ?? 'inf'}]`, item)
      }
      return item
    })
    if (out.length > countMax) throw invalidField(this.at(key), `at most ${countMax} items`, `${out.length} items`)
    if (new Set(out).size !== out.length) throw invalidField(this.at(key), 'distinct integers', out)
    return out
  }

  optionalStrings(key: string): string[] | undefined {
    return this.has(key) ? this.strings(key, { allowEmpty: true }) : undefined
  }

  /** A map of string keys to string values; with `allowNil`, a value may be nil (reset to default). */
  config(key: string, options: { allowNil: true }): ConfigChanges
  config(key: string, options?: { allowNil?: false }): ConfigMap
  config(key: string, options: { allowNil?: boolean } = {}): ConfigChanges {
    const value = this.map[key]
    if (!isMap(value)) throw invalidField(this.at(key), 'a map of strings', value)
    const out: ConfigChanges = {}
    for (const name of Object.keys(value)) {
      const item = value[name]
      if (typeof item === 'string' || (item === null && options.allowNil === true)) {
        out[name] = item
      } else {
        throw invalidField(`${this.at(key)}[${JSON.stringify(name)}]`, options.allowNil === true ? 'a string or nil' : 'a string', item)
      }
    }
    return out
  }

  optionalConfig(key: string): ConfigMap | undefined {
    return this.has(key) ? this.config(key) : undefined
  }

  private array<T>(key: string, options: { allowEmpty?: boolean }, each: (item: unknown, index: number, path: string) => T): T[] {
    const value = this.map[key]
    if (!Array.isArray(value) || (value.length === 0 && options.allowEmpty !== true)) {
      throw invalidField(this.at(key), options.allowEmpty === true ? 'an array' : 'a non-empty array', value)
    }
    const out: T[] = []
    for (let i = 0; i < value.length; i++) out.push(each(value[i], i, `${this.at(key)}[${i}]`))
    return out
  }
}

/**
 * Runs an op's field reader over a request frame (already through parseRequestEnvelope) and turns a
 * thrown FaecieError into a Parsed failure carrying the request's id. Anything else thrown is a bug
 * in the validator and propagates.
 */
export function parseOp<T>(frame: RequestFrame, read: (fields: FieldReader) => T): Parsed<T> {
  try {
    return { ok: true, value: read(new FieldReader(frame, '')) }
  } catch (err) {
    if (err instanceof FaecieError) return { ok: false, id: frame.id, error: err }
    throw err
  }
}

// Ranges used by several ops.
export const PARTITION_RANGE: IntRange = { min: 0, max: INT32_MAX }
export const OFFSET_RANGE: IntRange = { min: 0 }
export const BYTES_RANGE: IntRange = { min: 0, max: INT32_MAX }
export const MILLIS_RANGE: IntRange = { min: 0, max: INT32_MAX }
