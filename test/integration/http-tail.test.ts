// Live tail as Server-Sent Events against a real broker process: a record produced by the WebSocket
// client (@faecie/client) after the stream opened arrives as an event with id PARTITION:OFFSET; a
// whole-topic tail follows every partition; Last-Event-ID resumes after the last event seen;
// heartbeats come as comments; a client that goes leaves the broker serving; and SIGTERM of the
// broker while a stream is open ends the stream with a `shutdown` event and lets the broker exit
// cleanly (exit code 0: the test's stop() would SIGKILL a broker still running after 20 s).
import { ErrorCode } from '@faecie/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'

interface SseEvent {
  event: string
  id?: string
  data: any
}

/** An open SSE stream read with fetch: events in order, and comments (heartbeats) counted. */
class SseStream {
  readonly events: SseEvent[] = []
  comments = 0
  ended = false
  status = 0
  readonly #controller = new AbortController()
  readonly #waiters = new Set<() => void>()
  readonly done: Promise<void>

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = this.#run(url, headers)
  }

  async #run(url: string, headers: Record<string, string>): Promise<void> {
    try {
      const response = await fetch(url, { headers, signal: this.#controller.signal })
      this.status = response.status
      if (response.status !== 200) {
        this.events.push({ event: 'http-error', data: await response.json() })
        return
      }
      const decoder = new TextDecoder()
      let buffer = ''
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.#parse(buffer.slice(0, end))
          buffer = buffer.slice(end + 2)
        }
        this.#wake()
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err
    } finally {
      this.ended = true
      this.#wake()
    }
  }

  #parse(block: string): void {
    const event: Partial<SseEvent> & { dataText?: string } = {}
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments++
      else if (line.startsWith('event: ')) event.event = line.slice(7)
      else if (line.startsWith('id: ')) event.id = line.slice(4)
      else if (line.startsWith('data: ')) event.dataText = line.slice(6)
    }
    if (event.event !== undefined) this.events.push({ event: event.event, id: event.id, data: JSON.parse(event.dataText ?? 'null') })
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake()
  }

  /** Resolves once `test` holds (checked on every chunk); fails when the stream ends first. */
  async until(test: () => boolean, what: string): Promise<void> {
    while (!test()) {
      if (this.ended) throw new Error(`stream ended before ${what}: ${JSON.stringify(this.events)}`)
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve)
        setTimeout(resolve, 1_000)
      })
    }
  }

  records(): SseEvent[] {
    return this.events.filter((e) => e.event === 'record')
  }

  close(): void {
    this.#controller.abort()
  }
}

let broker: BrokerProcess
let base: string
let faecie: Faecie

beforeAll(async () => {
  broker = await startBrokerProcess()
  base = `http://127.0.0.1:${broker.port}`
  faecie = new Faecie({ brokers: [broker.url], clientId: 'http-tail-test' })
  const admin = faecie.admin()
  await admin.createTopics({ topics: [{ topic: 't-one', numPartitions: 1 }, { topic: 't-all', numPartitions: 3 }] })
  await admin.disconnect()
})

afterAll(async () => {
  await broker?.stop()
})

async function produce(topic: string, messages: Array<{ key?: string; value: string; partition?: number }>): Promise<void> {
  const producer = faecie.producer({ lingerMs: 1 })
  await producer.send({ topic, messages })
  await producer.disconnect()
}

describe('live tail', () => {
  it('streams a record the WebSocket client produces after the stream opened', async () => {
    await produce('t-one', [{ value: 'before' }])
    const stream = new SseStream(`${base}/v1/topics/t-one/partitions/0/tail?offset=latest`)
    await stream.until(() => stream.events.some((e) => e.event === 'open'), 'open')
    expect(stream.events[0]).toEqual({ event: 'open', id: undefined, data: { topic: 't-one', partitions: [{ partition: 0, offset: 1 }] } })
    await produce('t-one', [{ key: 'k', value: 'live one' }])
    await stream.until(() => stream.records().length >= 1, 'a record')
    expect(stream.records()[0]).toMatchObject({ id: '0:1', data: { partition: 0, offset: 1, key: 'k', value: 'live one' } })
    stream.close()
    await stream.done
    // The client went: the broker goes on serving.
    expect((await fetch(`${base}/v1/topics/t-one`)).status).toBe(200)
  })

  it('follows every partition of a topic, from earliest, with JSON values', async () => {
    await produce('t-all', [0, 1, 2].map((partition) => ({ value: JSON.stringify({ partition }), partition })))
    const stream = new SseStream(`${base}/v1/topics/t-all/tail?offset=earliest&encoding=json`)
    await stream.until(() => stream.records().length >= 3, 'three records')
    expect(stream.records().map((e) => e.id).sort()).toEqual(['0:0', '1:0', '2:0'])
    for (const e of stream.records()) expect(e.data.value).toEqual({ partition: e.data.partition })
    stream.close()
    await stream.done
  })

  it('resumes after Last-Event-ID, and sends heartbeats', async () => {
    await produce('t-one', [{ value: 'r2' }, { value: 'r3' }])
    const stream = new SseStream(`${base}/v1/topics/t-one/partitions/0/tail?heartbeatMs=1000`, { 'last-event-id': '0:1' })
    await stream.until(() => stream.records().length >= 2, 'two records')
    expect(stream.records().map((e) => [e.id, e.data.value])).toEqual([['0:2', 'r2'], ['0:3', 'r3']])
    await stream.until(() => stream.comments >= 1, 'a heartbeat')
    stream.close()
    await stream.done
  })

  it('answers errors before the stream starts as JSON', async () => {
    const unknown = new SseStream(`${base}/v1/topics/t-none/partitions/0/tail`)
    await unknown.done
    expect(unknown.status).toBe(404)
    expect(unknown.events[0]!.data.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const out = new SseStream(`${base}/v1/topics/t-one/partitions/0/tail?offset=999`)
    await out.done
    expect(out.status).toBe(416)
    expect(out.events[0]!.data.error.code).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
  })

  it('ends a stream with an error event when its topic is deleted', async () => {
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 't-gone', numPartitions: 1 }] })
    const stream = new SseStream(`${base}/v1/topics/t-gone/partitions/0/tail`)
    await stream.until(() => stream.events.some((e) => e.event === 'open'), 'open')
    await admin.deleteTopics({ topics: ['t-gone'] })
    await admin.disconnect()
    await stream.done
    expect(stream.events.at(-1)).toMatchObject({ event: 'error', data: { partition: 0, error: { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } } })
  })

  it('ends open streams when the broker is stopped with SIGTERM, and the broker exits cleanly', async () => {
    const stream = new SseStream(`${base}/v1/topics/t-all/tail`)
    await stream.until(() => stream.events.some((e) => e.event === 'open'), 'open')
    await broker.stop()
    await stream.done
    expect(stream.events.at(-1)).toEqual({ event: 'shutdown', id: undefined, data: { reason: 'broker shutting down' } })
    expect(broker.exitCode).toBe(0)
  })
})
