// What the cluster tests produce and how they check it afterwards.
//
// `AckingProducer` keeps `inFlightMax` sends of one record each going through a @faecie/client
// producer, each with a value of its own (`<tag>-<n>`, n in send order) and an explicit partition
// (n modulo the partition count), and logs every acknowledgement: value, partition, offset. It runs
// until stop(); a send that fails (out of retries while the cluster had no leader) is counted, not
// logged as acknowledged: nothing is promised of it.
//
// `checkAcknowledged` is the promise acks=all makes: every acknowledged record is in the final log
// at the offset it was acknowledged at; per partition, acknowledgements in send order have rising
// offsets (the idempotent producer keeps order across retries); and no value is in the log twice.
// `checkConsumed` is the other half: nothing a consumer was given disappears or changes afterwards.
import type { Producer } from '@faecie/client'
import type { TestCluster } from '../support/cluster.js'
import { waitFor } from '../support/wait-for.js'

export interface Ack {
  value: string
  /** n of `<tag>-<n>`: the send order. */
  sequence: number
  partition: number
  offset: number
}

export class AckingProducer {
  readonly acks: Ack[] = []
  readonly failures: unknown[] = []
  private sent = 0
  private inFlight = 0
  private stopping = false
  private readonly settled = new Set<() => void>()

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly options: { partitions: number; inFlightMax: number; tag: string },
  ) {}

  start(): this {
    this.pump()
    return this
  }

  /** Resolves once `count` more records than now have been acknowledged. */
  async waitForMoreAcks(count: number, what: string, timeoutMs = 30_000): Promise<void> {
    const target = this.acks.length + count
    await waitFor(`${count} more acknowledgements (${what})`, () => {
      if (this.acks.length >= target) return true
      // Thrown, so that a timeout says how far it got (waitFor keeps the last error).
      throw new Error(`${this.acks.length} of ${target} acknowledged; ${this.failures.length} sends failed, the last with ${String(this.failures.at(-1))}`)
    }, { timeoutMs, intervalMs: 20 })
  }

  /** Stops sending and waits until every send made has settled. */
  async stop(): Promise<void> {
    this.stopping = true
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.settled.add(resolve))
  }

  get sentCount(): number {
    return this.sent
  }

  private pump(): void {
    while (!this.stopping && this.inFlight < this.options.inFlightMax) {
      const sequence = this.sent++
      const value = `${this.options.tag}-${sequence}`
      const partition = sequence % this.options.partitions
      this.inFlight++
      this.producer.send({ topic: this.topic, messages: [{ value, partition }] }).then(
        ([meta]) => { this.acks.push({ value, sequence, partition, offset: meta!.baseOffset }) },
        (err: unknown) => { this.failures.push(err) },
      ).finally(() => {
        this.inFlight--
        for (const wake of this.settled) wake()
        this.settled.clear()
        this.pump()
      })
    }
  }
}

export interface PartitionLog {
  offsets: number[]
  values: string[]
}

/** The log as a map offset -> value. */
export function byOffset(log: PartitionLog): Map<number, string> {
  return new Map(log.offsets.map((offset, i) => [offset, log.values[i]!]))
}

/** Problems with the acknowledged records of one partition against its final log (none: []). */
export function checkAcknowledged(acks: Ack[], partition: number, log: PartitionLog): string[] {
  const problems: string[] = []
  const atOffset = byOffset(log)
  const mine = acks.filter((a) => a.partition === partition).sort((a, b) => a.sequence - b.sequence)
  for (const ack of mine) {
    const found = atOffset.get(ack.offset)
    if (found !== ack.value) problems.push(`${ack.value} was acknowledged at offset ${ack.offset}, the log has ${found ?? 'nothing'} there`)
  }
  for (let i = 1; i < mine.length; i++) {
    if (mine[i]!.offset <= mine[i - 1]!.offset) problems.push(`out of order: ${mine[i - 1]!.value} at ${mine[i - 1]!.offset}, then ${mine[i]!.value} at ${mine[i]!.offset}`)
  }
  problems.push(...duplicates(log))
  return problems.slice(0, 20)
}

/** Values found more than once in a log. */
export function duplicates(log: PartitionLog): string[] {
  const seen = new Map<string, number>()
  const problems: string[] = []
  log.values.forEach((value, i) => {
    const first = seen.get(value)
    if (first !== undefined) problems.push(`${value} is in the log twice: offsets ${first} and ${log.offsets[i]}`)
    else seen.set(value, log.offsets[i]!)
  })
  return problems
}

/** Problems with what a consumer read of one partition against the final log: everything read must still be there, unchanged. */
export function checkConsumed(consumed: Map<number, string>, log: PartitionLog): string[] {
  const atOffset = byOffset(log)
  const problems: string[] = []
  for (const [offset, value] of consumed) {
    const found = atOffset.get(offset)
    if (found !== value) problems.push(`a consumer read ${value} at offset ${offset}; the log now has ${found ?? 'nothing'} there`)
  }
  return problems.slice(0, 20)
}

/** Creates `topic` with three replicas and min.insync.replicas 2 through the client's admin; resolves once every partition has its three replicas in sync. */
export async function createReplicatedTopic(cluster: TestCluster, topic: string, partitions: number): Promise<void> {
  const admin = cluster.track(cluster.client().admin())
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 3, config: { 'min.insync.replicas': 2 } }] })
  await admin.disconnect()
  for (let p = 0; p < partitions; p++) await cluster.waitForIsr(topic, p, 3)
}
