// faecie's segment files read by Apache Kafka's own DumpLogSegments (org.apache.kafka.tools.DumpLogSegments
// from the kafka-tools jar on Maven Central, test/support/kafka-jars.ts): a partition log written through
// the real storage code on the real disk (several segments, batches of several records, plain and
// gzip, timestamps that go backwards, LogAppendTime) and then compacted with tombstones kept under a
// delete horizon. Kafka must find no mismatch between the .index / .timeindex entries and the .log
// (`--verify-index-only`), and every batch valid with its records readable (`--deep-iteration`).
import '@faecie/protocol/node'
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../packages/broker/src/log.js'
import { RecordBatchEncoder, stampLogAppendTime } from '@faecie/protocol'
import { compactNow, keyedBatch, type KeyedRecord } from '../../packages/broker/src/storage/compaction-test-support.js'
import { DEFAULT_LOG_CONFIG } from '../../packages/broker/src/storage/log-api.js'
import { PartitionLog } from '../../packages/broker/src/storage/log.js'
import { RealDisk } from '../../packages/broker/src/storage/real-disk.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS, KAFKA_VERSION } from '../support/kafka-jars.js'

/** Hang guards only: one run of the tool, a test's runs, and installing Java and Maven and fetching the jars. */
const DUMP_TIMEOUT_MS = 120_000
const TEST_TIMEOUT_MS = 10 * DUMP_TIMEOUT_MS
const SETUP_TIMEOUT_MS = 2 * INSTALL_TIMEOUT_MS + KAFKA_FETCH_TIMEOUT_MS + 60_000
const START_MS = 1_700_000_000_000
const DELETE_RETENTION_MS = 3_600_000
/** What DumpLogSegments prints when an index disagrees with its log, or a batch is bad. */
const PROBLEMS = [/Mismatches in/i, /timestamp mismatch/i, /out of order/i, /not found in the log/i, /isvalid: false/i,
  /invalid bytes/i, /Exception/, /Error/]

const encoder = new RecordBatchEncoder()
let java: string
let classpath: string
let root: string
let dir: string

/** Runs DumpLogSegments with `args`; its stdout and stderr together. */
function dump(args: string[]): string {
  const run = spawnSync(java, ['-Xmx256M', '-cp', classpath, 'org.apache.kafka.tools.DumpLogSegments', ...args],
    { encoding: 'utf8', timeout: DUMP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 })
  if (run.error !== undefined) throw run.error
  const output = `${run.stdout}${run.stderr}`
  expect(run.status, output).toBe(0)
  return output
}

function problems(output: string): string[] {
  return output.split('\n').filter((line) => PROBLEMS.some((p) => p.test(line)))
}

/** Writes the partition: four segments cut by explicit rolls, then compaction of the closed ones. */
function writeLog(): void {
  const disk = new RealDisk()
  let nowMs = START_MS
  const log = PartitionLog.open({
    dir, disk, clock: () => nowMs, logger: silentLogger(),
    config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 1 << 20, indexIntervalBytes: 150, cleanupPolicy: 'compact', deleteRetentionMs: DELETE_RETENTION_MS },
  })
  let n = 0
  const produce = (records: KeyedRecord[], compression: 'none' | 'gzip' = 'none', timestampMs = START_MS + n * 1000): void => {
    log.append(keyedBatch(records.map((r, i) => ({ ...r, timestamp: timestampMs + i * 7 })), compression, timestampMs))
    n++
  }
  for (let segment = 0; segment < 3; segment++) {
    // An idempotent producer's batch whose keys all come again: compaction keeps it empty, as the
    // producer's last batch (its timestamp is below its neighbours', so the time index never points at it).
    const producerBatch = encoder.encode([{ key: 'k0', value: 'p', timestamp: START_MS - 1_000 }],
      { producerId: 7 + segment, producerEpoch: 0, baseSequence: 0, timestamp: START_MS - 1_000 }).slice()
    log.append(producerBatch)
    for (let b = 0; b < 12; b++) {
      if (b === 8) {
        // A batch under LogAppendTime, which loses one record to compaction.
        const bytes = keyedBatch([{ key: 'k1', value: 'l' }, { key: `lat-${segment}`, value: 'l' }], 'none', START_MS + n * 1000)
        stampLogAppendTime(bytes, 0, START_MS + n * 1000 + 500)
        log.append(bytes)
        n++
      }
      // Keys overwritten in every segment around one that only this batch has (deleted in every fourth).
      const records = [
        { key: `k${b % 5}`, value: `v${segment}-${b}-0` },
        { key: `s${segment}-${b}`, value: b % 4 === 3 ? null : `v${segment}-${b}-1` },
        { key: `k${(b + 2) % 5}`, value: `v${segment}-${b}-2` },
      ]
      // A producer clock that goes back now and then, and compressed batches among plain ones.
      produce(records, b % 3 === 1 ? 'gzip' : 'none', b === 5 ? START_MS - 50_000 : undefined)
    }
    // A record no later one overwrites closes every segment: no segment ends with an emptied batch.
    produce([{ key: `last-${segment}`, value: 'x'.repeat(30) }])
    log.roll()
  }
  for (let b = 0; b < 6; b++) produce([{ key: `k${b % 5}`, value: `active-${b}` }, { key: `t${b}`, value: null }])
  log.flush()
  nowMs = START_MS + 10_000_000
  const outcome = compactNow(disk, log, nowMs)
  expect(outcome?.segmentsSwapped).toBe(3)
  log.close()
}

