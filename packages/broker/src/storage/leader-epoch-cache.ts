// Kafka's leader-epoch cache and its `leader-epoch-checkpoint` file in the partition directory: for
// each leader epoch this log holds records of (or was led at), the offset where that epoch starts.
// A replica asks its leader where its own latest epoch ends (offsetsForLeaderEpoch) and cuts its log
// there before fetching (KIP-101), so a tail the old leader wrote and nobody acknowledged is dropped.
//
//   leader-epoch-checkpoint   "0\n<count>\n<epoch> <startOffset>\n..."   format version 0 (Kafka's),
//                             the number of entries, then one line per entry, epochs and start
//                             offsets both strictly increasing
//
// Written atomically (tmp + fdatasync + rename + fsync dir: disk.ts) whenever it changes. Read as
// untrusted input: anything but the exact format counts as missing (logged), and a missing file is
// rebuilt from the batch headers' partitionLeaderEpoch (the caller's `rebuild`) and written.
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { isNotFound, type Disk } from './disk.js'

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint'
const FORMAT_VERSION = 0
/** Entries kept at most: a partition led through more epochs than this forgets the oldest ones. */
export const LEADER_EPOCH_ENTRIES_MAX = 10_000

export interface EpochEntry {
  epoch: number
  startOffset: number
}

export class LeaderEpochCache {
  readonly #disk: Disk
  readonly #path: string
  readonly #logger: Logger
  #entries: EpochEntry[]

  private constructor(disk: Disk, dir: string, logger: Logger, entries: EpochEntry[]) {
    this.#disk = disk
    this.#path = join(dir, LEADER_EPOCH_CHECKPOINT_FILE)
    this.#logger = logger
    this.#entries = entries
  }

  /**
   * Reads the checkpoint of `dir`; when missing or unreadable, rebuilds it from `rebuild` (each
   * batch's partitionLeaderEpoch and base offset, in offset order) and writes it. Entries starting
   * past `logEndOffset` (a tail recovery cut off) are dropped.
   */
  static load(disk: Disk, dir: string, logger: Logger, logEndOffset: number, rebuild: () => Iterable<EpochEntry>): LeaderEpochCache {
    const read = readCheckpoint(disk, join(dir, LEADER_EPOCH_CHECKPOINT_FILE), logger)
    if (read !== null) {
      const cache = new LeaderEpochCache(disk, dir, logger, read)
      if (read.some((e) => e.startOffset > logEndOffset)) cache.truncateFromEnd(logEndOffset + 1)
      return cache
    }
    const cache = new LeaderEpochCache(disk, dir, logger, [])
    for (const entry of rebuild()) cache.#add(entry.epoch, entry.startOffset)
    cache.#write()
    logger.info({ entries: cache.#entries.length }, 'leader-epoch checkpoint rebuilt from the log')
    return cache
  }

  get entries(): readonly EpochEntry[] {
    return this.#entries
  }

  /** The latest epoch (-1: none). */
  get latestEpoch(): number {
    return this.#entries.at(-1)?.epoch ?? -1
  }

  /**
   * Records that `epoch` starts at `startOffset` (a new leader at its log end, or a follower's first
   * batch of that epoch); an epoch not newer than the latest is ignored. Durable when it returns.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!this.#add(epoch, startOffset)) return false
    this.#write()
    return true
  }

  /**
   * Where `epoch` ends in this log: the largest epoch <= it and the start of the next epoch (or
   * `logEndOffset` for the latest); {-1, -1} when every epoch here is newer.
   */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEntry & { endOffset: number } {
    let i = this.#entries.length - 1
    while (i >= 0 && this.#entries[i]!.epoch > epoch) i--
    if (i < 0) return { epoch: -1, startOffset: -1, endOffset: -1 }
    const found = this.#entries[i]!
    const next = this.#entries[i + 1]
    return { ...found, endOffset: next === undefined ? logEndOffset : next.startOffset }
  }

  /** The log was cut at `offset`: entries starting at or after it go. Durable when it returns. */
  truncateFromEnd(offset: number): void {
    const kept = this.#entries.filter((e) => e.startOffset < offset)
    if (kept.length === this.#entries.length) return
    this.#entries = kept
    this.#write()
  }

  #add(epoch: number, startOffset: number): boolean {
    assert(Number.isSafeInteger(epoch) && Number.isSafeInteger(startOffset) && startOffset >= 0, `epoch ${epoch} at ${startOffset}`)
    const latest = this.#entries.at(-1)
    if (latest !== undefined && epoch <= latest.epoch) return false
    if (latest !== undefined && startOffset < latest.startOffset) {
      // An epoch cannot start before the previous one: the log was cut under it without telling us.
      this.#logger.warn({ epoch, startOffset, latest }, 'leader epoch starts before the latest one: dropping the later entries')
      this.#entries = this.#entries.filter((e) => e.startOffset < startOffset)
    }
    // An epoch that started where this one starts holds no records: only the newer one is kept.
    if (this.#entries.at(-1)?.startOffset === startOffset) this.#entries.pop()
    this.#entries.push({ epoch, startOffset })
    if (this.#entries.length > LEADER_EPOCH_ENTRIES_MAX) this.#entries.shift()
    return true
  }

  #write(): void {
    const lines = [String(FORMAT_VERSION), String(this.#entries.length), ...this.#entries.map((e) => `${e.epoch} ${e.startOffset}`)]
    this.#disk.writeFileAtomic(this.#path, new TextEncoder().encode(`${lines.join('\n')}\n`))
  }
}

/** The entries of the file at `path`; null when missing or not in the exact format (logged). */
function readCheckpoint(disk: Disk, path: string, logger: Logger): EpochEntry[] | null {
  let bytes: Uint8Array
  try {
    bytes = disk.readFile(path)
  } catch (err) {
    if (isNotFound(err)) return null
    throw err
  }
  const entries = parseCheckpoint(new TextDecoder().decode(bytes))
  if (entries === null) logger.warn({ file: LEADER_EPOCH_CHECKPOINT_FILE, sizeBytes: bytes.length }, 'ignoring a leader-epoch checkpoint not in the expected format')
  return entries
}

export function parseCheckpoint(text: string): EpochEntry[] | null {
  const lines = text.split('\n')
  if (lines.at(-1) !== '') return null
  lines.pop()
  if (lines.length < 2 || lines[0] !== String(FORMAT_VERSION) || !/^\d{1,6}$/.test(lines[1]!)) return null
  const count = Number(lines[1])
  if (count > LEADER_EPOCH_ENTRIES_MAX || lines.length !== count + 2) return null
  const entries: EpochEntry[] = []
  for (const line of lines.slice(2)) {
    const match = /^(\d{1,10}) (\d{1,16})$/.exec(line)
    if (match === null) return null
    const entry = { epoch: Number(match[1]), startOffset: Number(match[2]) }
    const last = entries.at(-1)
    if (!Number.isSafeInteger(entry.startOffset) || (last !== undefined && (entry.epoch <= last.epoch || entry.startOffset < last.startOffset))) return null
    entries.push(entry)
  }
  return entries
}
