// `faecie perf produce | consume | latency | fanout`: the load generators of @faecie/bench, like Kafka's
// kafka-producer-perf-test, kafka-consumer-perf-test and EndToEndLatency. The flags are checked
// before the broker is contacted (a bad command line is exit 2), the broker is reached within the
// connect timeout (exit 1 past it), the topic is created when --partitions is given and it is
// missing, and the workload runs with its progress on stderr. stdout gets exactly one JSON line:
// {"records","recordsPerSec","mbPerSec","p50Ms","p99Ms","p999Ms","maxMs"} (fanout: its own keys, below). @faecie/bench (and its
// HdrHistogram) is loaded only once a run starts, so the other commands start as fast as before.
import type { AcksOption, Admin } from '@faecie/client'
import type { FanoutRun, PerfResult, WorkloadContext } from '@faecie/bench'
import { COMMON_USAGE, type Flags, UsageError } from '../args.js'
import { CommandError, clientFor, partitionsOf, targetOf, withinConnectTimeout } from '../connect.js'
import type { LineWriter } from '../output.js'
import { type Action, type AdminCommand, runAdminCommand } from './admin-command.js'

type Bench = typeof import('@faecie/bench')

/** @faecie/bench's TIMESTAMP_BYTES, here so that checking the flags does not load the package. */
const TIMESTAMP_BYTES = 8
/** @faecie/bench's FANOUT_STAMP_BYTES (intended send time and index), likewise. */
const FANOUT_STAMP_BYTES = 12

export const PERF_USAGE = `Usage: faecie perf <produce|consume|latency|fanout> --topic T --records N [options]

Load generators; each prints its progress on stderr and ends with one JSON line on stdout:
{"records":..,"recordsPerSec":..,"mbPerSec":..,"p50Ms":..,"p99Ms":..,"p999Ms":..,"maxMs":..}

  produce   N records of random bytes, keyless, sent with producer.sendValues (1,000 values a call);
            latency is per call (counted once per record), from the call to its acknowledgement
    --messages              send() with { value } messages instead (64 a call: kafkajs's shape)
    --record-size B         bytes per record (default 100)
    --partitions P          create the topic with P partitions if it is missing
    --producers K           producers, each on its own connection (default 1)
    --acks 0|1|all          (default 1)
    --throughput R          at most R records/s in all; -1 (default): as fast as it goes
    --linger-ms L           the producers' lingerMs (default the client's)
    --batch-bytes X         the producers' batchBytes (default the client's)
  consume   N records from the earliest offset of every partition; latency is the wait for each batch
    --group G               read as a member of group G (from its committed offsets, else the earliest)
    --timeout-ms MS         give up when fewer than N records came within MS (default 60000)
  latency   end to end, produce to delivery, one producer (lingerMs 0, acks 1) and one consumer at a
            fixed rate; each record's latency counts from its intended send time (corrected for
            coordinated omission)
    --rate R                records per second (required)
    --record-size B         bytes per record, at least ${TIMESTAMP_BYTES} (default 100)
    --partitions P          create the topic with P partitions if it is missing
    --mode push|fetch       how the consumer reads (default push: the broker pushes appends)
    --processes 1|2         1 (default): both in this process; 2: the consumer in a child process
                            (a real app's shape; both stamp with timeOrigin + now, a shared clock)
    --flush never|always    create the topic (when missing) with this flush config
    --warmup-records W      send W records first at the rate, not counted (a fresh process's JIT
                            warms up on them; default 0)
    --timeout-ms MS         give up when fewer than N records came back within MS (default 60000)
  fanout    live fan-out: one producer (lingerMs 0, acks 1) at a fixed rate and S subscribers, each its
            own session (a Faecie client, push mode, from the topic's end), spread over load-generator
            processes; latency of every record at every subscriber from its intended send time (a
            wall clock the processes share). Its JSON line: {"records","delivered" (record copies,
            records x subscribers when none was missed),"recordsPerSec" (delivered copies/s),
            "p50Ms","p99Ms","p999Ms","maxMs","slowestLagRecords","subscribers"}. The broker must
            allow the sessions: "limits": {"sessionsMax", "sessionsPerAddressMax"} in its --config
    --subscribers S         subscribers (required)
    --rate R                records per second (required)
    --processes P           load-generator processes (default min(4, ceil(S / 2500)))
    --record-size B         bytes per record, at least ${FANOUT_STAMP_BYTES} (default 100)
    --partitions P          create the topic with P partitions if it is missing
    --timeout-ms MS         give up when the subscribers are not all subscribed within MS, or a record
                            has not reached every subscriber MS after the last send (default 60000)

${COMMON_USAGE}`

