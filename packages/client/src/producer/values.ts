// The bulk produce path's input (`producer.sendValues`): many values for one topic, sharing one key
// (or none), one partition (or the partitioner's choice) and one timestamp, with no message object
// per record. Checked here once per call, before anything is appended; the values are then encoded
// straight into the partition's batch (RecordBatchBuilder.appendValues), whose bytes are those
// send() makes for the same records as `{ key, value }` messages.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { RECORD_OVERHEAD_BYTES } from './records.js'

export interface ProducerValues {
  topic: string
  /** The records' values, in order. The array may be reused once sendValues() returns. */
  values: readonly Uint8Array[]
  /** One key for every record (a string is sent as its UTF-8 bytes); default none. */
  key?: Uint8Array | string | null
  /** Send to this partition; default: by the key as send() would, else the sticky partition. */
  partition?: number
  /** Milliseconds since the epoch, for every record; default: the time of the call. */
  timestamp?: number
}

/** A checked sendValues() call: what the append loop needs. */
export interface ValuesPlan {
  key: Uint8Array | null
  partition: number | undefined
  timestamp: number
  /** The records' estimated size in all (what the buffer limit counts, as for send()). */
  totalBytes: number
}

const utf8 = new TextEncoder()

/** Checks a sendValues() call against a topic of `count` partitions; throws with nothing sent. */
export function checkValues(record: ProducerValues, count: number, nowMs: number): ValuesPlan {
  const { values, partition } = record
  if (partition !== undefined && !(Number.isSafeInteger(partition) && partition >= 0 && partition < count)) {
    throw new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${record.topic} has no partition ${String(partition)} (it has ${count}).`, { retriable: false })
  }
  const rawKey = record.key ?? null
  let key: Uint8Array | null
  if (rawKey === null || rawKey instanceof Uint8Array) key = rawKey
  else if (typeof rawKey === 'string') key = utf8.encode(rawKey)
  else throw new TypeError('sendValues() key must be a string, a Uint8Array or null')
  const timestamp = record.timestamp ?? nowMs
  if (!Number.isSafeInteger(timestamp)) throw new TypeError(`sendValues() timestamp must be an integer (ms), not ${String(record.timestamp)}`)
  const n = values.length
  let valueBytes = 0
  for (let i = 0; i < n; i++) {
    const value = values[i]
    if (!(value instanceof Uint8Array)) throw new TypeError(`sendValues() values[${i}] must be a Uint8Array`)
    valueBytes += value.length
  }
  const totalBytes = n * (RECORD_OVERHEAD_BYTES + (key === null ? 0 : key.length)) + valueBytes
  return { key, partition, timestamp, totalBytes }
}

/** The shape check done before waiting for anything (connecting, the partition count). */
export function checkValuesShape(record: ProducerValues): void {
  if (typeof record !== 'object' || record === null || typeof record.topic !== 'string' || record.topic === '' || !Array.isArray(record.values)) {
    throw new TypeError('sendValues() needs {topic, values: [Uint8Array, ...]}')
  }
}
