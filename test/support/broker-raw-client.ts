// A bare protocol client for the broker's integration tests: a `ws` WebSocket speaking frames made
// with @faecie/protocol, with nothing of @faecie/client (the tests must hold even when the client
// library is wrong). It sends requests with fresh ids and matches answers by id, collects pushes, and
// can send anything at all (garbage bytes, text, huge frames) to see how the broker answers.
import { createRequire } from 'node:module'
import { decodeFrame, encodeFrame, PROTOCOL_VERSION, RecordBatchEncoder, decodeBatches, checkBatch, lastOffsetOf } from '@faecie/protocol'
import type { WebSocket as WsSocket } from 'ws'

// `ws` is a dependency of the broker package, not of the repository root: load it from there.
const requireFromBroker = createRequire(new URL('../../packages/broker/package.json', import.meta.url))
export const WebSocketClass = requireFromBroker('ws') as typeof import('ws').WebSocket

export type Frame = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ConnectOptions {
  origin?: string
  /** Send hello first (default true). */
  hello?: boolean
  /** ws's own limit on what it receives (default 256 MiB). */
  maxPayload?: number
}

export interface Closed {
  code: number
  reason: string
}

export class RawClient {
  readonly pushes: Frame[] = []
  readonly closed: Promise<Closed>
  #nextId = 1
  readonly #waiting = new Map<number, (frame: Frame | Error) => void>()
  readonly #pushWaiters = new Set<() => void>()
  /** Frames that matched no request (id -1 errors, unexpected ids). */
  readonly stray: Frame[] = []

  private constructor(readonly socket: WsSocket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        // Requests without an answer will never get one.
        for (const settle of this.#waiting.values()) settle(new Error(`socket closed (${code}) before an answer`))
        this.#waiting.clear()
      })
    })
    socket.on('error', () => { /* seen through `closed` */ })
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) as Frame
      if (typeof frame.sub === 'number' && frame.id === undefined) {
        this.pushes.push(frame)
        for (const wake of [...this.#pushWaiters]) wake()
        return
      }
      const resolve = this.#waiting.get(frame.id)
      if (resolve === undefined) this.stray.push(frame)
      else {
        this.#waiting.delete(frame.id)
        resolve(frame)
      }
    })
  }

  static async connect(url: string, options: ConnectOptions = {}): Promise<RawClient> {
    const headers = options.origin === undefined ? {} : { origin: options.origin }
    const socket = new WebSocketClass(`${url}/v1/ws`, { headers, maxPayload: options.maxPayload ?? 256 * 1024 * 1024 })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
    const client = new RawClient(socket)
    if (options.hello !== false) {
      const answer = await client.request('hello', { protocolVersion: PROTOCOL_VERSION, clientId: 'raw-test' })
      if (answer.error !== undefined) throw new Error(`hello failed: ${JSON.stringify(answer.error)}`)
    }
    return client
  }

  /** Sends `{id, op, ...fields}` and resolves with the answer frame (result or error). */
  request(op: string, fields: Frame = {}, timeoutMs = 30_000): Promise<Frame> {
    const id = this.#nextId++
    return this.requestWithId(id, op, fields, timeoutMs)
  }

  requestWithId(id: number, op: string, fields: Frame, timeoutMs = 30_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        reject(new Error(`no answer to ${op} (id ${id}) within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#waiting.set(id, (frame) => {
        clearTimeout(timer)
        if (frame instanceof Error) reject(frame)
        else resolve(frame)
      })
      this.socket.send(encodeFrame({ id, op, ...fields }))
    })
  }

  /** Sends a request nobody waits for (produce with acks 0). */
  fireAndForget(op: string, fields: Frame = {}): number {
    const id = this.#nextId++
    this.socket.send(encodeFrame({ id, op, ...fields }))
    return id
  }

  sendRaw(data: Uint8Array | string): void {
    this.socket.send(data)
  }

  /** Resolves once `count` pushes in all have arrived; rejects after `timeoutMs`. */
  async waitPushes(count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs
    while (this.pushes.length < count) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.pushes.length} pushes of ${count} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        function done(): void { clearTimeout(timer); resolve() }
        this.#pushWaiters.add(done)
      }).finally(() => this.#pushWaiters.clear())
    }
    return this.pushes
  }

  close(): Promise<Closed> {
    this.socket.close()
    return this.closed
  }
}

const encoder = new RecordBatchEncoder()

/** One batch of `count` records valued `${tag}-${i}`, in a buffer of its own. */
export function batchOf(tag: string, count = 3, options: Parameters<RecordBatchEncoder['encode']>[1] = {}): Uint8Array {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }))
  return encoder.encode(records, options).slice()
}

/** The values of every record in whole batches laid back to back, as text. */
export function valuesOf(bytes: Uint8Array): string[] {
  const out: string[] = []
  for (const batch of decodeBatches(bytes)) {
    for (const r of batch.records) out.push(r.value === null ? '' : new TextDecoder().decode(r.value))
  }
  return out
}

/** Offsets of every record in whole batches laid back to back. */
export function offsetsOf(bytes: Uint8Array): number[] {
  const out: number[] = []
  for (const batch of decodeBatches(bytes)) for (const r of batch.records) out.push(r.offset)
  return out
}

export function produceFrame(topic: string, partition: number, records: Uint8Array, acks: 0 | 1 | -1 = -1): Frame {
  return { acks, topics: [{ topic, partitions: [{ partition, records }] }] }
}

export function fetchFrame(topic: string, partition: number, offset: number, extra: Frame = {}): Frame {
  return { maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * 1024, topics: [{ topic, partitions: [{ partition, offset }] }], ...extra }
}

/** The first partition's answer of a produce, fetch or listOffsets answer. */
export function firstPartition(answer: Frame): Frame {
  const p = answer.topics?.[0]?.partitions?.[0]
  if (p === undefined) throw new Error(`no partition in ${JSON.stringify(answer)}`)
  return p
}

/** Reads a partition from `offset` to its high watermark; returns every record's value in order. */
export async function readAll(client: RawClient, topic: string, partition: number, offset = 0): Promise<{ values: string[]; offsets: number[] }> {
  const values: string[] = []
  const offsets: number[] = []
  let next = offset
  for (;;) {
    const p = firstPartition(await client.request('fetch', fetchFrame(topic, partition, next)))
    if (p.error !== undefined) throw new Error(`fetch ${topic}-${partition}@${next}: ${JSON.stringify(p.error)}`)
    if (p.records.length === 0) return { values, offsets }
    const vs = valuesOf(p.records)
    const os = offsetsOf(p.records)
    os.forEach((o, i) => { if (o >= next) { offsets.push(o); values.push(vs[i]!) } })
    // Move past the last batch, not the last record: a compacted batch may have no records left.
    next = Math.max(next, lastBatchEnd(p.records))
    if (next >= p.highWatermark) return { values, offsets }
  }
}

/** The offset after the last batch in `records` (whole batches back to back). */
export function lastBatchEnd(records: Uint8Array): number {
  let end = 0
  for (let pos = 0; pos < records.length;) {
    const check = checkBatch(records, pos, records.length, false)
    if (!check.ok) throw new Error(`fetch returned a torn batch: ${check.problem}`)
    end = lastOffsetOf(records, pos) + 1
    pos += check.size
  }
  return end
}
