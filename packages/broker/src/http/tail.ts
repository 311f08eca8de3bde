// Live tail as Server-Sent Events: GET /v1/topics/{topic}/partitions/{partition}/tail follows one
// partition, GET /v1/topics/{topic}/tail every partition of the topic (up to tailPartitionsMax).
// Each is a set of `subscribe` subscriptions of an HTTP session (the broker pushes batches as they
// are appended, as to a WebSocket client) whose pushes are written as SSE:
//
//   event: open      data: {topic, partitions: [{partition, offset}]}   once subscribed: records
//                                                                        appended from now on arrive
//   event: record    id: PARTITION:OFFSET   data: a record (record-codec.ts JsonRecord)
//   event: error     data: {error}          the subscription ended (offset out of range, topic
//                                           deleted); the stream closes after it
//   event: shutdown  data: {reason}         the broker is stopping; the stream closes after it
//   `: heartbeat`    a comment every heartbeatMs, so proxies and clients see the stream alive
//
// A browser's EventSource reconnects with Last-Event-ID; a partition tail resumes after it when the
// request names no offset. Flow control: a stream's subscriptions read ahead at most tailCreditBytes
// and wait while the socket holds more than the broker's pushBufferedBytesMax unsent; a stream whose
// socket has bytes waiting and takes none for sessionQueuedMsMax (a client that stopped reading) is
// cut off, so it cannot hold its place among tailStreamsMax. The stream ends when the client goes, and every stream ends when the broker stops (before the HTTP server
// closes, so an open stream never holds up the broker's shutdown).
//
// In a cluster (leadership.ts): a partition tail on a broker that does not lead the partition is
// answered 421 with the leader's URL. A whole-topic tail follows the partitions this broker leads and
// names the others in its `open` event, `elsewhere: [{partition, leaderId, leaderUrl}]`, so the client
// can tail each at its leader (GET {leaderUrl}/v1/topics/{topic}/partitions/{partition}/tail); when
// it leads none of them, 421 naming them all.
import { ErrorCode, FaecieError, decodeBatches, type WireError } from '@faecie/protocol'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ServerResponse } from 'node:http'
import type { Reservation } from '../gateway/byte-budget.js'
import { throwIfError } from './errors.js'
import { MisdirectedError, partitionsLedElsewhere } from './leadership.js'
import type { HttpApiContext, HttpSession } from './http-session.js'
import { HEARTBEAT_MS_RANGE } from './limits.js'
import { intParam, startOffsetParam, type Query, type StartOffset } from './params.js'
import { PARTITION_PARAM_RANGE, readEncodings, resolveOffset, type PartitionParams } from './read.js'
import { recordToJson, type RecordEncodings } from './record-codec.js'

/** How long a browser's EventSource waits before reconnecting. */
const RECONNECT_MS = 3_000

/** One open SSE stream. */
class TailStream {
  readonly #raw: ServerResponse
  readonly #fromBySub = new Map<number, { partition: number; from: number }>()
  /** Pushes that came before the stream's headers were written. */
  #pending: Array<Record<string, unknown>> | undefined = []
  #heartbeat: NodeJS.Timeout | undefined
  #ended = false
  session: HttpSession | undefined

  constructor(reply: FastifyReply, readonly encodings: RecordEncodings, private readonly bufferedBytesMax: number,
    private readonly stall: { ms: number; cut(): void }) {
    this.#raw = reply.raw
  }

  get ended(): boolean {
    return this.#ended || this.#raw.destroyed
  }

  follow(sub: number, partition: number, from: number): void {
    this.#fromBySub.set(sub, { partition, from })
  }

  congested(): boolean {
    return this.#raw.writableLength > this.bufferedBytesMax
  }

