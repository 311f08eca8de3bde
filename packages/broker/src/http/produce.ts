// POST /v1/topics/{topic}/records: JSON records encoded into one RecordBatch v2 per partition (the
// protocol's encoder) and appended with the `produce` op. A record goes to its `partition` when it
// names one, else by Kafka's partitioner: murmur2 of the key bytes for a keyed record (the same
// partition @faecie/client and Kafka clients pick), the topic's sticky partition for keyless ones
// (one partition per request, moving on to another for the next request). A topic that does not
// exist is made when the broker auto-creates topics (the metadata op does, as for any client).
// In a cluster (leadership.ts) keyless records go to a partition this broker leads (the sticky one
// when it does, else one of those it leads), and a request with a record for a partition led by
// another broker is answered 421 naming the leaders, before anything is appended.
import { DefaultPartitioner, FaecieError, RecordBatchEncoder, type RecordInput } from '@faecie/protocol'
import type { FastifyInstance } from 'fastify'
import { unknownTopicOrPartition } from '../gateway/context.js'
import { invalidInput, throwIfError } from './errors.js'
import { requireLedHere, withLeader } from './leadership.js'
import type { HttpApiContext, HttpSession } from './http-session.js'
import { bodyObject } from './params.js'
import { ENCODINGS, HEADER_ENCODINGS, encodeField, encodeHeaders, parseEncoding, type RecordEncodings } from './record-codec.js'

const ACKS_BY_NAME: Record<string, number> = { '0': 0, '1': 1, '-1': -1, all: -1, leader: 1, none: 0 }

interface PartitionedRecord {
  index: number
  partition: number
  input: RecordInput
}

export interface ProducedRecord {
  partition: number
  /** -1 when the partition's append failed (then `error` says why), or with acks 0. */
  offset: number
  error?: { code: number; name: string; message: string; retriable: boolean }
}

function parseAcks(raw: unknown): number {
  if (raw === undefined) return -1
  const acks = ACKS_BY_NAME[String(raw)]
  if (acks === undefined) throw invalidInput('acks', 'expected 0, 1, -1 or "all"')
  return acks
}

function parseRecord(raw: unknown, i: number, encodings: RecordEncodings, numPartitions: number, topic: string): { partition?: number; input: RecordInput } {
  const what = `records[${i}]`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidInput(what, 'expected an object {key?, value, headers?, partition?, timestamp?}')
  const r = raw as Record<string, unknown>
  if (!('value' in r)) throw invalidInput(`${what}.value`, 'required (null for a tombstone)')
  const input: RecordInput = { value: encodeField(`${what}.value`, r.value, encodings.value) }
  if (r.key !== undefined) input.key = encodeField(`${what}.key`, r.key, encodings.key)
  if (r.headers !== undefined) input.headers = encodeHeaders(`${what}.headers`, r.headers, encodings.header)
  if (r.timestamp !== undefined) {
    if (typeof r.timestamp !== 'number' || !Number.isSafeInteger(r.timestamp) || r.timestamp < 0) {
      throw invalidInput(`${what}.timestamp`, 'expected milliseconds since the epoch (an integer >= 0)')
    }
    input.timestamp = r.timestamp
  }
  if (r.partition === undefined || r.partition === null) return { input }
  if (typeof r.partition !== 'number' || !Number.isSafeInteger(r.partition) || r.partition < 0) {
    throw invalidInput(`${what}.partition`, 'expected an integer >= 0')
  }
  if (r.partition >= numPartitions) throw unknownTopicOrPartition(topic, r.partition)
  return { partition: r.partition, input }
}

