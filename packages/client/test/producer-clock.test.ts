// The producer's lingering, retries with backoff and delivery timeout (src/producer/producer.ts) on
// a manual clock (test/support/manual-clock.ts), against a scripted broker behind an in-memory transport: no real
// time passes in these tests, so each asserts exactly when a batch goes out, to the millisecond, and
// fails if the producer waits on anything but its injected clock.
import { ErrorCode, FaecieError, PROTOCOL_VERSION, decodeBatch, decodeFrame, encodeFrame, type ProduceRequest } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config.js'
import { Producer } from '../src/producer/producer.js'
import type { ProducerConfig } from '../src/producer/config.js'
import type { TransportFactory } from '../src/transport.js'
import { ManualClock } from '../../../test/support/manual-clock.js'

const LIMITS = { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 8, subscriptionsMax: 4, maxWaitMsMax: 1000 }
const TOPIC = 't'

interface SeenBatch {
  atMs: number
  baseSequence: number
  values: string[]
}

/**
 * A broker of one topic with one partition, in memory: answers every frame in a microtask, stores
 * the produced batches it accepts, and refuses a produce with the code `refuse` returns (if any).
 */
class ScriptedBroker {
  /** Every produced batch as it arrived (refused or not), with the clock's time then. */
  readonly produced: SeenBatch[] = []
  refuse: (attempt: number) => number | undefined = () => undefined
  /** initProducerId requests seen; the ones `refuseInit` returns true for are answered with an error. */
  initRequests = 0
  refuseInit: (request: number) => boolean = () => false
  private nextOffset = 0

  constructor(private readonly clock: ManualClock) {}

  readonly transport: TransportFactory = (_url, handlers) => {
    const reply = (value: unknown): void => queueMicrotask(() => handlers.onMessage(encodeFrame(value)))
    queueMicrotask(() => handlers.onOpen())
    return {
      bufferedBytes: 0,
      close: () => queueMicrotask(() => handlers.onClose(1000, '')),
      send: (data) => {
        const frame = decodeFrame(data) as Record<string, unknown> & { id: number; op: string }
        const answer = this.answer(frame)
        if (answer !== undefined) reply({ id: frame.id, ...answer })
      },
    }
  }

  private answer(frame: Record<string, unknown> & { op: string }): Record<string, unknown> | undefined {
    switch (frame.op) {
      case 'hello':
        return { protocolVersion: PROTOCOL_VERSION, brokerId: 0, serverVersion: 'scripted', limits: LIMITS }
      case 'metadata':
        return { brokers: [], topics: [{ topic: TOPIC, topicId: 'id', internal: false, partitions: [{ partition: 0, leader: 0 }] }] }
      case 'initProducerId':
        if (this.refuseInit(++this.initRequests)) return { error: new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR, 'refused by the script').toWire() }
        return { producerId: 42 + this.initRequests, producerEpoch: 0 }
      case 'produce':
        return { topics: (frame as unknown as ProduceRequest).topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => this.produce(p.partition, p.records)) })) }
      default:
        throw new Error(`the scripted broker has no answer to ${frame.op}`)
    }
  }

  private produce(partition: number, records: Uint8Array): Record<string, unknown> {
    const batch = decodeBatch(records)
    this.produced.push({
      atMs: this.clock.now(),
      baseSequence: batch.header.baseSequence,
      values: batch.records.map((r) => new TextDecoder().decode(r.value!)),
    })
    const code = this.refuse(this.produced.length)
    if (code !== undefined) {
      return { partition, baseOffset: -1, logAppendTime: -1, logStartOffset: 0, error: new FaecieError(code, 'refused by the script').toWire() }
    }
    const baseOffset = this.nextOffset
    this.nextOffset += batch.records.length
    return { partition, baseOffset, logAppendTime: -1, logStartOffset: 0 }
  }
}

async function setUp(config: ProducerConfig): Promise<{ clock: ManualClock; broker: ScriptedBroker; producer: Producer; startMs: number }> {
  const clock = new ManualClock(1_700_000_000_000)
  const broker = new ScriptedBroker(clock)
  const client = resolveConfig({ brokers: ['ws://scripted:1'], transport: broker.transport })
  const producer = new Producer(client, config, clock)
  const connected = producer.connect()
  await clock.advance(0)
  await connected
  return { clock, broker, producer, startMs: clock.now() }
}

