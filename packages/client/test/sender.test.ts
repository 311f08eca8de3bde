// The idempotent producer's per-partition pipeline (src/producer/sender.ts): sequence numbers, the
// in-flight window, and what each kind of error does to order and numbering. Driven directly, with
// answers given in the orders a broker and a network can produce.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { ProducerBatch, SendTracker } from '../src/producer/batch.js'
import { PartitionSender, nextSequence } from '../src/producer/sender.js'

function batch(records: number, label = ''): ProducerBatch {
  const b = new ProducerBatch('t', 0, 0)
  for (let i = 0; i < records; i++) b.append({ value: `${label}${i}` }, 10)
  return b
}

function sender(options: { idempotent?: boolean; maxInFlight?: number; attemptsMax?: number } = {}): PartitionSender {
  const s = new PartitionSender({
    idempotent: options.idempotent ?? true,
    maxInFlight: options.maxInFlight ?? 16,
    attemptsMax: options.attemptsMax ?? 5,
    backoffMs: () => 0,
  })
  s.producerId = 7
  s.producerEpoch = 0
  return s
}

const ok = (baseOffset: number) => ({ baseOffset, logAppendTime: -1 })
const err = (code: number) => new FaecieError(code)
const sendAll = (s: PartitionSender): ProducerBatch[] => {
  const out: ProducerBatch[] = []
  while (s.canSend(0)) out.push(s.take())
  return out
}

describe('sequence numbers', () => {
  it('start at 0 and go up by each batch record count', () => {
    const s = sender()
    s.queue.push(batch(3), batch(1), batch(5))
    expect(sendAll(s).map((b) => [b.baseSequence, b.producerId, b.producerEpoch])).toEqual([[0, 7, 0], [3, 7, 0], [4, 7, 0]])
    expect(s.nextSequence).toBe(9)
  })

  it('wrap from 2^31 - 1 to 0 as Kafka does', () => {
    expect(nextSequence(0x7fffffff - 2, 2)).toBe(0x7fffffff)
    expect(nextSequence(0x7fffffff - 2, 3)).toBe(0)
    expect(nextSequence(0x7fffffff, 5)).toBe(4)
  })

  it('describe the header a batch will carry before it is taken', () => {
    const s = sender()
    const b = batch(2)
    s.queue.push(b)
    expect(s.headerFor(b)).toEqual({ producerId: 7, producerEpoch: 0, baseSequence: 0 })
    s.take()
    s.queue.push(batch(1))
    expect(s.headerFor(s.queue[0]!)).toEqual({ producerId: 7, producerEpoch: 0, baseSequence: 2 })
    expect(sender({ idempotent: false }).headerFor(b)).toEqual({ producerId: -1, producerEpoch: -1, baseSequence: -1 })
  })

  it('keep at most maxInFlight batches out', () => {
    const s = sender({ maxInFlight: 16 })
    for (let i = 0; i < 20; i++) s.queue.push(batch(1))
    expect(sendAll(s)).toHaveLength(16)
    s.answer(s.inFlight[0]!, ok(0), 0)
    expect(sendAll(s)).toHaveLength(1)
  })
})