export async function registerProduceRoute(app: FastifyInstance, ctx: HttpApiContext): Promise<void> {
  const { sessions, limits } = ctx
  const partitioner = new DefaultPartitioner()
  const encoder = new RecordBatchEncoder()

  /** The sticky partition, or in a cluster one this broker leads when it leads any (the sticky one if it can). */
  const stickyLedHere = (topic: string, sticky: number, numPartitions: number): number => {
    const cluster = ctx.gateway.cluster
    if (cluster === undefined || cluster.isLeaderNow(topic, sticky)) return sticky
    const led: number[] = []
    for (let p = 0; p < numPartitions; p++) if (cluster.isLeaderNow(topic, p)) led.push(p)
    return led.length === 0 ? sticky : led[sticky % led.length]!
  }

  const partitionCount = async (session: HttpSession, topic: string): Promise<number> => {
    const metadata = (await sessions.run(session, 'metadata', { topics: [topic] }))!
    const meta = metadata.topics[0]!
    throwIfError(meta)
    return meta.partitions.length
  }

  app.post<{ Params: { topic: string } }>('/topics/:topic/records', { bodyLimit: limits.produceBodyBytesMax }, async (request, reply) => {
    const { topic } = request.params
    const body = bodyObject(request.body)
    const records = body.records
    if (!Array.isArray(records) || records.length === 0) throw invalidInput('records', 'expected a non-empty array of records')
    if (records.length > limits.produceRecordsMax) {
      throw invalidInput('records', `${records.length} records; at most ${limits.produceRecordsMax} in one request (produceRecordsMax)`)
    }
    const encodings: RecordEncodings = {
      key: parseEncoding('keyEncoding', body.keyEncoding, ENCODINGS, 'string'),
      value: parseEncoding('valueEncoding', body.valueEncoding, ENCODINGS, 'string'),
      header: parseEncoding('headerEncoding', body.headerEncoding, HEADER_ENCODINGS, 'string'),
    }
    const acks = parseAcks(body.acks)
    const session = sessions.open(reply)
    sessions.checkOpen()
    const numPartitions = await partitionCount(session, topic)

    const sticky = stickyLedHere(topic, partitioner.partition(topic, null, numPartitions), numPartitions)
    let usedSticky = false
    const placed: PartitionedRecord[] = records.map((raw: unknown, index) => {
      const { partition, input } = parseRecord(raw, index, encodings, numPartitions, topic)
      if (partition !== undefined) return { index, partition, input }
      if (input.key === undefined || input.key === null) {
        usedSticky = true
        return { index, partition: sticky, input }
      }
      return { index, partition: partitioner.partition(topic, input.key, numPartitions), input }
    })
    if (usedSticky) partitioner.nextBatch(topic, numPartitions)

    const byPartition = new Map<number, PartitionedRecord[]>()
    for (const r of placed) {
      let list = byPartition.get(r.partition)
      if (list === undefined) byPartition.set(r.partition, list = [])
      list.push(r)
    }
    requireLedHere(ctx.gateway, topic, [...byPartition.keys()].sort((a, b) => a - b))
    const partitions = [...byPartition.entries()].map(([partition, list]) => {
      encoder.encode(list.map((r) => r.input))
      return { partition, records: encoder.copy() }
    })
    const answer = await sessions.run(session, 'produce', { acks, topics: [{ topic, partitions }] })
    const results: ProducedRecord[] = new Array<ProducedRecord>(records.length)
    const partitionResults = answer?.topics[0]?.partitions ?? []
    for (const [partition, list] of byPartition) {
      const result = partitionResults.find((p) => p.partition === partition)
      list.forEach((r, i) => {
        if (result === undefined) results[r.index] = { partition, offset: -1 }
        else if (result.error !== undefined) results[r.index] = { partition, offset: -1, error: result.error }
        else results[r.index] = { partition, offset: result.baseOffset + i }
      })
    }
    if (answer === undefined) return reply.code(202).send({ topic, records: results })
    const failures = partitionResults.filter((p) => p.error !== undefined)
    // Every partition failed: the request failed, answered with the first partition's error.
    if (failures.length === partitionResults.length && failures.length > 0) {
      const first = failures[0]!.error!
      throw withLeader(ctx.gateway, topic, failures[0]!.partition, new FaecieError(first.code, first.message, { errorName: first.name, retriable: first.retriable }))
    }
    return { topic, records: results, partitions: partitionResults }
  })
}