const OPTIONS = {
  topic: { type: 'string' },
  records: { type: 'string' },
  'record-size': { type: 'string' },
  partitions: { type: 'string' },
  producers: { type: 'string' },
  acks: { type: 'string' },
  throughput: { type: 'string' },
  'linger-ms': { type: 'string' },
  'batch-bytes': { type: 'string' },
  messages: { type: 'boolean' },
  group: { type: 'string' },
  rate: { type: 'string' },
  mode: { type: 'string' },
  'timeout-ms': { type: 'string' },
  subscribers: { type: 'string' },
  processes: { type: 'string' },
  flush: { type: 'string' },
  'warmup-records': { type: 'string' },
} as const

const COMMON = ['broker', 'bootstrap-server', 'connect-timeout-ms', 'help', 'topic', 'records']
const DEFAULT_RECORD_BYTES = 100
const DEFAULT_TIMEOUT_MS = 60_000
const PRODUCERS_MAX = 1_000
const SUBSCRIBERS_MAX = 100_000
const PROCESSES_MAX = 64

function records(flags: Flags): number {
  const n = flags.integer('records', 1)
  if (n === undefined) throw new UsageError('--records is required')
  return n
}

/** The topic's partitions, after creating it with --partitions P when it is missing. */
async function preparedTopic(admin: Admin, flags: Flags, topic: string, partitions: number | undefined): Promise<number[]> {
  const target = targetOf(flags)
  if (partitions !== undefined) {
    await withinConnectTimeout(target, admin.createTopics({ topics: [{ topic, numPartitions: partitions }], ifNotExists: true }))
  }
  return partitionsOf(clientFor(target), target, topic)
}

/** Runs a workload with a progress display, then reports its result. */
async function report(label: string, total: number, flags: Flags, out: LineWriter, work: (bench: Bench, context: WorkloadContext) => Promise<PerfResult>): Promise<number> {
  const target = targetOf(flags)
  const bench = await import('@faecie/bench')
  const { Progress, resultLine, summaryText } = bench
  const progress = new Progress({ label, total })
  let result: PerfResult
  try {
    result = await work(bench, {
      newClient: () => clientFor(target),
      connected: (promise) => withinConnectTimeout(target, promise),
      progress,
    })
  } finally {
    progress.stop()
  }
  process.stderr.write(`${summaryText(label, result)}\n`)
  out.write(resultLine(result))
  return 0
}

const produce: Action = (flags, out) => {
  const topic = flags.requiredString('topic')
  const total = records(flags)
  const recordBytes = flags.integer('record-size', 1) ?? DEFAULT_RECORD_BYTES
  const partitions = flags.integer('partitions', 1)
  const producers = flags.integer('producers', 1, PRODUCERS_MAX) ?? 1
  const acksText = flags.choice('acks', ['0', '1', 'all', '-1'] as const) ?? '1'
  const acks: AcksOption = acksText === 'all' || acksText === '-1' ? 'all' : acksText === '1' ? 1 : 0
  const throughput = flags.integer('throughput', -1) ?? -1
  if (throughput === 0) throw new UsageError('--throughput must be -1 (no limit) or at least 1, not 0')
  const lingerMs = flags.integer('linger-ms', 0)
  const batchBytes = flags.integer('batch-bytes', 1)
  const messages = flags.bool('messages')
  return async (admin) => {
    await preparedTopic(admin, flags, topic, partitions)
    return report('perf produce', total, flags, out, ({ runProduce }, context) => runProduce({
      topic, records: total, recordBytes, producers, acks, throughput, messages,
      ...(lingerMs === undefined ? {} : { lingerMs }),
      ...(batchBytes === undefined ? {} : { batchBytes }),
    }, context))
  }
}

const consume: Action = (flags, out) => {
  const topic = flags.requiredString('topic')
  const total = records(flags)
  const groupId = flags.string('group')
  if (groupId === '') throw new UsageError('--group must not be empty')
  const timeoutMs = flags.integer('timeout-ms', 1) ?? DEFAULT_TIMEOUT_MS
  return async (admin) => {
    const partitions = await preparedTopic(admin, flags, topic, undefined)
    return report('perf consume', total, flags, out, ({ runConsume }, context) => runConsume({
      topic, records: total, partitions, timeoutMs, ...(groupId === undefined ? {} : { groupId }),
    }, context))
  }
}

