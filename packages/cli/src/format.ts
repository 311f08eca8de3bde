// How `faecie consume` prints a record: `text` in kafka-console-consumer's layout (optional
// `CreateTime:`, `Partition:` and `Offset:` fields, the key, then the value, separated by tabs;
// a null key or value prints as `null`), or `json`, one object per line:
//   {"topic":"t","partition":0,"offset":0,"timestamp":1700000000000,"key":"k"|null,"value":"v"|null,
//    "headers":{"h":"v"}}
// Keys, values and header values are decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD).
import type { ConsumedMessage } from '@faecie/client'

export interface TextOptions {
  printKey: boolean
  printOffset: boolean
  printPartition: boolean
  printTimestamp: boolean
  /** Between the key and the value. */
  keySeparator: string
}

export interface JsonRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Record<string, string | null | Array<string | null>>
}

const decoder = new TextDecoder('utf-8')

export function utf8(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : decoder.decode(bytes)
}

export function formatText(message: ConsumedMessage, options: TextOptions): string {
  let line = ''
  if (options.printTimestamp) line += `CreateTime:${message.timestamp}\t`
  if (options.printPartition) line += `Partition:${message.partition}\t`
  if (options.printOffset) line += `Offset:${message.offset}\t`
  if (options.printKey) line += `${utf8(message.key) ?? 'null'}${options.keySeparator}`
  return line + (utf8(message.value) ?? 'null')
}

export function toJsonRecord(message: ConsumedMessage): JsonRecord {
  const headers: JsonRecord['headers'] = {}
  for (const [key, value] of Object.entries(message.headers)) {
    headers[key] = Array.isArray(value) ? value.map(utf8) : utf8(value)
  }
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: utf8(message.key),
    value: utf8(message.value),
    headers,
  }
}

export function formatJson(message: ConsumedMessage): string {
  return JSON.stringify(toJsonRecord(message))
}
