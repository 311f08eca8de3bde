// The workload of the fault campaigns (issue 15, part D), against a real cluster of three brokers
// (test/support/cluster.ts) in the root namespace: it runs, one broker is killed with SIGKILL and
// restarted, etcd is restarted, it stops, and the final logs are read. Checked: ops of every type are recorded with
// sane fields (every send invoked is one op, completed once; outcomes carry offsets or errors as
// the history says), every acknowledged acks=all record is in the final log at its offset, every
// record a consumer was given is in the final log at its offset, and the history is closed after
// stop(). The checker proper (../history/checker.ts) is built apart; this is a small inline check.
//
// And without a cluster: the op log (recorder.ts) closes what is in flight at the stop as unknown
// and drops late answers; a send's failure is `fail` only when the client refused it before sending.
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/client'
import { checkHistory } from '../history/checker.js'
import type { FetchCommittedOp, FinalLog, Op, ProduceOp, ReadOp } from '../history/history.js'
import { formatReport } from '../history/report.js'
import { type TestCluster, startCluster } from '../../support/cluster.js'
import { waitFor } from '../../support/wait-for.js'
import { highWatermarks } from './final-logs.js'
import { sendFailureOutcome } from './producers.js'
import { OpRecorder } from './recorder.js'
import { PRODUCERS, Workload } from './workload.js'

const PARTITIONS = 3
const VALUE = /^(idem1|idem2|leader1)-(\d+)$/

let cluster: TestCluster | undefined
let workload: Workload | undefined

afterEach(async () => {
  await workload?.stop()
  await cluster?.close()
  cluster = workload = undefined
})

describe('the op log and the outcomes', () => {
  it('closes ops in flight at the stop as unknown, drops late answers, and refuses new ops', () => {
    let nowMs = 10
    const recorder = new OpRecorder(() => nowMs)
    const base = { type: 'produce', client: 'idem1', topic: 't', producer: 'idem1', acks: 'all', idempotent: true } as const
    const done = recorder.begin<ProduceOp>({ ...base, partition: 0, value: 'idem1-0', sequence: 0 })!
    const late = recorder.begin<ProduceOp>({ ...base, partition: 1, value: 'idem1-1', sequence: 1 })!
    nowMs = 20
    done.ok({ offset: 7 })
    done.fail(new Error('a second completion is ignored'))
    nowMs = 30
    recorder.freeze('stopped')
    late.ok({ offset: 8 })
    expect(recorder.begin<ProduceOp>({ ...base, partition: 2, value: 'idem1-2', sequence: 2 })).toBeUndefined()
    expect(recorder.ops()).toEqual([
      { ...base, partition: 0, value: 'idem1-0', sequence: 0, invokedMs: 10, completedMs: 20, outcome: 'ok', offset: 7 },
      { ...base, partition: 1, value: 'idem1-1', sequence: 1, invokedMs: 10, completedMs: 30, outcome: 'unknown', error: 'stopped' },
    ])
  })

  it('calls a send failed only when the client refused it before sending', () => {
    expect(sendFailureOutcome(new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The producer is disconnected.', { retriable: false }))).toBe('fail')
    expect(sendFailureOutcome(new TypeError('send() needs {topic, messages: [...]}'))).toBe('fail')
    expect(sendFailureOutcome(new FaecieError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 't has no partition 9 (it has 3).', { retriable: false }))).toBe('fail')
    // After the record left: it may have been written.
    expect(sendFailureOutcome(new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'The connection to ws://x closed before a response arrived (gone).'))).toBe('unknown')
    expect(sendFailureOutcome(new FaecieError(ErrorCode.NOT_ENOUGH_REPLICAS, 'not enough'))).toBe('unknown')
    expect(sendFailureOutcome(new FaecieError(ErrorCode.REQUEST_TIMED_OUT, 'A batch for t-0 was not acknowledged within 120000 ms.'))).toBe('unknown')
    expect(sendFailureOutcome(new Error('anything else'))).toBe('unknown')
  })

  it('calls a one-attempt send failed when the broker refused it with a code it gives only before appending', () => {
    const answer = (code: number) => new FaecieError(code, 'from the broker')
    expect(sendFailureOutcome(answer(ErrorCode.NOT_ENOUGH_REPLICAS), true)).toBe('fail')
    expect(sendFailureOutcome(answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), true)).toBe('fail')
    expect(sendFailureOutcome(answer(ErrorCode.MESSAGE_TOO_LARGE), true)).toBe('fail')
    // Also answered after an append (leadership moved; a failed fsync), or after a lost answer.
    expect(sendFailureOutcome(answer(ErrorCode.NOT_LEADER_OR_FOLLOWER), true)).toBe('unknown')
    expect(sendFailureOutcome(answer(ErrorCode.KAFKA_STORAGE_ERROR), true)).toBe('unknown')
    expect(sendFailureOutcome(answer(ErrorCode.REQUEST_TIMED_OUT), true)).toBe('unknown')
    expect(sendFailureOutcome(answer(ErrorCode.NETWORK_EXCEPTION), true)).toBe('unknown')
    // A producer that retries: an earlier attempt may have been appended, whatever the last one said.
    expect(sendFailureOutcome(answer(ErrorCode.NOT_ENOUGH_REPLICAS), false)).toBe('unknown')
  })

  it('drops an op the answer said nothing about, recording nothing for it', async () => {
    const recorder = new OpRecorder(() => 5)
    const base = { type: 'fetch-committed', client: 'poller', group: 'g', topic: 't' } as const
    const named = recorder.begin<FetchCommittedOp>({ ...base, partition: 0 })!
    const left = recorder.begin<FetchCommittedOp>({ ...base, partition: 1 })!
    named.ok({ offset: 3 })
    left.drop()
    left.ok({ offset: -1 })
    expect(await recorder.waitIdle(1)).toBe(true)
    expect(recorder.ops()).toEqual([{ ...base, partition: 0, invokedMs: 5, completedMs: 5, outcome: 'ok', offset: 3 }])
  })
})

