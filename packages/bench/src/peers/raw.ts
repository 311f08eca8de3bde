// The raw ceilings, measured in the same run as faecie: (1) pre-encoded frames (raw-frames.ts, its
// own process: produce frames of 1,000-record batches encoded before the clock starts, sent over one
// WebSocket with the producer's window in flight, no client library) against a bare ws server that
// only acks (raw-server.ts, its own process): what the socket and the machine allow, the ceiling
// the client is measured against; (2) the real client's producer, driven by `faecie perf produce`'s
// runProduce, against the same server (information: the client against itself); (3) plain fs
// appends to a file (MB/s) in chunks of 1 MiB; (4) fdatasync latency (4 KiB written, then
// fdatasync, timed).
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { join } from 'node:path'
import { runProduce } from '../index.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { figuresOf, within } from '../suite/harness.js'
import { lastJsonLine } from '../suite/parsers.js'
import { outputLine, peerScript, runToolOk, startProcess, tempDir } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { summarize } from '../suite/stats.js'
import { workloadContext } from './faecie.js'

export const RAW_WS = 'raw ws (acks only)'
export const PRE_ENCODED_WS = 'pre-encoded ws (acks only)'
/** Records per pre-encoded batch, and batches in flight (the producer's default window per partition). */
const PRE_ENCODED_BATCH_RECORDS = 1000
const PRE_ENCODED_IN_FLIGHT = 16
export const RAW_DISK = 'raw disk'
const APPEND_CHUNK_BYTES = 1024 * 1024
const FSYNC_WRITE_BYTES = 4096

export async function benchRaw(context: SuiteContext): Promise<void> {
  const { profile, workloads } = context
  const server = await startRawServer()
  try {
    const wc = workloadContext(server.url)
    const admin = wc.newClient().admin()
    let seq = 0
    const produce = async (partitions: number, recordBytes: number, records: number): Promise<Figures> => {
      const topic = `raw-${++seq}`
      await wc.connected(admin.createTopics({ topics: [{ topic, numPartitions: partitions }] }))
      return figuresOf(await within(profile.toolTimeoutMs, 'produce', runProduce({ topic, records, recordBytes, producers: 1, acks: 1, throughput: -1 }, wc)))
    }
    const preEncoded = (records: number): Promise<Figures> => preEncodedFromNode(server.url, records, profile.toolTimeoutMs)
    try {
      if (workloads.has('throughput')) await measure(context, { workload: 'throughput', system: PRE_ENCODED_WS, variant: 'produce' }, () => preEncoded(profile.smallRecords))
      if (workloads.has('throughput')) await measure(context, { workload: 'throughput', system: RAW_WS, variant: 'produce' }, () => produce(1, 100, profile.smallRecords))
      if (workloads.has('kb16')) await measure(context, { workload: 'kb16', system: RAW_WS, variant: 'produce' }, () => produce(profile.kbPartitions, 1024, profile.kbRecords))
    } finally {
      await admin.disconnect().catch(() => undefined)
    }
  } finally {
    await server.stop()
  }
  if (workloads.has('ceiling') || workloads.has('throughput') || workloads.has('durable')) {
    const dir = tempDir('disk')
    await measure(context, { workload: 'ceiling', system: RAW_DISK, variant: 'fs append, 1 MiB writes' }, async () => ({ mbPerSec: appendMbPerSec(join(dir, 'append'), profile.diskAppendBytes) }))
    await measure(context, { workload: 'ceiling', system: RAW_DISK, variant: 'write 4 KiB + fdatasync' }, async () => fsyncLatency(join(dir, 'fsync'), profile.fsyncCount))
  }
}

/** raw-server.ts started on a free port: its ws:// URL; stop() ends it. */
export async function startRawServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = startProcess(process.execPath, [peerScript('raw-server.js'), '--port', '0'])
  try {
    const port = await outputLine(server, /listening (\d+)/, 'the raw ws server')
    return { url: `ws://127.0.0.1:${port}`, stop: () => server.stop() }
  } catch (err) {
    await server.stop()
    throw err
  }
}

/** raw-frames.ts against the server at `url`: the pre-encoded ceiling of Node, 100-byte records. */
export async function preEncodedFromNode(url: string, records: number, timeoutMs: number): Promise<Figures> {
  const framesMain = peerScript('raw-frames.js')
  const output = await runToolOk(process.execPath, [framesMain, '--url', url, '--records', String(records), '--record-bytes', '100',
    '--batch-records', String(PRE_ENCODED_BATCH_RECORDS), '--in-flight', String(PRE_ENCODED_IN_FLIGHT)], timeoutMs)
  const { recordsPerSec, mbPerSec } = lastJsonLine<{ recordsPerSec: number; mbPerSec: number }>(output, '{', 'raw-frames')
  return { recordsPerSec, mbPerSec }
}

/** Appends `bytes` to a fresh file in 1 MiB writes (no sync); MB/s. */
export function appendMbPerSec(file: string, bytes: number): number {
  const chunk = new Uint8Array(APPEND_CHUNK_BYTES)
  randomFillSync(chunk)
  const fd = openSync(file, 'w')
  const startMs = performance.now()
  try {
    for (let written = 0; written < bytes; written += chunk.byteLength) writeSync(fd, chunk)
  } finally {
    closeSync(fd)
  }
  const seconds = (performance.now() - startMs) / 1000
  unlinkSync(file)
  return Math.round((bytes / (1024 * 1024) / seconds) * 10) / 10
}

/** `count` times: append 4 KiB and fdatasync, each timed; the median, p99 and max in ms. */
export function fsyncLatency(file: string, count: number): { p50Ms: number; p99Ms: number; maxMs: number; recordsPerSec: number } {
  const block = new Uint8Array(FSYNC_WRITE_BYTES)
  randomFillSync(block)
  const fd = openSync(file, 'w')
  const times: number[] = []
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      writeSync(fd, block)
      fdatasyncSync(fd)
      times.push(performance.now() - t0)
    }
  } finally {
    closeSync(fd)
  }
  unlinkSync(file)
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000
  const total = times.reduce((a, b) => a + b, 0)
  return { p50Ms: Math.round(summarize(times).median * 1000) / 1000, p99Ms: at(0.99), maxMs: at(1), recordsPerSec: Math.round(count / (total / 1000)) }
}
