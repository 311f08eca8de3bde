// @faecie/bench: faecie's load generators, reached through `faecie perf` (packages/cli). Each
// workload takes its options and a WorkloadContext (how to make clients, how long the first
// contact may take) and resolves with a PerfResult; the CLI prints it.
export { runProduce, SEND_RECORDS, type ProduceOptions } from './produce.js'
export { runConsume, type ConsumeOptions } from './consume.js'
export { runLatency, sharedClockMs, TIMESTAMP_BYTES, type LatencyOptions } from './latency.js'
export { Progress, type ProgressOptions } from './progress.js'
export { TokenBucket } from './token-bucket.js'
export { Payloads } from './payload.js'
export { type PerfResult, type Histogram, latencyHistogram, perfResult, resultLine, summaryText } from './result.js'
export type { WorkloadContext } from './workload.js'
export { runFanout, RAISED_FDS_EXEC, defaultFanoutProcesses, fanoutLine, fanoutSummary, FANOUT_STAMP_BYTES, type FanoutOptions, type FanoutResult, type FanoutRun, type FanoutSend } from './fanout.js'
export type { FanoutTarget } from './fanout-wire.js'
