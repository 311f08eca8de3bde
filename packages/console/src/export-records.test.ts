// The message browser's JSON-lines export (export-records.ts): one object per record, the shape of
// `faecie consume --format json`, no byte lost.
import { describe, expect, it } from 'vitest'
import { exportFileName, recordsAsJsonLines } from './export-records.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('recordsAsJsonLines', () => {
  it('writes one JSON object per line, base64 where the bytes are not UTF-8', () => {
    const lines = recordsAsJsonLines('orders', [
      { partition: 1, offset: 7, timestamp: 1_700_000_000_000, key: text('k'), value: text('{"a":1}'), headers: [{ key: 'h', value: text('v') }, { key: 'b', value: new Uint8Array([0xff]) }] },
      { partition: 0, offset: 0, timestamp: 1, key: null, value: new Uint8Array([0xc3, 0x28]), headers: [] },
    ])
    expect(lines.endsWith('\n')).toBe(true)
    expect(lines.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        topic: 'orders', partition: 1, offset: 7, timestamp: 1_700_000_000_000, key: 'k', keyEncoding: 'string', value: '{"a":1}', valueEncoding: 'string',
        headers: [{ key: 'h', value: 'v' }, { key: 'b', value: '/w==', valueEncoding: 'base64' }],
      },
      { topic: 'orders', partition: 0, offset: 0, timestamp: 1, key: null, keyEncoding: 'string', value: 'wyg=', valueEncoding: 'base64', headers: [] },
    ])
    expect(recordsAsJsonLines('t', [])).toBe('')
  })

  it('names the file after the topic and the time, without characters file systems refuse', () => {
    expect(exportFileName('orders', Date.UTC(2026, 11, 1, 10, 5, 3, 7))).toBe('orders-2026-12-01T10-05-03-007Z.jsonl')
  })
})
