// Random produces of keyed records (a small key space, some tombstones, some batches compressed)
// into a log with small segments, compactions at random points with random segment ages and key
// maps small enough to stop the cleaned range early (so later runs start from a checkpoint), rolls,
// clean reopens, crashes and power cuts (one of them in the middle of a swap), on the simulated disk. What must hold after every step:
// - for every key, the latest record written (by offset) is readable at its offset with its value;
//   a latest tombstone may instead be gone, but then so is every older record of the key;
// - everything readable was written, at that offset, with that key and value (nothing is invented,
//   nothing moves), and offsets only grow;
// - a record that is the latest of its key is never removed, so nothing newer than a kept record is.
//
// The seed is printed; FAECIE_STORAGE_SEED=<seed> replays a run.
import '@faecie/protocol/node'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { swapCleanedSegment, type SwapStep } from './compaction-swap.js'
import { cleanNow, compactNow, keyedBatch, readAll, type KeyedRecord } from './compaction-test-support.js'
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-api.js'
import { PartitionLog } from './log.js'
import { SimulatedDisk } from './simulated-disk.js'
import { manualClock } from './test-support.js'

const DIR = '/data/compacted-0'
const SEED = Number(process.env.FAECIE_STORAGE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const NUM_RUNS = Number(process.env.FAECIE_COMPACTION_RUNS ?? 50)
const DELETE_RETENTION_MS = 1000

type Command =
  | { kind: 'produce'; records: { key: number; tombstone: boolean }[]; gzip: boolean }
  | { kind: 'compact'; keysMax: number }
  | { kind: 'roll' }
  /** A compaction cut short by a power cut after step `step` of the first segment's swap. */
  | { kind: 'compactThenPowerLoss'; step: SwapStep }
  | { kind: 'reopen'; how: 'close' | 'crash' | 'powerLoss' }
  | { kind: 'tick'; ms: number }

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 10, arbitrary: fc.record({
    kind: fc.constant('produce' as const),
    records: fc.array(fc.record({ key: fc.integer({ min: 0, max: 4 }), tombstone: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }),
      { minLength: 1, maxLength: 4 }),
    gzip: fc.boolean(),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('compact' as const), keysMax: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'roll' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compactThenPowerLoss' as const), step: fc.constantFrom<SwapStep>(1, 2, 3, 4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), how: fc.constantFrom('close' as const, 'crash' as const, 'powerLoss' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 800 }) }) },
)

interface Written {
  offset: number
  key: string
  value: string | null
}

function check(log: PartitionLog, written: Written[]): void {
  const read = readAll(log)
  const byOffset = new Map(written.map((w) => [w.offset, w]))
  let last = -1
  for (const r of read) {
    expect(r.offset).toBeGreaterThan(last)
    last = r.offset
    expect(byOffset.get(r.offset)).toEqual({ offset: r.offset, key: r.key, value: r.value })
  }
  const latest = new Map<string, Written>()
  for (const w of written) latest.set(w.key, w)
  for (const [key, w] of latest) {
    const found = read.find((r) => r.offset === w.offset)
    if (found !== undefined) continue
    expect(w.value, `latest record of ${key} at ${w.offset} is gone but is not a tombstone`).toBeNull()
    expect(read.filter((r) => r.key === key), `${key}: a tombstone went, older records stayed`).toEqual([])
  }
}

describe('log compaction, property', () => {
  it(`never loses the latest value of a key (seed ${SEED})`, () => {
    fc.assert(fc.property(fc.array(commandArb, { minLength: 5, maxLength: 40 }), (commands) => {
      const disk = new SimulatedDisk()
      const clock = manualClock()
      const config: LogConfig = {
        ...DEFAULT_LOG_CONFIG, segmentBytes: 300, indexIntervalBytes: 64, cleanupPolicy: 'compact', deleteRetentionMs: DELETE_RETENTION_MS,
      }
      const open = (): PartitionLog => PartitionLog.open({ dir: DIR, config, disk, clock: clock.now, logger: silentLogger() })
      let log = open()
      const written: Written[] = []
      let counter = 0
      for (const command of commands) {
        switch (command.kind) {
          case 'produce': {
            const records: KeyedRecord[] = command.records.map((r) => ({ key: `k${r.key}`, value: r.tombstone ? null : `v${counter++}` }))
            const appended = log.append(keyedBatch(records, command.gzip ? 'gzip' : 'none', clock.now()))
            log.flush()
            records.forEach((r, i) => written.push({ offset: appended.baseOffset + i, key: r.key!, value: r.value }))
            break
          }
          case 'compact':
            compactNow(disk, log, clock.now(), command.keysMax)
            break
          case 'roll':
            log.roll()
            break
          case 'compactThenPowerLoss': {
            const result = cleanNow(disk, log, clock.now())
            if (result !== null && result.segments.length > 0) swapCleanedSegment(disk, DIR, result.segments[0]!.baseOffset, command.step)
            disk.powerLoss()
            log = open()
            break
          }
          case 'reopen':
            // Every produce was flushed, and the swap is durable when it returns: a power cut loses nothing.
            if (command.how === 'close') log.close()
            else if (command.how === 'crash') disk.crash()
            else disk.powerLoss()
            log = open()
            break
          case 'tick':
            clock.advance(command.ms)
            break
        }
        check(log, written)
      }
      log.close()
    }), { seed: SEED, numRuns: NUM_RUNS })
  })
})
