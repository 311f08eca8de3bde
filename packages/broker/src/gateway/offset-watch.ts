// Where long-poll fetches and live subscriptions learn that a partition moved. The partition manager
// reports each partition's offsets after every tick that moved them (and when it opens); this keeps
// the latest per partition and wakes whoever watches it. A fetch arms a waiter before it reads, so an
// append that lands between its read and its wait still wakes it.
// It also keeps the partitions' live tails (live-tail.ts), one per partition with subscriptions, and
// hands each the bytes that became readable when the partition thread sent them with its offsets;
// the tail hears a move after the watchers, so that a subscription woken at the tail's end joins it
// before the tail delivers.
import { strict as assert } from 'node:assert'
import type { PartitionKey } from '../partition/messages.js'
import { partitionKey } from '../partition/messages.js'
import type { OffsetsListener, PartitionManager } from '../partition/partition-manager.js'
import type { Gateway } from './context.js'
import { liveTailBytes } from './limits.js'
import { LiveTail } from './live-tail.js'

export type KnownOffsets = Parameters<OffsetsListener>[1]
export type OffsetsWatcher = (offsets: KnownOffsets) => void

/** A one-shot wake-up for a set of partitions. */
export interface ArmedWaiter {
  /** Resolves when a watched partition moved since arming, after `timeoutMs`, on release or on abort (at once once disarmed). Once per waiter. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>
  /** Stops watching (call when done, whether or not `wait` was called). */
  disarm(): void
}

export class OffsetWatch {
  readonly #latest = new Map<PartitionKey, KnownOffsets>()
  readonly #watchers = new Map<PartitionKey, Set<OffsetsWatcher>>()
  readonly #releases = new Set<() => void>()
  #released = false
  readonly #tails = new Map<PartitionKey, LiveTail>()

  constructor(private readonly partitions: PartitionManager) {
    partitions.onOffsets((key, offsets, readable) => this.#notify(key, offsets, readable))
  }

  /** The partition's live tail, made on first use; each acquire is matched by one releaseTail. */
  acquireTail(gateway: Gateway, topic: string, partition: number): LiveTail {
    const key = partitionKey(topic, partition)
    let tail = this.#tails.get(key)
    if (tail === undefined) {
      this.#tails.set(key, tail = new LiveTail(key, topic, partition, gateway))
      this.partitions.setLiveTail(topic, partition, liveTailBytes(gateway.limits))
    }
    tail.subscriptions++
    return tail
  }

  releaseTail(tail: LiveTail): void {
    if (--tail.subscriptions > 0 || this.#tails.get(tail.key) !== tail) return
    this.#tails.delete(tail.key)
    this.partitions.setLiveTail(tail.topic, tail.partition, 0)
  }

  latest(key: PartitionKey): KnownOffsets | undefined {
    return this.#latest.get(key)
  }

  watch(key: PartitionKey, watcher: OffsetsWatcher): () => void {
    let set = this.#watchers.get(key)
    if (set === undefined) this.#watchers.set(key, set = new Set())
    set.add(watcher)
    return () => {
      set.delete(watcher)
      if (set.size === 0 && this.#watchers.get(key) === set) this.#watchers.delete(key)
    }
  }

  arm(keys: readonly PartitionKey[]): ArmedWaiter {
    let moved = this.#released
    let wake: (() => void) | undefined
    const onMove = (): void => {
      moved = true
      wake?.()
    }
    const unwatch = keys.map((key) => this.watch(key, onMove))
    this.#releases.add(onMove)
    let timer: NodeJS.Timeout | undefined
    /** Takes the wait's listener off the caller's signal (a session's, which outlives many waits). */
    let forgetAbort: (() => void) | undefined
    let disarmed = false
    const disarm = (): void => {
      disarmed = true
      for (const u of unwatch) u()
      this.#releases.delete(onMove)
      if (timer !== undefined) clearTimeout(timer)
      // A wait the caller gave up on (it raced it with something else) must not stay on the signal.
      forgetAbort?.()
      wake = undefined
    }
    return {
      disarm,
      wait: (timeoutMs, signal) => new Promise<void>((resolve) => {
        if (disarmed || moved || timeoutMs <= 0 || signal?.aborted === true) return resolve()
        assert(forgetAbort === undefined, 'one wait per armed waiter')
        const onAbort = (): void => resolve()
        signal?.addEventListener('abort', onAbort, { once: true })
        forgetAbort = () => signal?.removeEventListener('abort', onAbort)
        wake = () => {
          forgetAbort?.()
          resolve()
        }
        timer = setTimeout(wake, timeoutMs)
      }),
    }
  }

  /** Wakes every waiter now and from now on (the broker is shutting down: answer what you have). */
  releaseAll(): void {
    this.#released = true
    for (const release of [...this.#releases]) release()
  }

  /** Forgets a deleted partition, waking its watchers (they find their topic gone). */
  forget(key: PartitionKey): void {
    const last = this.#latest.get(key)
    this.#latest.delete(key)
    this.#tails.get(key)?.dissolve()
    const set = this.#watchers.get(key)
    if (set === undefined || last === undefined) return
    for (const watcher of [...set]) watcher(last)
  }

  #notify(key: PartitionKey, offsets: KnownOffsets, readable: Parameters<OffsetsListener>[2]): void {
    this.#latest.set(key, offsets)
    const set = this.#watchers.get(key)
    if (set !== undefined) for (const watcher of [...set]) watcher(offsets)
    this.#tails.get(key)?.onOffsets(offsets, readable)
  }
}
