// The message browser's export: the loaded records as JSON lines, one object per record in the
// shape `faecie consume --format json` writes (and with the same encodings from @faecie/protocol,
// so no byte is lost: a key or value that is not UTF-8 comes as base64 and says so):
//   {"topic","partition","offset","timestamp","key","keyEncoding","value","valueEncoding",
//    "headers":[{"key","value"}]}
import { fieldToText } from '@faecie/protocol'
import type { BrowsedRecord } from './fetch.js'

export function recordsAsJsonLines(topic: string, records: readonly BrowsedRecord[]): string {
  return records.map((r) => {
    const key = fieldToText(r.key, 'string')
    const value = fieldToText(r.value, 'string')
    const headers = r.headers.map((h) => {
      const field = fieldToText(h.value, 'string')
      return field.encoding === 'string' ? { key: h.key, value: field.value } : { key: h.key, value: field.value, valueEncoding: field.encoding }
    })
    return `${JSON.stringify({
      topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp,
      key: key.value, keyEncoding: key.encoding, value: value.value, valueEncoding: value.encoding, headers,
    })}\n`
  }).join('')
}

/** A file name for the export: the topic and the time, safe on every file system. */
export function exportFileName(topic: string, nowMs: number): string {
  return `${topic}-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.jsonl`
}

/** Hands the text to the browser as a download. */
export function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