  push(frame: Record<string, unknown>, held?: Reservation): void {
    // The records are turned into text and written out here and now: the read's budget comes back.
    held?.release()
    if (this.#pending !== undefined) {
      this.#pending.push(frame)
      return
    }
    if (this.ended) return
    const followed = this.#fromBySub.get(frame.sub as number)
    if (followed === undefined) return
    if (frame.error !== undefined) {
      this.#write('error', { error: frame.error as WireError, partition: followed.partition })
      this.end()
      return
    }
    const bytes = frame.records as Uint8Array
    let text = ''
    try {
      for (const batch of decodeBatches(bytes)) {
        if (batch.control) continue
        for (const record of batch.records) {
          if (record.offset < followed.from) continue
          text += event('record', recordToJson(followed.partition, record, this.encodings), `${followed.partition}:${record.offset}`)
          followed.from = record.offset + 1
        }
      }
    } catch (err) {
      // Never thrown back into the subscription's pump: the stream says why and ends.
      const error = err instanceof FaecieError ? err : new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, String(err))
      this.#raw.write(text)
      this.#write('error', { error: error.toWire(), partition: followed.partition })
      this.end()
      return
    }
    if (text !== '') this.#raw.write(text)
    // The push spent its bytes of credit; grant them back: the socket gate (congested) holds the rest.
    setImmediate(() => { if (!this.ended) this.session?.subscriptions.credit(frame.sub as number, bytes.length) })
  }

  /** Writes the headers and the `open` event, then what was pushed meanwhile. */
  start(open: object, heartbeatMs: number): void {
    this.#raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    this.#raw.write(`retry: ${RECONNECT_MS}\n\n`)
    this.#write('open', open)
    const pending = this.#pending ?? []
    this.#pending = undefined
    for (const frame of pending) this.push(frame)
    this.#heartbeat = setInterval(() => { if (!this.ended && !this.congested()) this.#raw.write(`: heartbeat ${Date.now()}\n\n`) }, heartbeatMs)
    // The socket saw no progress for stall.ms: cut it only if bytes wait (an idle stream is fine).
    this.#raw.setTimeout(this.stall.ms, () => {
      if (this.#raw.writableLength === 0) return
      this.stall.cut()
      this.#raw.destroy()
    })
    this.#raw.on('drain', () => this.session?.subscriptions.pumpAll())
  }

  /** Ends the stream, after a last event if one is given. */
  end(last?: { event: string; data: object }): void {
    if (this.#ended) return
    if (last !== undefined && this.#pending === undefined && !this.#raw.destroyed) this.#write(last.event, last.data)
    this.#ended = true
    this.cleanUp()
    if (!this.#raw.destroyed) this.#raw.end()
  }

  cleanUp(): void {
    clearInterval(this.#heartbeat)
    this.session?.subscriptions.closeAll()
  }

  #write(name: string, data: object): void {
    this.#raw.write(event(name, data))
  }
}

function event(name: string, data: object, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
}

/** Last-Event-ID `PARTITION:OFFSET` of this partition: resume after it. */
function resumeOffset(header: unknown, partition: number): number | undefined {
  if (typeof header !== 'string') return undefined
  const match = /^(\d+):(\d+)$/.exec(header.trim())
  if (match === null || Number(match[1]) !== partition) return undefined
  const offset = Number(match[2])
  return Number.isSafeInteger(offset) ? offset + 1 : undefined
}

export class TailStreams {
  readonly #open = new Set<TailStream>()

  constructor(private readonly ctx: HttpApiContext) {}

  get size(): number {
    return this.#open.size
  }

  /** Every stream gets `event: shutdown` and ends (the broker is stopping). */
  endAll(reason: string): void {
    for (const stream of [...this.#open]) stream.end({ event: 'shutdown', data: { reason } })
  }

  async serve(reply: FastifyReply, topic: string, partitions: number[] | 'all', query: Query, lastEventId: unknown): Promise<void> {
    const { sessions, limits, gateway } = this.ctx
    sessions.checkOpen()
    if (this.#open.size >= limits.tailStreamsMax) {
      throw new FaecieError(ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `${this.#open.size} live tails are open; at most ${limits.tailStreamsMax} (tailStreamsMax).`)
    }
    const start: StartOffset = startOffsetParam('offset', query.offset, 'latest')
    const heartbeatMs = intParam('heartbeatMs', query.heartbeatMs, HEARTBEAT_MS_RANGE, limits.tailHeartbeatMsDefault)
    const stream = new TailStream(reply, readEncodings(query), gateway.limits.pushBufferedBytesMax, {
      ms: gateway.limits.sessionQueuedMsMax,
      cut: () => gateway.outbound.sessionClosed('http_tail_stalled'),
    })
    const session = sessions.open(reply, stream)
    stream.session = session
    this.#open.add(stream)
    reply.raw.once('close', () => {
      stream.cleanUp()
      this.#open.delete(stream)
    })
    try {
      const metadata = (await sessions.run(session, 'metadata', { topics: [topic] }))!
      const meta = metadata.topics[0]!
      throwIfError(meta)
      const named = partitions === 'all' ? meta.partitions.map((p) => p.partition) : partitions
      const elsewhere = partitionsLedElsewhere(gateway, topic, named)
      const chosen = elsewhere.length === 0 ? named : named.filter((p) => !elsewhere.some((e) => e.partition === p))
      if (elsewhere.length > 0 && (partitions !== 'all' || chosen.length === 0)) throw new MisdirectedError(topic, elsewhere, gateway.cluster!.brokerId)
      if (chosen.length > limits.tailPartitionsMax) {
        throw new FaecieError(ErrorCode.INVALID_REQUEST,
          `${topic} has ${chosen.length} partitions; a tail follows at most ${limits.tailPartitionsMax} (tailPartitionsMax): tail them one by one.`)
      }
      const opened: Array<{ partition: number; offset: number }> = []
      for (const partition of chosen) {
        const resumed = query.offset === undefined && partitions !== 'all' ? resumeOffset(lastEventId, partition) : undefined
        const offset = resumed ?? await resolveOffset(sessions, session, topic, partition, start)
        const { sub } = (await sessions.run(session, 'subscribe', { topic, partition, offset, creditBytes: limits.tailCreditBytes }))!
        stream.follow(sub, partition, offset)
        opened.push({ partition, offset })
      }
      sessions.checkOpen()
      reply.hijack()
      if (stream.ended) return
      stream.start(gateway.cluster === undefined ? { topic, partitions: opened } : { topic, partitions: opened, elsewhere }, heartbeatMs)
    } catch (err) {
      stream.cleanUp()
      this.#open.delete(stream)
      throw err
    }
  }
}

export async function registerTailRoutes(app: FastifyInstance, ctx: HttpApiContext, streams: TailStreams): Promise<void> {
  app.get<{ Params: PartitionParams; Querystring: Query }>('/topics/:topic/partitions/:partition/tail', async (request, reply) => {
    const partition = intParam('partition', request.params.partition, PARTITION_PARAM_RANGE)
    await streams.serve(reply, request.params.topic, [partition], request.query, request.headers['last-event-id'])
    return reply
  })
  app.get<{ Params: { topic: string }; Querystring: Query }>('/topics/:topic/tail', async (request, reply) => {
    await streams.serve(reply, request.params.topic, 'all', request.query, undefined)
    return reply
  })
}