function count(ops: Op[], test: (op: Op) => boolean): number {
  return ops.reduce((n, op) => n + (test(op) ? 1 : 0), 0)
}

/** Problems of the ops' own fields (none: []). */
function fieldProblems(ops: Op[]): string[] {
  const problems: string[] = []
  const sequences = new Map<string, number[]>()
  for (const op of ops) {
    const where = JSON.stringify(op).slice(0, 200)
    if (!(op.invokedMs <= op.completedMs)) problems.push(`completed before invoked: ${where}`)
    if ((op.outcome === 'ok') === (op.error !== undefined)) problems.push(`an error iff not ok: ${where}`)
    if (op.type === 'produce') {
      const match = VALUE.exec(op.value)
      if (match === null || match[1] !== op.producer || Number(match[2]) !== op.sequence) problems.push(`value not <producer>-<sequence>: ${where}`)
      if (op.partition !== op.sequence % PARTITIONS) problems.push(`partition not sequence mod ${PARTITIONS}: ${where}`)
      const acknowledgedAt = op.outcome === 'ok' && op.duplicateAck !== true
      if (acknowledgedAt !== (op.offset !== undefined && Number.isSafeInteger(op.offset) && op.offset >= 0)) problems.push(`an offset iff ok (but a duplicate ack): ${where}`)
      sequences.set(op.producer, [...(sequences.get(op.producer) ?? []), op.sequence])
    } else if (op.type === 'read') {
      if (op.outcome === 'ok' && op.records.length === 0) problems.push(`an ok read of nothing: ${where}`)
      if ((op.contiguous === true) !== (op.client === 'fetcher' || op.client === 'pusher')) problems.push(`contiguous iff an assign-all reader: ${where}`)
      for (let i = 0; i < op.records.length; i++) {
        if (!VALUE.test(op.records[i]!.value)) problems.push(`a read of a value no producer wrote: ${where}`)
        if (i > 0 && op.records[i]!.offset <= op.records[i - 1]!.offset) problems.push(`a read out of offset order: ${where}`)
      }
    } else if (op.type === 'commit') {
      if (!(op.offset > 0)) problems.push(`a commit of nothing: ${where}`)
    } else if (op.type === 'fetch-committed') {
      if ((op.outcome === 'ok') !== (op.offset !== undefined && op.offset >= -1)) problems.push(`an offset iff ok: ${where}`)
    }
  }
  // Every send invoked is exactly one op: each producer's sequences are 0..n-1, once each.
  for (const [producer, list] of sequences) {
    const sorted = [...list].sort((a, b) => a - b)
    if (sorted.some((s, i) => s !== i)) problems.push(`${producer}: sequences are not 0..${sorted.length - 1} once each`)
  }
  return problems.slice(0, 20)
}

