// Random command lists against a plain model, on the simulated disk (Redpanda's opfuzz, TigerBeetle's
// VOPR in miniature): appends, flushes, reads, reads by timestamp, rolls, truncations, retention,
// config changes, released caches, clean closes, crashes and power cuts (with the last write torn), each followed by
// a reopen through recovery.
//
// What must hold:
// - offsets, sizes and contents always agree with the model; reads return whole, consecutive batches
//   from the one holding the offset, none at or past the high watermark;
// - after a crash (kill -9), nothing appended is lost, under any flush policy;
// - after a power cut, every batch below the last flush point is there (under `always` that is every
//   acknowledged batch: the high watermark never passes it), and what is visible is a prefix of what
//   was written, byte for byte: nothing unwritten appears.
//
// The seed is printed; FAECIE_STORAGE_SEED=<seed> replays a run, fast-check's `path` narrows it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { PartitionLog } from './log.js'
import { DEFAULT_LOG_CONFIG, type FlushPolicy, type LogConfig } from './log-api.js'
import { seededRandom, SimulatedDisk } from './simulated-disk.js'
import { concatBytes, makeBatch, manualClock, parseBatches, type ParsedBatch } from './test-support.js'

const DIR = '/data/orders-0'
const SEED = Number(process.env.FAECIE_STORAGE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const NUM_RUNS = Number(process.env.FAECIE_STORAGE_RUNS ?? 60)

type Command =
  | { kind: 'append'; batches: { records: number; valueBytes: number; skewMs: number }[] }
  | { kind: 'flush' }
  | { kind: 'tick'; ms: number }
  | { kind: 'read'; at: number; maxBytes: number; logEnd: boolean }
  | { kind: 'readOutOfRange'; below: boolean }
  | { kind: 'offsetForTimestamp'; at: number }
  | { kind: 'roll' }
  | { kind: 'releaseMemory' }
  | { kind: 'truncate'; at: number }
  | { kind: 'retention'; retentionBytes: number; retentionMs: number }
  | { kind: 'config'; segmentBytes: number; indexIntervalBytes: number }
  | { kind: 'close' }
  | { kind: 'crash' }
  | { kind: 'powerLoss'; tear: boolean; seed: number }

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('append' as const), batches: fc.array(
    fc.record({ records: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 90 }), skewMs: fc.integer({ min: -50, max: 200 }) }),
    { minLength: 1, maxLength: 4 }) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('read' as const), at: fc.double({ min: 0, max: 1, noNaN: true }),
    maxBytes: fc.integer({ min: 0, max: 2000 }), logEnd: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readOutOfRange' as const), below: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('offsetForTimestamp' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'releaseMemory' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retention' as const), retentionBytes: fc.integer({ min: -1, max: 3000 }),
    retentionMs: fc.integer({ min: -1, max: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('config' as const), segmentBytes: fc.integer({ min: 150, max: 2500 }),
    indexIntervalBytes: fc.integer({ min: 0, max: 600 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('powerLoss' as const), tear: fc.boolean(), seed: fc.integer() }) },
)

const configArb = fc.record({
  flush: fc.constantFrom<FlushPolicy>('always', 'interval', 'never'),
  segmentBytes: fc.integer({ min: 150, max: 2500 }),
  indexIntervalBytes: fc.integer({ min: 0, max: 600 }),
  indexBytesMax: fc.integer({ min: 24, max: 240 }),
  segmentMs: fc.integer({ min: 100, max: 5000 }),
})

interface ModelBatch {
  baseOffset: number
  lastOffset: number
  sizeBytes: number
  maxTimestampMs: number
  body: Uint8Array
}

/** What the log must look like: the batches appended (and not truncated or retained away), offsets. */
class Model {
  batches: ModelBatch[] = []
  logStartOffset = 0
  logEndOffset = 0
  highWatermark = 0
  /** Everything below was flushed: a power cut cannot take it. */
  durableEnd = 0

  get sizeBytes(): number {
    return this.batches.reduce((n, b) => n + b.sizeBytes, 0)
  }

  /** After a reopen: the log is what it is; everything in it is durable and visible. */
  settle(log: PartitionLog): void {
    this.logEndOffset = log.logEndOffset
    this.highWatermark = log.logEndOffset
    this.durableEnd = log.logEndOffset
  }
}

