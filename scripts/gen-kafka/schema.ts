// Kafka's message definitions (common/message/*.json in the kafka-clients jar) as the generator
// reads them: the JSON with its // comment lines stripped, version ranges parsed ("3+", "0-12",
// "none"), and each field's type classified.

export interface FieldSpec {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  flexibleVersions?: string
  fields?: FieldSpec[]
}

export interface MessageSpec {
  apiKey?: number
  type: 'request' | 'response' | 'header' | 'data'
  name: string
  validVersions: string
  flexibleVersions: string
  latestVersionUnstable?: boolean
  fields: FieldSpec[]
  commonStructs?: Array<{ name: string; versions: string; fields: FieldSpec[] }>
}

export interface VersionRange { min: number; max: number }

export const NO_VERSIONS: VersionRange = { min: 0, max: -1 }

export function parseVersions(text: string): VersionRange {
  const trimmed = text.trim()
  if (trimmed === 'none') return NO_VERSIONS
  if (trimmed.endsWith('+')) return { min: Number(trimmed.slice(0, -1)), max: 0x7fff }
  const [low, high] = trimmed.split('-')
  const min = Number(low)
  const max = high === undefined ? min : Number(high)
  if (!Number.isInteger(min) || !Number.isInteger(max)) throw new Error(`bad version range ${text}`)
  return { min, max }
}

/** The JSON text of a definition with Kafka's `//` comment lines removed, parsed. */
export function parseMessage(text: string): MessageSpec {
  const json = text.split('\n').filter((line) => !line.trim().startsWith('//')).join('\n')
  return JSON.parse(json) as MessageSpec
}

export const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid'])

export function elementType(type: string): string | undefined {
  return type.startsWith('[]') ? type.slice(2) : undefined
}

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1)
}

export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}