const latency: Action = (flags, out) => {
  const topic = flags.requiredString('topic')
  const total = records(flags)
  const rate = flags.integer('rate', 1)
  if (rate === undefined) throw new UsageError('--rate is required')
  const recordBytes = flags.integer('record-size', TIMESTAMP_BYTES) ?? DEFAULT_RECORD_BYTES
  const partitions = flags.integer('partitions', 1)
  const mode = flags.choice('mode', ['push', 'fetch'] as const) ?? 'push'
  const processes = flags.choice('processes', ['1', '2'] as const) === '2' ? 2 : 1
  const flush = flags.choice('flush', ['never', 'always'] as const)
  const warmupRecords = flags.integer('warmup-records', 0) ?? 0
  const timeoutMs = flags.integer('timeout-ms', 1) ?? DEFAULT_TIMEOUT_MS
  return async (admin) => {
    const target = targetOf(flags)
    if (flush !== undefined) {
      await withinConnectTimeout(target, admin.createTopics({ topics: [{ topic, numPartitions: partitions ?? 1, config: { flush } }], ifNotExists: true }))
    }
    await preparedTopic(admin, flags, topic, partitions)
    return report('perf latency', total, flags, out, ({ runLatency }, context) => runLatency({ topic, records: total, rate, recordBytes, mode, timeoutMs, processes, brokers: target.addresses, warmupRecords }, context))
  }
}

const fanout: Action = (flags, out) => {
  const topic = flags.requiredString('topic')
  const total = records(flags)
  const subscribers = flags.integer('subscribers', 1, SUBSCRIBERS_MAX)
  if (subscribers === undefined) throw new UsageError('--subscribers is required')
  const rate = flags.integer('rate', 1)
  if (rate === undefined) throw new UsageError('--rate is required')
  const processesFlag = flags.integer('processes', 1, PROCESSES_MAX)
  const recordBytes = flags.integer('record-size', FANOUT_STAMP_BYTES) ?? DEFAULT_RECORD_BYTES
  const partitions = flags.integer('partitions', 1)
  const timeoutMs = flags.integer('timeout-ms', 1) ?? DEFAULT_TIMEOUT_MS
  return async (admin) => {
    await preparedTopic(admin, flags, topic, partitions)
    const target = targetOf(flags)
    const { Progress, runFanout, defaultFanoutProcesses, fanoutLine, fanoutSummary } = await import('@faecie/bench')
    const processes = processesFlag ?? defaultFanoutProcesses(subscribers)
    // Subscribers start at the topic's end as it is now, before the producer sends anything.
    const ends = await withinConnectTimeout(target, admin.fetchTopicOffsets(topic))
    const producer = clientFor(target).producer({ acks: 1, idempotent: false, lingerMs: 0 })
    const progress = new Progress({ label: 'perf fanout', total: total * subscribers })
    let result: FanoutRun
    try {
      await withinConnectTimeout(target, producer.connect())
      result = await runFanout({ subscribers, rate, records: total, recordBytes, processes, timeoutMs, progress },
        { kind: 'faecie', brokers: target.addresses, topic, offsets: ends.map(({ partition, offset }) => ({ partition, offset })) },
        (values) => producer.send({ topic, messages: values.map((value) => ({ value })) }))
    } finally {
      progress.stop()
      await producer.disconnect().catch(() => undefined)
    }
    process.stderr.write(`${fanoutSummary(result)}\n`)
    if (result.lagAtEndRecords > 0) throw new CommandError(`not every record reached every subscriber within ${timeoutMs} ms (--timeout-ms): ${result.delivered} of ${total * subscribers} record copies`)
    out.write(fanoutLine(result))
    return 0
  }
}

const PERF: AdminCommand = {
  name: 'perf',
  usage: PERF_USAGE,
  options: OPTIONS,
  actionFlags: {
    produce: [...COMMON, 'record-size', 'partitions', 'producers', 'acks', 'throughput', 'linger-ms', 'batch-bytes', 'messages'],
    consume: [...COMMON, 'group', 'timeout-ms'],
    latency: [...COMMON, 'rate', 'record-size', 'partitions', 'mode', 'processes', 'flush', 'warmup-records', 'timeout-ms'],
    fanout: [...COMMON, 'subscribers', 'rate', 'processes', 'record-size', 'partitions', 'timeout-ms'],
  },
  actions: { produce, consume, latency, fanout },
}

export function perfCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand(PERF, argv, out)
}
