// `pnpm bench:storage`: the storage engine's throughput and footprint, measured through the partition
// actors on their worker threads (the path the broker uses), with the figures written to their own
// section of BENCHMARKS.md. Batches are encoded once up front: this measures storage, not encoding.
//
//   append   100-byte records in 1,000-record batches into 1, 2 and 4 partitions at once, flush
//            `never` and `always`; records/s and MB/s (record payload bytes), median of several runs
//   fetch    reading back one partition's data from the start, records/s and MB/s
//   idle     memory per open idle partition with 1,000 open (process RSS, all threads)
//
// Each run writes at most `--bytes-max` (default 1.5 GiB) and its data is deleted before the next:
// the page cache here holds ~4.6 GiB of dirty data before writes slow to the disk's speed.
import '@faecie/protocol/node'
import { spawnSync } from 'node:child_process'
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { cpus, totalmem, tmpdir, release } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { RecordBatchEncoder, crc32cImplementation, lastOffsetOf, checkBatch } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionManager } from '../partition/partition-manager.js'
import type { PartitionConfig } from '../partition/messages.js'
import { DEFAULT_LOG_CONFIG, type FlushPolicy } from '../storage/log-api.js'
import { summarize, writeBenchmarkSection } from './benchmarks-md.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    'bytes-max': { type: 'string', default: String(1.5 * 1024 ** 3) },
    'in-flight': { type: 'string', default: '16' },
    output: { type: 'string', default: resolve(process.env.INIT_CWD ?? process.cwd(), 'BENCHMARKS.md') },
    'no-write': { type: 'boolean', default: false },
  },
})
const secondsPerRun = Number(args.seconds)
const runs = Number(args.runs)
const bytesMax = Number(args['bytes-max'])
const inFlightPerPartition = Number(args['in-flight'])

const RECORDS_PER_BATCH = 1000
const RECORD_VALUE_BYTES = 100

function makeBatch(): Uint8Array {
  const value = new Uint8Array(RECORD_VALUE_BYTES).fill(97)
  const records = Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value }))
  return new RecordBatchEncoder().encode(records, { timestamp: Date.now() }).slice()
}

function partitionConfig(flush: FlushPolicy): PartitionConfig {
  return { ...DEFAULT_LOG_CONFIG, flush, segmentBytes: 512 * 1024 * 1024, maxMessageBytes: 4 * 1024 * 1024, timestampType: 'CreateTime' }
}

interface Rate { recordsPerSec: number; mbPerSec: number }

