// `faecie perf latency --processes 2`: the producer in this process, the consumer in a child
// (latency-child.ts, forked with an IPC channel), as a real app would have them. The child connects,
// assigns itself every partition from its end as it is now, and says `ready`; then records are sent
// at the rate, each stamped with its intended send time on the clock both processes share
// (performance.timeOrigin + performance.now()); the child sends its histogram back when all came.
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import hdr from 'hdr-histogram-js'
import type { LatencyChildMessage, LatencyChildStart } from './latency-child.js'
import { type LatencyOptions, sendAtRate } from './latency.js'
import { type PerfResult, perfResult } from './result.js'
import { type WorkloadContext, deferred } from './workload.js'

const CONNECT_TIMEOUT_MS = 10_000

/** The child's script: next to this file when built; from dist when this runs from src (tests). */
export function childScript(): string {
  const here = fileURLToPath(import.meta.url)
  const beside = join(dirname(here), 'latency-child.js')
  if (existsSync(beside)) return beside
  return join(dirname(here), '..', 'dist', 'latency-child.js')
}

export async function runLatencyInTwoProcesses(options: LatencyOptions, context: WorkloadContext): Promise<PerfResult> {
  const brokers = options.brokers
  if (brokers === undefined || brokers.length === 0) throw new Error('a latency run in two processes needs the brokers\' addresses')
  const producerClient = context.newClient()
  const producer = producerClient.producer({ acks: 1, idempotent: false, lingerMs: 0 })
  const admin = producerClient.admin()
  const ready = deferred<void>()
  const done = deferred<{ received: number; histogram: string }>()
  // Either may fail before it is awaited (the child gone early): not an unhandled rejection.
  ready.promise.catch(() => undefined)
  done.promise.catch(() => undefined)
  let child: ChildProcess | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const ends = await context.connected(admin.fetchTopicOffsets(options.topic))
    child = fork(childScript(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.on('message', (message: LatencyChildMessage) => {
      if (message.kind === 'ready') ready.resolve()
      else if (message.kind === 'done') done.resolve(message)
      else {
        ready.reject(new Error(`the consumer process failed: ${message.message}`))
        done.reject(new Error(`the consumer process failed: ${message.message}`))
      }
    })
    child.once('exit', (code) => {
      const err = new Error(`the consumer process exited (${String(code)}) before it was done`)
      ready.reject(err)
      done.reject(err)
    })
    const start: LatencyChildStart = {
      brokers: [...brokers],
      topic: options.topic,
      assignments: ends.map(({ partition, offset }) => ({ partition, offset })),
      mode: options.mode,
      records: options.records,
      warmupRecords: options.warmupRecords ?? 0,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    }
    child.send(start)
    await context.connected(producer.connect())
    await context.connected(producer.send({ topic: options.topic, messages: [] }))
    await context.connected(ready.promise)
    timer = setTimeout(() => done.reject(new Error(`not all ${options.records} records came back within ${options.timeoutMs} ms (--timeout-ms)`)), options.timeoutMs)
    const startMs = performance.now()
    const send = async (values: Uint8Array[]): Promise<void> => {
      await producer.send({ topic: options.topic, messages: values.map((value) => ({ value })) })
      context.progress?.add(values.length)
    }
    const sending = sendAtRate({ ...options, records: (options.warmupRecords ?? 0) + options.records, stampOffsetMs: performance.timeOrigin }, startMs, send).catch((err: unknown) => done.reject(err))
    const result = await done.promise
    await sending
    // From the first counted record's intended send time: the warm-up is not in the rate.
    const elapsedMs = performance.now() - (startMs + ((options.warmupRecords ?? 0) * 1000) / options.rate)
    const latencies = hdr.decodeFromCompressedBase64(result.histogram, 32, false)
    return perfResult(result.received, result.received * options.recordBytes, elapsedMs, latencies)
  } finally {
    clearTimeout(timer)
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL')
    await Promise.all([producer.disconnect(), admin.disconnect()].map((p) => p.catch(() => undefined)))
  }
}