beforeAll(() => {
  java = ensureJava()
  classpath = ensureKafkaClasspath()
  root = makeTempDir('kafka-dump')
  dir = join(root, 'compacted-0')
  writeLog()
}, SETUP_TIMEOUT_MS)

afterAll(() => {
  if (root !== undefined) removeTempDir(root)
})

describe(`Kafka ${KAFKA_VERSION} DumpLogSegments on faecie's files`, () => {
  it('finds every .index and .timeindex entry where it points, in every segment', () => {
    const stems = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -'.log'.length)).sort()
    expect(stems.length).toBe(4)
    for (const stem of stems) {
      const files = ['log', 'index', 'timeindex'].map((suffix) => join(dir, `${stem}.${suffix}`))
      // The entries are there to be checked: each index file holds some, and Kafka reads them all.
      const indexEntries = statSync(files[1]!).size / 8
      const timeEntries = statSync(files[2]!).size / 12
      expect(indexEntries, `${stem}.index`).toBeGreaterThan(0)
      expect(timeEntries, `${stem}.timeindex`).toBeGreaterThan(0)
      const listed = dump(['--files', `${files[1]},${files[2]}`])
      expect(listed.match(/^offset: \d+ position: \d+$/gm)?.length, listed).toBe(indexEntries)
      expect(listed.match(/^timestamp: \d+ offset: \d+$/gm)?.length, listed).toBe(timeEntries)
      const verified = dump(['--files', files.join(','), '--verify-index-only'])
      expect(problems(verified), verified).toEqual([])
    }
  }, TEST_TIMEOUT_MS)

  it('reads every batch as valid, and the compacted ones carry their delete horizon', () => {
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f))
    const output = dump(['--files', logs.join(','), '--deep-iteration'])
    expect(problems(output), output).toEqual([])
    expect(output.match(/isvalid: true/gi)?.length).toBeGreaterThan(40)
    const horizons = [...output.matchAll(/deleteHorizonMs: OptionalLong\[(\d+)\]/g)].map((m) => Number(m[1]))
    expect(horizons.length).toBe(9) // the batches of the three compacted segments that keep a tombstone
    for (const horizon of horizons) expect(horizon).toBe(START_MS + 10_000_000 + DELETE_RETENTION_MS)
    // Each batch's maxTimestamp is the largest timestamp of the records it kept, as Kafka's cleaner writes it.
    const batches = output.split(/^(?=baseOffset: )/m).slice(1)
    expect(batches.length).toBeGreaterThan(40)
    for (const batch of batches) {
      const batchTimestamp = Number(/ (?:CreateTime|LogAppendTime): (\d+) /.exec(batch)![1])
      const recordTimestamps = [...batch.matchAll(/^\| offset: \d+ (?:CreateTime|LogAppendTime): (\d+) /gm)].map((m) => Number(m[1]))
      expect(recordTimestamps.length, batch).toBe(Number(/ count: (\d+) /.exec(batch)![1]))
      if (recordTimestamps.length > 0) expect(Math.max(...recordTimestamps), batch).toBe(batchTimestamp)
    }
    // The emptied batches of the idempotent producers, and the LogAppendTime batches, all there.
    expect(output.match(/ count: 0 .* producerId: \d+ /g)?.length).toBe(3)
    expect(output.match(/ LogAppendTime: \d+ /g)?.length).toBeGreaterThanOrEqual(3)
  }, TEST_TIMEOUT_MS)
})
