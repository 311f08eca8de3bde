// Which broker serves a partition over HTTP (issue 13). A single broker serves every partition. In a
// cluster (gateway.cluster) only the partition's leader produces, reads and gives offsets; any other
// broker answers 421 Misdirected Request, saying where the leader is:
//
//   421 {"error": {"code": 6, "name": "NOT_LEADER_OR_FOLLOWER", "message", "retriable": true},
//        "leaderUrl": "http://HOST:PORT" | null,
//        "partitions": [{"partition", "leaderId", "leaderUrl"}]}
//
// leaderUrl is the leader's advertised ws:// URL with the http:// scheme (wss:// -> https://): the
// same port serves the HTTP API. It is null while the partition has no leader that can serve (none
// elected, the leader not registered, or this broker named but not yet serving): retry shortly.
// `partitions` names every partition of the request that is led elsewhere (a produce may spread
// records over several); leaderUrl is the first one's.
import { ErrorCode, FaecieError, type WireError } from '@faecie/protocol'
import type { Gateway } from '../gateway/context.js'

export interface PartitionLeader {
  partition: number
  /** The leader's broker id; -1 when the partition has none. */
  leaderId: number
  /** The leader's HTTP API (http://HOST:PORT), null when there is none to go to now. */
  leaderUrl: string | null
}

/** The body of a 421 answer. */
export interface MisdirectedBody {
  error: ReturnType<FaecieError['toWire']>
  leaderUrl: string | null
  partitions: PartitionLeader[]
}

/** NOT_LEADER_OR_FOLLOWER naming where the partitions' leaders are; errors.ts answers it 421. */
export class MisdirectedError extends FaecieError {
  constructor(readonly topic: string, readonly leaders: PartitionLeader[], brokerId: number) {
    const first = leaders[0]
    const where = first === undefined ? '' : first.leaderUrl === null
      ? `: ${topic}-${first.partition} has no leader available now; retry shortly`
      : `: ${topic}-${first.partition} is led by broker ${first.leaderId} at ${first.leaderUrl}`
    super(ErrorCode.NOT_LEADER_OR_FOLLOWER, `Broker ${brokerId} does not lead ${leaders.length === 1 ? 'this partition' : `${leaders.length} of these partitions`}${where}.`)
  }

  get leaderUrl(): string | null {
    return this.leaders[0]?.leaderUrl ?? null
  }

  body(): MisdirectedBody {
    return { error: this.toWire(), leaderUrl: this.leaderUrl, partitions: this.leaders }
  }
}

/** ws://HOST:PORT[/path] as http://HOST:PORT (wss as https); undefined for anything else. */
export function httpUrlOf(wsUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(wsUrl)
  } catch {
    return undefined
  }
  const scheme = url.protocol === 'ws:' ? 'http:' : url.protocol === 'wss:' ? 'https:' : undefined
  return scheme === undefined ? undefined : `${scheme}//${url.host}`
}

/**
 * Where the partition is led when not here; undefined when this broker serves it (always on a single
 * broker) or when etcd does not know the partition (the op then answers UNKNOWN_TOPIC_OR_PARTITION).
 */
export function leaderElsewhere(gateway: Gateway, topic: string, partition: number): PartitionLeader | undefined {
  const cluster = gateway.cluster
  if (cluster === undefined || cluster.isLeaderNow(topic, partition)) return undefined
  const state = cluster.partitionState(topic, partition)
  if (state === undefined) return undefined
  if (state.leader < 0 || state.leader === cluster.brokerId) return { partition, leaderId: state.leader, leaderUrl: null }
  const url = cluster.brokerUrl(state.leader)
  return { partition, leaderId: state.leader, leaderUrl: url === undefined ? null : httpUrlOf(url) ?? null }
}

/** The partitions (of `partitions`) led elsewhere, in order. */
export function partitionsLedElsewhere(gateway: Gateway, topic: string, partitions: Iterable<number>): PartitionLeader[] {
  const elsewhere: PartitionLeader[] = []
  for (const partition of partitions) {
    const leader = leaderElsewhere(gateway, topic, partition)
    if (leader !== undefined) elsewhere.push(leader)
  }
  return elsewhere
}

/** Throws MisdirectedError when any of `partitions` is led by another broker. */
export function requireLedHere(gateway: Gateway, topic: string, partitions: Iterable<number>): void {
  const elsewhere = partitionsLedElsewhere(gateway, topic, partitions)
  if (elsewhere.length > 0) throw new MisdirectedError(topic, elsewhere, gateway.cluster!.brokerId)
}

/**
 * An op's per-partition NOT_LEADER_OR_FOLLOWER (leadership moved after the check) as a
 * MisdirectedError naming the leader as known now; any other error as it is.
 */
export function withLeader(gateway: Gateway, topic: string, partition: number, error: FaecieError): FaecieError {
  if (error.code !== ErrorCode.NOT_LEADER_OR_FOLLOWER || gateway.cluster === undefined) return error
  const leader = leaderElsewhere(gateway, topic, partition) ?? { partition, leaderId: -1, leaderUrl: null }
  return new MisdirectedError(topic, [leader], gateway.cluster.brokerId)
}

/** Throws a partition's error from an op's answer, NOT_LEADER_OR_FOLLOWER naming the leader (withLeader). */
export function throwIfPartitionError(gateway: Gateway, topic: string, item: { partition: number; error?: WireError | undefined }): void {
  if (item.error !== undefined) throw withLeader(gateway, topic, item.partition, FaecieError.fromWire(item.error))
}
