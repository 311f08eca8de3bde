// Record formatting for `faecie consume` (kafka-console-consumer's text layout and the JSON lines),
// separator escapes, and the rule that only `faecie broker` loads the broker, lazily.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ConsumedMessage } from '@faecie/client'
import { unescapeSeparator } from './args.js'
import { formatJson, formatText } from './format.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

const message: ConsumedMessage = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: bytes('o-1'),
  value: bytes('{"total":3}'),
  headers: { source: bytes('web'), trace: [bytes('a'), null] },
}

describe('formatText', () => {
  const plain = { printKey: false, printOffset: false, printPartition: false, printTimestamp: false, keySeparator: '\t' }

  it('prints the value alone by default, and the fields asked for in Kafka\'s order', () => {
    expect(formatText(message, plain)).toBe('{"total":3}')
    expect(formatText(message, { ...plain, printKey: true })).toBe('o-1\t{"total":3}')
    expect(formatText(message, { printKey: true, printOffset: true, printPartition: true, printTimestamp: true, keySeparator: ' => ' }))
      .toBe('CreateTime:1700000000000\tPartition:2\tOffset:41\to-1 => {"total":3}')
  })

  it('prints null for a null key or value', () => {
    expect(formatText({ ...message, key: null, value: null }, { ...plain, printKey: true })).toBe('null\tnull')
  })
})

describe('formatJson', () => {
  it('prints {topic, partition, offset, timestamp, key, value, headers} with UTF-8 text', () => {
    expect(JSON.parse(formatJson(message))).toEqual({
      topic: 'orders', partition: 2, offset: 41, timestamp: 1_700_000_000_000, key: 'o-1', value: '{"total":3}',
      headers: { source: 'web', trace: ['a', null] },
    })
    expect(JSON.parse(formatJson({ ...message, key: null, headers: {} }))).toMatchObject({ key: null, headers: {} })
  })
})

describe('unescapeSeparator', () => {
  it('understands \\t, \\n and \\\\', () => {
    expect(unescapeSeparator('\\t')).toBe('\t')
    expect(unescapeSeparator('a\\nb\\\\')).toBe('a\nb\\')
    expect(unescapeSeparator(':')).toBe(':')
  })
})

describe('imports', () => {
  it('loads @faecie/broker only in commands/broker.ts, through a dynamic import()', () => {
    const src = fileURLToPath(new URL('.', import.meta.url))
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    const loading = files.filter((f) => readFileSync(join(src, f), 'utf8').includes("'@faecie/broker'"))
    expect(loading).toEqual([join('commands', 'broker.ts')])
    const code = readFileSync(join(src, 'commands', 'broker.ts'), 'utf8')
    expect(code).toContain("await import('@faecie/broker')")
    expect(code).not.toMatch(/^import .*@faecie\/broker/m)
  })
})
