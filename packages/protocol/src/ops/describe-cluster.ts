// Op `describeCluster`: the cluster as this broker sees it: its id, the controller, every live broker
// with its URL and rack, and the etcd endpoints it coordinates through. A single broker (no
// `--cluster`) answers mode `single`, itself as the only broker and controller, and no etcd.
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export type DescribeClusterRequest = Record<string, never>

export interface DescribeClusterBroker {
  brokerId: number
  /** ws://HOST:PORT, as clients reach it. */
  url: string
  rack: string | null
  /** host:port of its Kafka-protocol listener, when it has one. */
  kafkaAddress?: string
  /** True while the broker is in controlled shutdown (SIGTERM): its leaderships move away; it leads nothing new. */
  shuttingDown?: boolean
}

export interface DescribeClusterResponse {
  mode: 'single' | 'cluster'
  clusterId: string
  /** The controller's broker id; -1 while none is elected. */
  controllerId: number
  brokers: DescribeClusterBroker[]
  /** The etcd endpoints (cluster mode), else empty. */
  etcd: string[]
}

export function parseDescribeClusterRequest(frame: RequestFrame): Parsed<DescribeClusterRequest> {
  return parseOp(frame, () => ({}))
}
