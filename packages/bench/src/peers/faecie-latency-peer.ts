// faecie's latency run in a process of its own, for the bench's `latency` workload: runLatency, as
// `faecie perf latency` runs it, in a fresh process, the way the bare path's producer and subscriber
// run (bare-path-peer.ts), so that both sides of the comparison have the same shape: a producer in a
// process that does nothing else (not the bench's own, which holds every figure of the run and
// samples RSS), a consumer in a child of it (--processes 2) or beside it (--processes 1).
//   node faecie-latency-peer.js --broker URL --topic T --records N --rate R [--record-bytes 100]
//     [--mode push|fetch] [--processes 1|2] [--warmup-records W] [--timeout-ms MS]
// prints one JSON line, the PerfResult, and exits 0; on a failure, its message on stderr, exit 1.
import { parseArgs } from 'node:util'
import { runLatency } from '../latency.js'
import { workloadContext } from './faecie.js'

const { values } = parseArgs({
  options: {
    broker: { type: 'string' },
    topic: { type: 'string' },
    records: { type: 'string' },
    rate: { type: 'string' },
    'record-bytes': { type: 'string', default: '100' },
    mode: { type: 'string', default: 'push' },
    processes: { type: 'string', default: '1' },
    'warmup-records': { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: '60000' },
  },
})

const broker = values.broker
const topic = values.topic
const mode = values.mode
const processes = Number(values.processes)
if (broker === undefined || topic === undefined || (mode !== 'push' && mode !== 'fetch') || (processes !== 1 && processes !== 2)) {
  process.stderr.write('usage: faecie-latency-peer.js --broker URL --topic T --records N --rate R [--mode push|fetch] [--processes 1|2]\n')
  process.exit(2)
}

try {
  const result = await runLatency({
    topic,
    records: Number(values.records),
    rate: Number(values.rate),
    recordBytes: Number(values['record-bytes']),
    mode,
    timeoutMs: Number(values['timeout-ms']),
    processes,
    brokers: [broker],
    warmupRecords: Number(values['warmup-records']),
  }, workloadContext(broker))
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