/** acks=all acknowledgements and consumer reads against the final logs (none: []). */
function logProblems(ops: Op[], logs: FinalLog[]): string[] {
  const atOffset = logs.map((log) => new Map(log.records.map((r) => [r.offset, r.value])))
  const problems: string[] = []
  for (const op of ops) {
    if (op.type === 'produce' && op.outcome === 'ok' && op.acks === 'all' && op.duplicateAck !== true) {
      const found = atOffset[op.partition]!.get(op.offset!)
      if (found !== op.value) problems.push(`${op.value} acknowledged at ${op.partition}/${op.offset}, the log has ${found ?? 'nothing'} there`)
    }
    if (op.type === 'read') {
      for (const { offset, value } of op.records) {
        const found = atOffset[op.partition]!.get(offset)
        if (found !== value) problems.push(`${op.client} read ${value} at ${op.partition}/${offset}, the log has ${found ?? 'nothing'} there`)
      }
    }
  }
  for (const log of logs) {
    const seen = new Set<string>()
    for (const { value } of log.records) {
      if (seen.has(value) && !value.startsWith('leader1-')) problems.push(`${value} is in ${log.topic}-${log.partition} twice`)
      seen.add(value)
    }
  }
  return problems.slice(0, 20)
}

it('records every op through a kill -9, a restart and an etcd restart; acknowledged and read records are in the final logs', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const c = cluster
  const topic = 'workload'
  const clock = (): number => performance.now()
  const w = (workload = new Workload({ urls: () => c.urls(), topic, partitions: PARTITIONS, clock, recordsPerSecMax: 60, requestTimeoutMs: 5_000 }))
  await w.start()

  /**
   * Waits until `n` ops pass `test` since `sinceMs`: sends invoked then or later, other ops completed
   * then or later (a read's invokedMs is when its consumer was made).
   */
  const more = (what: string, n: number, sinceMs: number, test: (op: Op) => boolean): Promise<unknown> =>
    sayingWhere(waitFor(what, () => {
      const seen = count(w.ops(), (op) => (op.type === 'produce' ? op.invokedMs : op.completedMs) >= sinceMs && test(op))
      if (seen >= n) return true
      throw new Error(`${seen} of ${n}; ${w.summary()}`)
    }, { timeoutMs: 60_000, intervalMs: 50 }))
  /** A wait whose failure also says whether each partition's leader serves it now (a fetch from each, raw). */
  const sayingWhere = async <T>(wait: Promise<T>): Promise<T> => {
    try {
      return await wait
    } catch (err) {
      const leaders = await highWatermarks(() => c.urls(), topic, PARTITIONS, 5_000).then((marks) => `high watermarks ${marks.join(', ')}`, (e: unknown) => String(e))
      throw new Error(`${err instanceof Error ? err.message : String(err)}; the partitions' leaders now: ${leaders}`)
    }
  }
  const okProduce = (name: string) => (op: Op) => op.type === 'produce' && op.producer === name && op.outcome === 'ok'

  const startMs = clock()
  for (const { name } of PRODUCERS) await more(`acknowledged sends of ${name}`, 50, startMs, okProduce(name))
  await more('reads by the fetching reader', 5, 0, (op) => op.type === 'read' && op.client === 'fetcher' && op.outcome === 'ok')
  await more('reads by the pushed-to reader', 5, 0, (op) => op.type === 'read' && op.client === 'pusher' && op.outcome === 'ok')
  await more('commits by the group', 5, 0, (op) => op.type === 'commit' && op.outcome === 'ok')
  await more('committed offsets read back', 3, 0, (op) => op.type === 'fetch-committed' && op.outcome === 'ok' && op.offset! > 0)

  // The leader of partition 0 dies; the clients carry on with the other two, then with all three.
  const victim = await c.waitForLeader(topic, 0)
  const killedMs = clock()
  await c.kill9(victim)
  for (const { name } of PRODUCERS.filter((p) => p.acks === 'all')) await more(`sends of ${name} acknowledged after the kill of broker ${victim}`, 30, killedMs, okProduce(name))
  await more('reads after the kill', 5, killedMs, (op) => op.type === 'read' && op.outcome === 'ok')
  await c.restart(victim)
  for (let p = 0; p < PARTITIONS; p++) await c.waitForIsr(topic, p, 3)
  const restartedMs = clock()
  for (const { name } of PRODUCERS) await more(`sends of ${name} acknowledged after the restart`, 30, restartedMs, okProduce(name))
  await more('commits after the restart', 3, restartedMs, (op) => op.type === 'commit' && op.outcome === 'ok')
  // etcd goes away and comes back: the clients never see it, they carry on.
  await c.restartEtcd()
  const etcdBackMs = clock()
  for (const { name } of PRODUCERS) await more(`sends of ${name} acknowledged after etcd restarted`, 30, etcdBackMs, okProduce(name))
  await more('committed offsets read back after etcd restarted', 3, etcdBackMs, (op) => op.type === 'fetch-committed' && op.outcome === 'ok')
  // Both members of the group take part (the coordinator splits the three partitions between them).
  for (const member of ['member1', 'member2']) {
    await sayingWhere(waitFor(`reads by ${member}`, () => {
      if (count(w.ops(), (op) => op.type === 'read' && op.client === member && op.outcome === 'ok') > 0) return true
      throw new Error(`${w.summary()}; group: ${JSON.stringify([...w.groupAssignment()])}`)
    }, { timeoutMs: 60_000, intervalMs: 50 }))
  }

  await w.stop()
  const ops = w.ops()
  const logs = await w.readFinalLogs()
  expect(w.ops().length, 'nothing is recorded after stop()').toBe(ops.length)
  expect(logs.map((l) => [l.partition, l.logStartOffset])).toEqual([[0, 0], [1, 0], [2, 0]])
  expect(fieldProblems(ops), w.summary()).toEqual([])
  expect(logProblems(ops, logs), w.summary()).toEqual([])
  // Each reader read every partition, and the group committed in every partition.
  for (const client of ['fetcher', 'pusher']) {
    for (let p = 0; p < PARTITIONS; p++) expect(count(ops, (op) => op.type === 'read' && op.client === client && op.partition === p && op.outcome === 'ok'), `${client} ${p}`).toBeGreaterThan(0)
  }
  for (let p = 0; p < PARTITIONS; p++) expect(count(ops, (op) => op.type === 'commit' && op.partition === p && op.outcome === 'ok'), `commits of ${p}`).toBeGreaterThan(0)
  const reads = ops.filter((op): op is ReadOp => op.type === 'read' && op.outcome === 'ok')
  expect(new Set(reads.map((r) => r.client)), `${w.summary()}; group: ${JSON.stringify([...w.groupAssignment()])}`).toEqual(new Set(['fetcher', 'pusher', 'member1', 'member2']))
  // The readers caught up with the final logs before the stop, neither skipping nor going back; and
  // the whole history passes the checker.
  expect([...w.readersShort].flatMap(([, ps]) => ps), w.summary()).toEqual([])
  const history = { seed: 0, startedMs: startMs, endedMs: clock(), ops, faults: [], finalLogs: logs }
  const result = checkHistory(history)
  expect(result.ok, formatReport(history, result)).toBe(true)
}, 240_000)