function sameBatch(got: ParsedBatch, want: ModelBatch | undefined, context: string): void {
  expect(want, `${context}: no batch expected at ${got.baseOffset}`).toBeDefined()
  expect([got.baseOffset, got.lastOffset], context).toEqual([want!.baseOffset, want!.lastOffset])
  expect(Buffer.from(got.body).equals(Buffer.from(want!.body)), `${context}: bytes of batch ${got.baseOffset}`).toBe(true)
}

/** Every batch from the log start to the log end, read whole. */
function readEverything(log: PartitionLog): ParsedBatch[] {
  const out: ParsedBatch[] = []
  let offset: number = log.logStartOffset
  while (offset < log.logEndOffset) {
    const got = parseBatches(log.read(offset, 4096, { isolation: 'logEnd' }).bytes)
    expect(got.length).toBeGreaterThan(0)
    out.push(...got)
    offset = got.at(-1)!.lastOffset + 1
  }
  return out
}

function checkOffsets(log: PartitionLog, model: Model, context: string): void {
  expect({ start: log.logStartOffset, hw: log.highWatermark, end: log.logEndOffset, size: log.sizeBytes }, context)
    .toEqual({ start: model.logStartOffset, hw: model.highWatermark, end: model.logEndOffset, size: model.sizeBytes })
}