async function appendRun(partitions: number, flush: FlushPolicy, batch: Uint8Array, inFlight = inFlightPerPartition): Promise<Rate> {
  // Each run starts with the page cache written back: the previous run's dirty data would otherwise
  // compete with this run's fdatasyncs for the disk.
  spawnSync('sync')
  const dataDir = mkdtempSync(join(tmpdir(), 'faecie-bench-'))
  const manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: partitions })
  try {
    for (let p = 0; p < partitions; p++) await manager.open('bench', p, partitionConfig(flush))
    const batchesMax = Math.floor(bytesMax / batch.length)
    let batches = 0
    const deadline = performance.now() + secondsPerRun * 1000
    const started = performance.now()
    const loop = async (p: number): Promise<void> => {
      while (performance.now() < deadline && batches < batchesMax) {
        batches++
        await manager.produce('bench', p, batch, 1)
      }
    }
    const loops: Promise<void>[] = []
    for (let p = 0; p < partitions; p++) for (let i = 0; i < inFlight; i++) loops.push(loop(p))
    await Promise.all(loops)
    const seconds = (performance.now() - started) / 1000
    const records = batches * RECORDS_PER_BATCH
    return { recordsPerSec: records / seconds, mbPerSec: (records * RECORD_VALUE_BYTES) / seconds / 1e6 }
  } finally {
    await manager.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function fetchRun(batch: Uint8Array): Promise<Rate> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faecie-bench-'))
  const manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 1 })
  try {
    await manager.open('bench', 0, partitionConfig('never'))
    const batchesToWrite = Math.min(Math.floor(bytesMax / batch.length), 8000)
    for (let i = 0; i < batchesToWrite; i += inFlightPerPartition) {
      const n = Math.min(inFlightPerPartition, batchesToWrite - i)
      await Promise.all(Array.from({ length: n }, () => manager.produce('bench', 0, batch, 1)))
    }
    const started = performance.now()
    let offset = 0
    let records = 0
    for (;;) {
      const fetched = await manager.fetch('bench', 0, offset, 4 * 1024 * 1024)
      if (fetched.bytes.length === 0) break
      let pos = 0
      let last = offset
      while (pos < fetched.bytes.length) {
        const check = checkBatch(fetched.bytes, pos, fetched.bytes.length, false)
        if (!check.ok) throw new Error(`fetch returned a torn batch: ${check.problem}`)
        last = lastOffsetOf(fetched.bytes, pos)
        pos += check.size
      }
      records += last + 1 - offset
      offset = last + 1
    }
    const seconds = (performance.now() - started) / 1000
    return { recordsPerSec: records / seconds, mbPerSec: (records * RECORD_VALUE_BYTES) / seconds / 1e6 }
  } finally {
    await manager.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function idleRun(batch: Uint8Array, count: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faecie-bench-'))
  const manager = new PartitionManager({ dataDir, logger: silentLogger(), partitionThreadsMax: 2 })
  try {
    // The threads exist before the baseline, so it measures partitions, not thread stacks.
    await manager.open('warm', 0, partitionConfig('always'))
    await manager.open('warm', 1, partitionConfig('always'))
    await settle()
    const before = process.memoryUsage().rss
    for (let p = 0; p < count; p += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - p) }, (_, i) => manager.open('idle', p + i, partitionConfig('always'))))
    }
    for (let p = 0; p < count; p += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - p) }, (_, i) => manager.produce('idle', p + i, batch.subarray(0, batch.length), 1)))
    }
    await settle()
    return (process.memoryUsage().rss - before) / count
  } finally {
    await manager.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * The disk's own ceilings in the same run, with no faecie code: appending `chunkBytes` at a time to a
 * file, without and with an fdatasync after each write (what one tick of a partition does).
 */
function rawDiskRate(chunkBytes: number, sync: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), 'faecie-bench-raw-'))
  const fd = openSync(join(dir, 'raw.log'), 'w')
  const chunk = new Uint8Array(chunkBytes).fill(97)
  let bytes = 0
  const started = performance.now()
  const rawBytesMax = Math.min(bytesMax, 1024 ** 3)
  while (performance.now() - started < secondsPerRun * 1000 && bytes < rawBytesMax) {
    writeSync(fd, chunk)
    if (sync) fdatasyncSync(fd)
    bytes += chunkBytes
  }
  const seconds = (performance.now() - started) / 1000
  closeSync(fd)
  rmSync(dir, { recursive: true, force: true })
  return bytes / seconds / 1e6
}