/** Records the outcome of a send without awaiting it, so the test can look at it at any moment. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T | unknown> } {
  let done = false
  const result = promise.then((v) => v, (err: unknown) => err).finally(() => {
    done = true
  })
  return { settled: () => done, result }
}

describe('Producer on an injected clock', () => {
  it('keeps a batch open lingerMs from its first record, then sends every record appended meanwhile in it', async () => {
    const { clock, broker, producer, startMs } = await setUp({ lingerMs: 100 })
    const first = watch(producer.send({ topic: TOPIC, messages: [{ value: 'a' }] }))
    await clock.advance(60)
    const second = watch(producer.send({ topic: TOPIC, messages: [{ value: 'b' }] }))
    await clock.advance(39)
    expect(broker.produced).toEqual([])
    expect(first.settled()).toBe(false)
    await clock.advance(1)
    expect(broker.produced).toEqual([{ atMs: startMs + 100, baseSequence: 0, values: ['a', 'b'] }])
    expect(await first.result).toEqual([{ topic: TOPIC, partition: 0, baseOffset: 0, logAppendTime: -1 }])
    expect(await second.result).toMatchObject([{ baseOffset: 1 }])
    await producer.disconnect()
  })

  it('flush() covers sends still connecting and looking up their topic: their batch goes at once, not after lingerMs', async () => {
    const clock = new ManualClock(1_700_000_000_000)
    const broker = new ScriptedBroker(clock)
    const producer = new Producer(resolveConfig({ brokers: ['ws://scripted:1'], transport: broker.transport }), { lingerMs: 10_000 }, clock)
    const startMs = clock.now()
    // A cold producer: neither send can append before it has connected and learnt the partition count.
    const first = watch(producer.send({ topic: TOPIC, messages: [{ value: 'a' }] }))
    const second = watch(producer.send({ topic: TOPIC, messages: [{ value: 'b' }] }))
    const flushed = watch(producer.flush())
    await clock.advance(0)
    // While the flush is in progress no batch lingers: each closes once its send has appended.
    expect(broker.produced.map((b) => [b.atMs - startMs, b.values])).toEqual([[0, ['a']], [0, ['b']]])
    expect(flushed.settled()).toBe(true)
    expect(first.settled() && second.settled()).toBe(true)
    expect(await second.result).toMatchObject([{ baseOffset: 1 }])
    await producer.disconnect()
  })

  it('flush() covers a send still waiting for room in the buffer: it goes as soon as there is room, not after lingerMs', async () => {
    // Room for one 1,000-byte value at a time: the second send waits until the first is acknowledged.
    const { clock, broker, producer, startMs } = await setUp({ lingerMs: 10_000, bufferBytesMax: 1_500 })
    const first = watch(producer.send({ topic: TOPIC, messages: [{ value: 'a'.repeat(1_000) }] }))
    const second = watch(producer.send({ topic: TOPIC, messages: [{ value: 'b'.repeat(1_000) }] }))
    const flushed = watch(producer.flush())
    await clock.advance(0)
    expect(broker.produced.map((b) => [b.atMs - startMs, b.values.map((v) => v[0])])).toEqual([[0, ['a']], [0, ['b']]])
    expect(flushed.settled() && first.settled() && second.settled()).toBe(true)
    expect(await second.result).toMatchObject([{ baseOffset: 1 }])
    await producer.disconnect()
  })

  it('resends a batch refused with a retriable error after each backoff, growing, with its sequence kept', async () => {
    const { clock, broker, producer, startMs } = await setUp({
      lingerMs: 0, retry: { retries: 5, initialRetryTimeMs: 1_000, multiplier: 2, maxRetryTimeMs: 10_000, jitter: 0 },
    })
    broker.refuse = (attempt) => (attempt <= 2 ? ErrorCode.NOT_ENOUGH_REPLICAS : undefined)
    const sent = watch(producer.send({ topic: TOPIC, messages: [{ value: 'x' }] }))
    await clock.advance(999)
    expect(broker.produced.map((b) => b.atMs - startMs)).toEqual([0])
    await clock.advance(1)
    expect(broker.produced.map((b) => b.atMs - startMs)).toEqual([0, 1_000])
    await clock.advance(1_999)
    expect(broker.produced).toHaveLength(2)
    expect(sent.settled()).toBe(false)
    await clock.advance(1)
    expect(broker.produced.map((b) => [b.atMs - startMs, b.baseSequence, b.values])).toEqual([[0, 0, ['x']], [1_000, 0, ['x']], [3_000, 0, ['x']]])
    expect(await sent.result).toMatchObject([{ baseOffset: 0 }])
    await producer.disconnect()
  })

  it('fails a batch still unacknowledged deliveryTimeoutMs after it was made, with REQUEST_TIMED_OUT', async () => {
    const { clock, broker, producer, startMs } = await setUp({
      lingerMs: 0, deliveryTimeoutMs: 2_500, retry: { retries: 100, initialRetryTimeMs: 1_000, multiplier: 1, maxRetryTimeMs: 1_000, jitter: 0 },
    })
    broker.refuse = () => ErrorCode.NOT_ENOUGH_REPLICAS
    const sent = watch(producer.send({ topic: TOPIC, messages: [{ value: 'late' }] }))
    await clock.advance(2_500)
    expect(broker.produced.map((b) => b.atMs - startMs)).toEqual([0, 1_000, 2_000])
    expect(sent.settled()).toBe(false)
    await clock.advance(1)
    expect(await sent.result).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT })
    expect(String((await sent.result as Error).message)).toMatch(/within 2500 ms \(last error: refused by the script\)/)
    expect(broker.produced).toHaveLength(3)
    await producer.disconnect()
  })

  it('after a failed renewal of its producer id, asks again only after a backoff, never in a loop', async () => {
    const { clock, broker, producer } = await setUp({
      lingerMs: 0, retry: { retries: 0, initialRetryTimeMs: 1_000, multiplier: 2, maxRetryTimeMs: 10_000, jitter: 0 },
    })
    // A batch fails for good: the partition needs a new producer id, and the broker refuses the
    // first 20 requests for one at once (a spinning drain would make all 20 before any time passes).
    broker.refuse = (attempt) => (attempt === 1 ? ErrorCode.MESSAGE_TOO_LARGE : undefined)
    broker.refuseInit = (request) => request >= 2 && request <= 21
    const failed = watch(producer.send({ topic: TOPIC, messages: [{ value: 'too large' }] }))
    const next = watch(producer.send({ topic: TOPIC, messages: [{ value: 'next' }] }))
    await clock.advance(0)
    expect(await failed.result).toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE })
    expect(broker.initRequests).toBe(2)
    await clock.advance(999)
    expect(broker.initRequests).toBe(2)
    await clock.advance(1)
    expect(broker.initRequests).toBe(3)
    await clock.advance(2_000)
    expect(broker.initRequests).toBe(4)
    expect(next.settled()).toBe(false)
    broker.refuseInit = () => false
    await clock.advance(4_000)
    expect(broker.initRequests).toBe(5)
    expect(await next.result).toMatchObject([{ baseOffset: 0 }])
    await producer.disconnect()
  })
})