it('stop() ends while every broker is paused, closing the sends in flight as unknown', async () => {
  cluster = await startCluster({ brokers: 3, sessionTimeoutMs: 2000 })
  const c = cluster
  const topic = 'workload-paused'
  const w = (workload = new Workload({ urls: () => c.urls(), topic, partitions: PARTITIONS, clock: () => performance.now(), recordsPerSecMax: 60, stopTimeoutMs: 2_000, readerCatchUpTimeoutMs: 2_000 }))
  await w.start()
  await waitFor('acknowledged sends', () => count(w.ops(), (op) => op.type === 'produce' && op.outcome === 'ok') >= 60, { timeoutMs: 60_000 })
  for (const id of c.brokerIds) c.stop(id)
  // Sends no broker will answer (the client gives up on them only after its retries).
  await waitFor('sends in flight to the paused brokers', () => w.inFlightCount >= 8 || `${w.inFlightCount} in flight; ${w.summary()}`, { timeoutMs: 30_000 })
  await w.stop()
  const ops = w.ops()
  expect(w.inFlightCount).toBe(0)
  const closed = ops.filter((op) => op.type === 'produce' && op.outcome === 'unknown' && /still in flight/.test(op.error ?? ''))
  expect(closed.length, w.summary()).toBeGreaterThan(0)
  expect(fieldProblems(ops), w.summary()).toEqual([])
  // No high watermark could be read: the history says each reader was given up on, every partition.
  for (const client of ['fetcher', 'pusher']) {
    expect(count(ops, (op) => op.type === 'read' && op.client === client && op.gaveUp === true), client).toBe(PARTITIONS)
  }
  for (const id of c.brokerIds) c.cont(id)
}, 180_000)