function run(config: LogConfig, commands: Command[]): void {
  const disk = new SimulatedDisk()
  const clock = manualClock()
  const open = (): PartitionLog => PartitionLog.open({ dir: DIR, disk, clock: clock.now, config, logger: silentLogger() })
  let log = open()
  const model = new Model()
  let tag = 0
  for (const [step, command] of commands.entries()) {
    const context = `step ${step} ${JSON.stringify(command)}`
    switch (command.kind) {
      case 'append': {
        const made = command.batches.map((b) => makeBatch(b.records, { valueBytes: b.valueBytes, tag: tag++, timestampMs: clock.now() + b.skewMs }))
        const result = log.append(concatBytes(made))
        expect(result.baseOffset, context).toBe(model.logEndOffset)
        for (const batch of parseBatches(concatBytes(made))) {
          const baseOffset = model.logEndOffset
          model.batches.push({ ...batch, baseOffset, lastOffset: baseOffset + batch.lastOffset })
          model.logEndOffset = baseOffset + batch.lastOffset + 1
        }
        expect(result.lastOffset, context).toBe(model.logEndOffset - 1)
        if (config.flush !== 'always') model.highWatermark = model.logEndOffset
        clock.advance(3)
        break
      }
      case 'flush':
        log.flush()
        model.highWatermark = model.durableEnd = model.logEndOffset
        break
      case 'tick': {
        clock.advance(command.ms)
        const flushed = log.maybeFlush(clock.now())
        if (config.flush === 'never') expect(flushed, context).toBe(false)
        if (flushed) model.highWatermark = model.durableEnd = model.logEndOffset
        break
      }
      case 'read': {
        const end = command.logEnd ? model.logEndOffset : model.highWatermark
        const offset = model.logStartOffset + Math.floor(command.at * (end - model.logStartOffset + 1) * 0.9999)
        const result = log.read(offset, command.maxBytes, { isolation: command.logEnd ? 'logEnd' : 'highWatermark' })
        const got = parseBatches(result.bytes)
        if (offset === end) {
          expect(got, context).toEqual([])
          break
        }
        expect(got.length, context).toBeGreaterThan(0)
        expect(got[0]!.baseOffset <= offset && offset <= got[0]!.lastOffset, context).toBe(true)
        if (got.length > 1) expect(result.bytes.length, context).toBeLessThanOrEqual(Math.max(command.maxBytes, got[0]!.sizeBytes))
        for (const [i, batch] of got.entries()) {
          if (i > 0) expect(batch.baseOffset, context).toBe(got[i - 1]!.lastOffset + 1)
          expect(batch.lastOffset, context).toBeLessThan(end)
          sameBatch(batch, model.batches.find((b) => b.baseOffset === batch.baseOffset), context)
        }
        break
      }
      case 'readOutOfRange': {
        const offset = command.below ? model.logStartOffset - 1 : log.logEndOffset + 1
        expect(() => log.read(offset, 100), context).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE }))
        // Between the high watermark and the log end (records not yet durable or replicated): nothing yet, no error.
        if (!command.below && model.highWatermark < log.logEndOffset) expect(log.read(model.highWatermark + 1, 100).bytes.length, context).toBe(0)
        break
      }
      case 'offsetForTimestamp': {
        const stamps = model.batches.map((b) => b.maxTimestampMs)
        const low = Math.min(clock.now(), ...stamps) - 10
        const target = Math.floor(low + command.at * (Math.max(clock.now(), ...stamps) + 10 - low))
        const want = model.batches.find((b) => b.maxTimestampMs >= target && b.baseOffset < model.highWatermark)
        expect(log.offsetForTimestamp(target), context).toBe(want?.baseOffset ?? null)
        break
      }
      case 'roll':
        log.roll()
        break
      case 'releaseMemory':
        log.releaseMemory()
        break
      case 'truncate': {
        const offset = model.logStartOffset + Math.floor(command.at * (model.logEndOffset - model.logStartOffset + 1) * 0.9999)
        log.truncateTo(offset)
        const cut = model.batches.findIndex((b) => b.lastOffset >= offset)
        if (cut >= 0) {
          model.logEndOffset = model.batches[cut]!.baseOffset
          model.batches.length = cut
        }
        model.highWatermark = Math.min(model.highWatermark, model.logEndOffset)
        model.durableEnd = Math.min(model.durableEnd, model.logEndOffset)
        break
      }
      case 'retention': {
        log.updateConfig({ retentionBytes: command.retentionBytes, retentionMs: command.retentionMs })
        const before = model.logStartOffset
        const result = log.applyRetention(clock.now())
        expect(result.logStartOffset, context).toBeGreaterThanOrEqual(before)
        expect(result.logStartOffset, context).toBeLessThanOrEqual(model.highWatermark)
        expect(result.deleted.length > 0, context).toBe(result.logStartOffset > before)
        const kept = model.batches.filter((b) => b.baseOffset >= result.logStartOffset)
        expect(kept.length === 0 || kept[0]!.baseOffset === result.logStartOffset, `${context}: start on a batch`).toBe(true)
        model.batches = kept
        model.logStartOffset = result.logStartOffset
        break
      }
      case 'config':
        log.updateConfig({ segmentBytes: command.segmentBytes, indexIntervalBytes: command.indexIntervalBytes })
        config = { ...config, segmentBytes: command.segmentBytes, indexIntervalBytes: command.indexIntervalBytes }
        break
      case 'close': {
        log.close()
        log = open()
        expect(log.recoveryReport.clean, context).toBe(true)
        expect(log.logEndOffset, context).toBe(model.logEndOffset)
        model.settle(log)
        break
      }
      case 'crash': {
        const endBefore = model.logEndOffset
        disk.crash()
        log = open()
        expect(log.logEndOffset, `${context}: a crash lost appended records`).toBe(endBefore)
        model.settle(log)
        break
      }
      case 'powerLoss': {
        const durableEnd = model.durableEnd
        if (command.tear) disk.tearLastWrite(seededRandom(command.seed))
        disk.powerLoss()
        log = open()
        expect(log.logStartOffset, context).toBe(model.logStartOffset)
        expect(log.logEndOffset, `${context}: flushed records lost`).toBeGreaterThanOrEqual(durableEnd)
        const visible = readEverything(log)
        for (const [i, batch] of visible.entries()) sameBatch(batch, model.batches[i], `${context}: after the cut`)
        model.batches.length = visible.length
        model.settle(log)
        break
      }
    }
    checkOffsets(log, model, context)
  }
  const all = readEverything(log)
  expect(all.length).toBe(model.batches.length)
  for (const [i, batch] of all.entries()) sameBatch(batch, model.batches[i], 'at the end')
}

describe('PartitionLog against a model, on the simulated disk', () => {
  it('keeps every promise through random operations, crashes and power cuts', () => {
    console.info(`storage property seed ${SEED} (replay: FAECIE_STORAGE_SEED=${SEED})`)
    fc.assert(
      fc.property(configArb, fc.array(commandArb, { minLength: 10, maxLength: 80, size: 'max' }), (overrides, commands) => {
        run({ ...DEFAULT_LOG_CONFIG, ...overrides, flushMs: 100 }, commands)
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    )
  })
})
