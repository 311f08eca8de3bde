// Replica placement for new partitions: Kafka's AdminUtils.assignReplicasToBrokers, rack-unaware and
// rack-aware. Pure: brokers in, one broker list per partition out (the first is the preferred leader).
//
// Rack-unaware (some broker has no rack): brokers sorted by id; partition p's first replica is broker
// (p + startIndex) mod n, so preferred leaders go round-robin from a random start; the other replicas
// follow it at a shift (1 + (shift + j) mod (n - 1)) that grows by one every n partitions, so the
// followers of one leader spread over the others instead of always being its neighbours.
// Rack-aware (every broker has a rack): the same walk over the brokers listed rack by rack in turn
// (rack a's first, rack b's first, ..., rack a's second, ...), taking for each further replica the
// next broker on a rack that has none of the partition's replicas yet (once every rack has one, any
// rack), and a broker not used yet.
//
// `startIndex` fixes both the start and the shift (Kafka's fixedStartIndex); left out, both are random.
// Adding partitions to a topic passes `firstPartition` (its current count) and the start index of its
// partition 0's first replica, so the new partitions continue the topic's round-robin.
import { strict as assert } from 'node:assert'
import { ErrorCode, FaecieError } from '@faecie/protocol'

export interface PlacementBroker {
  brokerId: number
  rack: string | null
}

export interface PlacementRequest {
  brokers: PlacementBroker[]
  partitions: number
  replicationFactor: number
  /** Index into the broker list where partition 0's first replica is (and the first follower shift); random when left out. */
  startIndex?: number
  /** The id of the first partition placed (a topic growing: its current count). Default 0. */
  firstPartition?: number
  /** Random integers in [0, n): Math.random by default (tests pass their own). */
  randomInt?: (n: number) => number
}

/** One list of broker ids per partition, from `firstPartition` on; INVALID_REPLICATION_FACTOR when it cannot be met. */
export function placeReplicas(request: PlacementRequest): number[][] {
  const { brokers, partitions, replicationFactor } = request
  if (!Number.isSafeInteger(replicationFactor) || replicationFactor < 1) {
    throw new FaecieError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor must be at least 1, not ${replicationFactor}.`)
  }
  if (replicationFactor > brokers.length) {
    throw new FaecieError(ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor ${replicationFactor} is larger than the ${brokers.length} available broker${brokers.length === 1 ? '' : 's'}.`)
  }
  assert(Number.isSafeInteger(partitions) && partitions >= 0, `partitions: ${partitions}`)
  assert(new Set(brokers.map((b) => b.brokerId)).size === brokers.length, 'a broker listed twice')
  const randomInt = request.randomInt ?? ((n: number) => Math.floor(Math.random() * n))
  const rackAware = brokers.every((b) => b.rack !== null)
  const arranged = rackAware ? rackAlternated(brokers) : [...brokers].sort((a, b) => a.brokerId - b.brokerId)
  const n = arranged.length
  const startIndex = request.startIndex ?? randomInt(n)
  assert(Number.isSafeInteger(startIndex) && startIndex >= 0, `startIndex: ${startIndex}`)
  const shiftBase = request.startIndex ?? randomInt(n)
  const numRacks = new Set(arranged.map((b) => b.rack)).size
  const out: number[][] = []
  const first = request.firstPartition ?? 0
  for (let p = first; p < first + partitions; p++) {
    // Kafka adds one to the shift every n partitions; counted from partition 0, so a topic's added
    // partitions shift as if they had been placed with the first ones.
    const shift = shiftBase + Math.floor(p / n)
    const firstIndex = (p + startIndex) % n
    out.push(rackAware ? rackAwareReplicas(arranged, firstIndex, shift * numRacks, numRacks, replicationFactor)
      : [arranged[firstIndex]!.brokerId, ...Array.from({ length: replicationFactor - 1 }, (_, j) => arranged[replicaIndex(firstIndex, shift, j, n)]!.brokerId)])
  }
  for (const replicas of out) assert(new Set(replicas).size === replicationFactor, `placement repeated a broker: ${JSON.stringify(replicas)}`)
  return out
}

/** Where a partition's replica j + 1 goes, counting from its first replica's index. */
function replicaIndex(firstIndex: number, shift: number, j: number, n: number): number {
  const step = 1 + ((shift + j) % (n - 1))
  return (firstIndex + step) % n
}

function rackAwareReplicas(arranged: PlacementBroker[], firstIndex: number, shift: number, numRacks: number, replicationFactor: number): number[] {
  const leader = arranged[firstIndex]!
  const replicas = [leader.brokerId]
  const racks = new Set([leader.rack])
  let k = 0
  while (replicas.length < replicationFactor) {
    const broker = arranged[replicaIndex(firstIndex, shift, k++, arranged.length)]!
    // Every broker is reached within n - 1 steps, and rf <= n: this ends.
    assert(k <= arranged.length * arranged.length, 'rack-aware placement did not converge')
    if ((racks.has(broker.rack) && racks.size < numRacks) || replicas.includes(broker.brokerId)) continue
    replicas.push(broker.brokerId)
    racks.add(broker.rack)
  }
  return replicas
}

/** The brokers rack by rack in turn, racks sorted by name and brokers by id within a rack. */
export function rackAlternated(brokers: PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string | null, PlacementBroker[]>()
  for (const b of [...brokers].sort((x, y) => x.brokerId - y.brokerId)) {
    const list = byRack.get(b.rack) ?? []
    list.push(b)
    byRack.set(b.rack, list)
  }
  const racks = [...byRack.keys()].sort((a, b) => String(a).localeCompare(String(b)))
  const out: PlacementBroker[] = []
  for (let round = 0; out.length < brokers.length; round++) {
    for (const rack of racks) {
      const b = byRack.get(rack)![round]
      if (b !== undefined) out.push(b)
    }
  }
  return out
}