async function settle(): Promise<void> {
  globalThis.gc?.()
  await new Promise((r) => setTimeout(r, 500))
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

async function main(): Promise<void> {
  const batch = makeBatch()
  const rows: string[] = []
  const log = (line: string): void => { process.stderr.write(`${line}\n`) }
  log(`storage bench: ${runs} runs of ${secondsPerRun}s each, batch ${batch.length} bytes, crc32c ${crc32cImplementation()}`)
  let onePartitionNever = 0
  for (const flush of ['never', 'always'] as const) {
    for (const partitions of [1, 2, 4]) {
      const samples: Rate[] = []
      for (let r = 0; r < runs; r++) samples.push(await appendRun(partitions, flush, batch))
      const rec = summarize(samples.map((s) => s.recordsPerSec))
      const mb = summarize(samples.map((s) => s.mbPerSec))
      if (partitions === 1 && flush === 'never') onePartitionNever = rec.median
      const vsNever = flush === 'always' && partitions === 1 ? ` (${Math.round((rec.median / onePartitionNever) * 100)}% of flush never)` : ''
      rows.push(`| append | ${partitions} | ${flush} | ${fmt(rec.median)} (${fmt(rec.min)}-${fmt(rec.max)})${vsNever} | ${mb.median.toFixed(0)} (${mb.min.toFixed(0)}-${mb.max.toFixed(0)}) |`)
      log(rows[rows.length - 1]!)
    }
  }
  // The pipelined group commit overlaps writes with the running sync only when more is in flight
  // than one sync covers: the same run with a deeper window.
  const deep: Rate[] = []
  for (let r = 0; r < runs; r++) deep.push(await appendRun(1, 'always', batch, 64))
  const drec = summarize(deep.map((s) => s.recordsPerSec))
  const dmb = summarize(deep.map((s) => s.mbPerSec))
  rows.push(`| append, 64 in flight | 1 | always | ${fmt(drec.median)} (${fmt(drec.min)}-${fmt(drec.max)}) (${Math.round((drec.median / onePartitionNever) * 100)}% of flush never) | ${dmb.median.toFixed(0)} (${dmb.min.toFixed(0)}-${dmb.max.toFixed(0)}) |`)
  log(rows[rows.length - 1]!)
  // The same with the sync on the partition thread (no pipelining), for comparison.
  process.env.FAECIE_PIPELINED_SYNC = '0'
  const unpiped: Rate[] = []
  for (let r = 0; r < runs; r++) unpiped.push(await appendRun(1, 'always', batch, 64))
  delete process.env.FAECIE_PIPELINED_SYNC
  const urec = summarize(unpiped.map((s) => s.recordsPerSec))
  const umb = summarize(unpiped.map((s) => s.mbPerSec))
  rows.push(`| append, 64 in flight, sync not pipelined | 1 | always | ${fmt(urec.median)} (${fmt(urec.min)}-${fmt(urec.max)}) | ${umb.median.toFixed(0)} (${umb.min.toFixed(0)}-${umb.max.toFixed(0)}) |`)
  log(rows[rows.length - 1]!)
  const fetches: Rate[] = []
  for (let r = 0; r < runs; r++) fetches.push(await fetchRun(batch))
  const frec = summarize(fetches.map((s) => s.recordsPerSec))
  const fmb = summarize(fetches.map((s) => s.mbPerSec))
  rows.push(`| fetch | 1 | - | ${fmt(frec.median)} (${fmt(frec.min)}-${fmt(frec.max)}) | ${fmb.median.toFixed(0)} (${fmb.min.toFixed(0)}-${fmb.max.toFixed(0)}) |`)
  log(rows[rows.length - 1]!)
  const ceilings: string[] = []
  for (const chunks of [1, 16]) {
    const chunkBytes = batch.length * chunks
    const written = rawDiskRate(chunkBytes, false)
    const synced = rawDiskRate(chunkBytes, true)
    ceilings.push(`| ${fmt(chunkBytes / 1024)} KiB | ${written.toFixed(0)} | ${synced.toFixed(0)} |`)
    log(ceilings[ceilings.length - 1]!)
  }
  const idleBytes = await idleRun(batch, 1000)
  log(`idle: ${fmt(idleBytes / 1024)} KB per open partition`)

  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const markdown = [
    '## Storage engine (`pnpm bench:storage`)',
    '',
    `Command: \`pnpm bench:storage\` (defaults: ${runs} runs of ${secondsPerRun} s each, ${inFlightPerPartition} produces in flight per partition, at most ${(bytesMax / 1024 ** 3).toFixed(1)} GiB per run, data deleted between runs).`,
    `Machine: ${cpus().length} x ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; CRC-32C ${crc32cImplementation()}. Measured ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `Appends go through the partition manager and the actors on worker threads: each produce is copied into an owned buffer, transferred, validated (header and CRC-32C), appended and answered. Batches are ${RECORDS_PER_BATCH} records of ${RECORD_VALUE_BYTES}-byte values (${batch.length} bytes each), encoded once. MB/s counts record values. Medians, with min-max of the runs.`,
    '',
    '| test | partitions | flush | records/s | MB/s |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'The disk in the same run, without faecie: one thread appending chunks of one batch and of 16 batches (what a tick with 16 produces in flight writes) to a file, without and with an fdatasync after each write. Flush `always` cannot beat the second column; flush `never` is bound by the first.',
    '',
    '| chunk | write MB/s | write + fdatasync MB/s |',
    '| --- | --- | --- |',
    ...ceilings,
    '',
    `Memory per idle open partition (1,000 open, one batch each, process RSS over all threads): **${fmt(idleBytes / 1024)} KB**.`,
    '',
    'Targets on this 2-core machine: one partition >= 5,000,000 records/s (>= 550 MB/s) with flush `never`, >= 75% of that with flush `always`, <= 100 KB per idle partition.',
  ].join('\n')
  if (!args['no-write']) writeBenchmarkSection(args.output, 'storage', markdown)
  process.stdout.write(`${markdown}\n`)
}

await main()
