// Command-line parsing (args.ts): negative numbers as values, "did you mean" for an unknown flag,
// and Kafka-style --property names checked against what a command knows.
import { describe, expect, it } from 'vitest'
import { UsageError, parseFlags, propertyFlag } from './args.js'

const OPTIONS = { throughput: { type: 'string' }, topic: { type: 'string' }, property: { type: 'string', multiple: true } } as const

describe('parseFlags', () => {
  it('takes a negative number as the value of a flag, as --throughput -1', () => {
    expect(parseFlags(['--throughput', '-1', '--topic', 't'], OPTIONS).integer('throughput', -1)).toBe(-1)
    expect(parseFlags(['--throughput=-1'], OPTIONS).string('throughput')).toBe('-1')
  })

  it('suggests the flag meant by a mistyped one', () => {
    expect(() => parseFlags(['--topc', 't'], OPTIONS)).toThrow(/Unknown option '--topc' \(did you mean --topic\?\)/)
    expect(() => parseFlags(['--brokr', 'x'], OPTIONS)).toThrow(/did you mean --broker\?/)
    expect(() => parseFlags(['--zzzzzz'], OPTIONS)).toThrow(/^Unknown option '--zzzzzz'$/)
  })
})

describe('properties', () => {
  it('reads known --property names, refusing others with a suggestion', () => {
    const flags = parseFlags(['--property', 'print.key=true', '--property', 'key.separator=,'], OPTIONS)
    expect(flags.properties(['print.key', 'key.separator'])).toEqual({ 'print.key': 'true', 'key.separator': ',' })
    expect(() => parseFlags(['--property', 'print.kye=true'], OPTIONS).properties(['print.key'])).toThrow(/unknown --property print.kye \(did you mean "print.key"\?\)/)
  })

  it('takes true or false for a boolean property', () => {
    expect(propertyFlag({ 'print.key': 'true' }, 'print.key')).toBe(true)
    expect(propertyFlag({ 'print.key': 'false' }, 'print.key')).toBe(false)
    expect(propertyFlag({}, 'print.key')).toBeUndefined()
    expect(() => propertyFlag({ 'print.key': 'yes' }, 'print.key')).toThrow(UsageError)
  })
})
