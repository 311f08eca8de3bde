// Record formatting for `faecie consume` (kafka-console-consumer's text layout and the JSON lines),
// separator escapes, and the rule that only `faecie broker` loads the broker, lazily.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ConsumedMessage } from '@faecie/client'
import { unescapeSeparator } from './args.js'
import { TEXT_DEFAULTS, formatJson, formatRaw, formatText } from './format.js'

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
  const plain = TEXT_DEFAULTS

  it('prints the value alone by default, and the fields asked for in Kafka\'s order', () => {
    expect(formatText(message, plain)).toBe('{"total":3}')
    expect(formatText(message, { ...plain, printKey: true })).toBe('o-1\t{"total":3}')
    expect(formatText(message, { ...plain, printKey: true, printOffset: true, printPartition: true, printTimestamp: true, keySeparator: ' => ' }))
      .toBe('CreateTime:1700000000000\tPartition:2\tOffset:41\to-1 => {"total":3}')
  })

  it('prints null for a null key or value', () => {
    expect(formatText({ ...message, key: null, value: null }, { ...plain, printKey: true })).toBe('null\tnull')
  })

  it('prints the headers before the key, as Kafka\'s print.headers does, with its separators', () => {
    expect(formatText(message, { ...plain, printHeaders: true, printKey: true })).toBe('source:web,trace:a,trace:null\to-1\t{"total":3}')
    expect(formatText(message, { ...plain, printHeaders: true, headersSeparator: ';', headersKeySeparator: '=' })).toBe('source=web;trace=a;trace=null\t{"total":3}')
    expect(formatText({ ...message, headers: {} }, { ...plain, printHeaders: true })).toBe('NO_HEADERS\t{"total":3}')
  })
})

describe('formatJson', () => {
  const encodings = { key: 'string', value: 'string', header: 'string' } as const

  it('prints {topic, partition, offset, timestamp, key, keyEncoding, value, valueEncoding, headers: [{key, value}]}', () => {
    expect(JSON.parse(formatJson(message))).toEqual({
      topic: 'orders', partition: 2, offset: 41, timestamp: 1_700_000_000_000,
      key: 'o-1', keyEncoding: 'string', value: '{"total":3}', valueEncoding: 'string',
      headers: [{ key: 'source', value: 'web' }, { key: 'trace', value: 'a' }, { key: 'trace', value: null }],
    })
    expect(JSON.parse(formatJson({ ...message, key: null, headers: {} }))).toMatchObject({ key: null, keyEncoding: 'string', headers: [] })
  })

  it('gives bytes that are not UTF-8 as base64 and says so, never as U+FFFD', () => {
    const binary = { ...message, key: new Uint8Array([0xff, 0x00]), value: new Uint8Array([0xc3, 0x28]), headers: { raw: new Uint8Array([0x80]), ok: bytes('yes') } }
    const record = JSON.parse(formatJson(binary, encodings)) as Record<string, unknown>
    expect(record).toMatchObject({
      key: '/wA=', keyEncoding: 'base64', value: 'wyg=', valueEncoding: 'base64',
      headers: [{ key: 'raw', value: 'gA==', valueEncoding: 'base64' }, { key: 'ok', value: 'yes' }],
    })
    expect(JSON.stringify(record)).not.toContain('\ufffd')
  })

  it('writes keys, values and headers in the encodings asked for', () => {
    const record = JSON.parse(formatJson(message, { key: 'hex', value: 'json', header: 'base64' })) as Record<string, unknown>
    expect(record).toMatchObject({
      key: '6f2d31', keyEncoding: 'hex', value: { total: 3 }, valueEncoding: 'json',
      headers: [{ key: 'source', value: 'd2Vi' }, { key: 'trace', value: 'YQ==' }, { key: 'trace', value: null }],
    })
    // A value that is not JSON, asked for as json, comes as base64.
    expect(JSON.parse(formatJson({ ...message, value: bytes('plain') }, { ...encodings, value: 'json' }))).toMatchObject({ value: 'cGxhaW4=', valueEncoding: 'base64' })
  })
})

describe('formatRaw', () => {
  it('gives the value\'s bytes as stored, and nothing for a null value', () => {
    const value = new Uint8Array([0, 255, 10, 13])
    expect(formatRaw({ ...message, value })).toBe(value)
    expect(formatRaw({ ...message, value: null })).toEqual(new Uint8Array(0))
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