describe('errors', () => {
  it('a retriable error resends the same batches with the same numbers, in order, once all answers are in', () => {
    const s = sender()
    s.queue.push(batch(2, 'a'), batch(2, 'b'), batch(2, 'c'))
    const [a, b, c] = sendAll(s)
    // The connection drops: every answer is NETWORK_EXCEPTION, in any order.
    expect(s.answer(c!, err(ErrorCode.NETWORK_EXCEPTION), 0)).toBe('retry')
    expect(s.canSend(0)).toBe(false) // holding: a and b are still out
    s.answer(a!, err(ErrorCode.NETWORK_EXCEPTION), 0)
    s.answer(b!, err(ErrorCode.NETWORK_EXCEPTION), 0)
    expect(s.recovering).toBe(false)
    const again = sendAll(s)
    expect(again).toEqual([a, b, c])
    expect(again.map((x) => x.baseSequence)).toEqual([0, 2, 4])
    expect(again.map((x) => x.attempts)).toEqual([2, 2, 2])
  })

  it('OUT_OF_ORDER behind an earlier failed batch is a retry, not a failure', () => {
    const s = sender()
    s.queue.push(batch(1), batch(1))
    const [a, b] = sendAll(s)
    s.answer(a!, err(ErrorCode.MAILBOX_FULL), 0)
    expect(s.answer(b!, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)).toBe('retry')
    expect(s.needsProducerId).toBe(false)
    expect(sendAll(s).map((x) => x.baseSequence)).toEqual([0, 1])
  })

  it('OUT_OF_ORDER with nothing before it means the broker lost our state: new id, numbered from 0', () => {
    const s = sender()
    s.queue.push(batch(1), batch(3))
    const [a, b] = sendAll(s)
    s.answer(a!, ok(100), 0)
    s.answer(b!, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    expect(s.needsProducerId).toBe(true)
    expect(s.canSend(0)).toBe(false)
    s.restart(8, 0)
    const [again] = sendAll(s)
    expect(again).toBe(b)
    expect([again!.producerId, again!.baseSequence]).toEqual([8, 0])
  })

  it('a final error fails that batch only; later ones are renumbered under a new producer id, in order', async () => {
    const s = sender()
    const tracker = new SendTracker()
    const a = batch(1)
    tracker.add(a, 0)
    tracker.seal()
    s.queue.push(a, batch(2, 'b'), batch(2, 'c'))
    const [, b, c] = sendAll(s)
    expect(s.answer(a, err(ErrorCode.MESSAGE_TOO_LARGE), 0)).toBe('failed')
    await expect(tracker.done).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE })
    // b and c sat behind a's gap.
    s.answer(c!, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    s.answer(b!, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    expect(s.needsProducerId).toBe(true)
    s.queue.push(batch(1, 'd'))
    s.restart(9, 0)
    const again = sendAll(s)
    expect(again.slice(0, 2)).toEqual([b, c])
    expect(again.map((x) => [x.producerId, x.baseSequence])).toEqual([[9, 0], [9, 2], [9, 4]])
  })

  it('a new producer id never renumbers a batch that may have been written: it fails, outcome unknown; batches never sent go out', async () => {
    const s = sender({ maxInFlight: 3 })
    const tracked = (b: ProducerBatch): SendTracker => {
      const t = new SendTracker()
      t.add(b, 0)
      t.seal()
      return t
    }
    const [a, b, c, d] = [batch(1, 'a'), batch(2, 'b'), batch(1, 'c'), batch(1, 'd')]
    const [ta, tc, td] = [tracked(a), tracked(c), tracked(d)]
    s.queue.push(a, b, c, d)
    expect(sendAll(s)).toEqual([a, b, c]) // d waits: the window is full
    // a's request timed out: the broker may have written it. It goes again, same number.
    expect(s.answer(a, err(ErrorCode.REQUEST_TIMED_OUT), 0)).toBe('retry')
    // b fails finally: the partition needs a new producer id. c sat behind b's gap: not written.
    expect(s.answer(b, err(ErrorCode.MESSAGE_TOO_LARGE), 0)).toBe('failed')
    s.answer(c, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    expect(s.needsProducerId).toBe(true)
    expect(a.settled).toBe(true)
    await expect(ta.done).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT, retriable: false, message: expect.stringMatching(/outcome .* is unknown: it may have been written/) })
    s.restart(9, 0)
    const again = sendAll(s)
    expect(again).toEqual([c, d])
    expect(again.map((x) => [x.producerId, x.baseSequence])).toEqual([[9, 0], [9, 1]])
    s.answer(c, ok(10), 0)
    s.answer(d, ok(11), 0)
    expect((await tc.done)[0]!.baseOffset).toBe(10)
    expect((await td.done)[0]!.baseOffset).toBe(11)
    expect(s.pendingCount).toBe(0)
  })

  it('"may have been written" sticks to a batch: a later not-appended answer does not clear it', async () => {
    const s = sender()
    const [a, b] = [batch(1, 'a'), batch(1, 'b')]
    const ta = new SendTracker()
    ta.add(a, 0)
    ta.seal()
    s.queue.push(a, b)
    sendAll(s)
    s.answer(a, err(ErrorCode.KAFKA_STORAGE_ERROR), 0) // after the append, perhaps
    s.answer(b, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    sendAll(s)
    s.answer(a, err(ErrorCode.NOT_ENOUGH_REPLICAS), 0) // this attempt was not appended; the first may have been
    s.answer(b, err(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 0)
    expect(a.mayBeWritten).toBe(true)
    expect(b.mayBeWritten).toBe(false)
    // The queued a expires (the producer's deliveryTimeoutMs): a gap, so a new id; b was never written.
    s.failQueued(a, err(ErrorCode.REQUEST_TIMED_OUT))
    await expect(ta.done).rejects.toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT })
    s.restart(9, 0)
    expect(sendAll(s).map((x) => [x.producerId, x.baseSequence])).toEqual([[9, 0]])
  })

  it('a lost connection leaves the batches in it possibly written: a new id fails them rather than renumber them', async () => {
    const s = sender()
    const [a, b, c] = [batch(1, 'a'), batch(1, 'b'), batch(1, 'c')]
    const tb = new SendTracker()
    tb.add(b, 0)
    tb.seal()
    s.queue.push(a, b, c)
    sendAll(s)
    for (const x of [a, b, c]) s.answer(x, err(ErrorCode.NETWORK_EXCEPTION), 0)
    s.failQueued(a, err(ErrorCode.REQUEST_TIMED_OUT))
    expect([b.settled, c.settled]).toEqual([true, true])
    await expect(tb.done).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: false })
    expect(s.pendingCount).toBe(0)
  })

  it('spends the retry budget, then fails with the last error', async () => {
    const s = sender({ attemptsMax: 3 })
    const tracker = new SendTracker()
    const a = batch(1)
    tracker.add(a, 0)
    tracker.seal()
    s.queue.push(a)
    for (let i = 0; i < 2; i++) expect(s.answer(s.take(), err(ErrorCode.KAFKA_STORAGE_ERROR), 0)).toBe('retry')
    expect(s.answer(s.take(), err(ErrorCode.KAFKA_STORAGE_ERROR), 0)).toBe('failed')
    await expect(tracker.done).rejects.toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR })
  })

  it('DUPLICATE_SEQUENCE_NUMBER means written before: done, offset unknown', async () => {
    const s = sender()
    const tracker = new SendTracker()
    const a = batch(2)
    tracker.add(a, 1)
    tracker.seal()
    s.queue.push(a)
    expect(s.answer(s.take(), err(ErrorCode.DUPLICATE_SEQUENCE_NUMBER), 0)).toBe('done')
    expect(await tracker.done).toEqual([{ topic: 't', partition: 0, baseOffset: -1, logAppendTime: -1 }])
  })

  it('waits out the backoff of the batch at the head', () => {
    const s = new PartitionSender({ idempotent: true, maxInFlight: 16, attemptsMax: 5, backoffMs: (attempts) => attempts * 100 })
    s.queue.push(batch(1))
    s.answer(s.take(), err(ErrorCode.NOT_LEADER_OR_FOLLOWER), 1000)
    expect(s.canSend(1099)).toBe(false)
    expect(s.canSend(1100)).toBe(true)
  })

  it('without idempotence numbers nothing and never asks for a new id', () => {
    const s = sender({ idempotent: false })
    s.queue.push(batch(1), batch(1))
    const [a, b] = sendAll(s)
    expect([a!.baseSequence, b!.baseSequence]).toEqual([-1, -1])
    s.answer(a!, err(ErrorCode.MESSAGE_TOO_LARGE), 0)
    expect(s.needsProducerId).toBe(false)
    s.answer(b!, ok(5), 0)
    expect(s.pendingCount).toBe(0)
  })
})

describe('SendTracker', () => {
  it('resolves each partition with the offset of the send\'s first record, across split batches', async () => {
    const first = batch(4)
    const tracker = new SendTracker()
    tracker.add(first, 3) // the send's first record is the 4th of the batch
    tracker.seal()
    const tail = first.split(() => 10) // records 2 and 3 move to the tail
    expect(first.records).toHaveLength(2)
    expect(tail.records).toHaveLength(2)
    first.succeed(ok(100))
    tail.succeed(ok(200))
    expect(await tracker.done).toEqual([{ topic: 't', partition: 0, baseOffset: 201, logAppendTime: -1 }])
  })

  it('a send with no messages resolves at once with nothing', async () => {
    const tracker = new SendTracker()
    tracker.seal()
    expect(await tracker.done).toEqual([])
  })
})
