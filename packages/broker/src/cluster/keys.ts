// The etcd key layout of a faecie cluster, and the limits of its coordination. Everything a cluster
// keeps in etcd lives under one prefix, /faecie/<clusterName>/, so that several clusters can share
// one etcd and `etcdctl get --prefix /faecie/<clusterName>/` shows all of one. Values are JSON.
//
//   /faecie/<cluster>/cluster-id                 "<uuid>"  created once (CAS: key absent)
//   /faecie/<cluster>/brokers/<brokerId>         {"brokerId": 1, "advertisedUrl": "ws://h:p",
//                                                 "rack": null, "registeredAt": "<ISO 8601>"}
//                                                under the broker's lease: gone when it expires
//   /faecie/<cluster>/controller                 {"brokerId": 1, "electedAt": "<ISO 8601>"}
//                                                the election key, under the controller's lease;
//                                                its create revision is the controller epoch
//   /faecie/<cluster>/topics/<topic>             {"topicId": "<uuid>", "partitions": 3,
//                                                 "config": {"retention.ms": "604800000", ...}}
//   /faecie/<cluster>/assignments/<topic>        {"replicas": [[1, 2, 3], [2, 3, 1], [3, 1, 2]]}
//                                                replica assignment, one broker list per partition
//   /faecie/<cluster>/partitions/<topic>/<p>     {"leader": 1, "leaderEpoch": 0, "partitionEpoch": 0,
//                                                 "isr": [1, 2, 3], "replicas": [1, 2, 3]}
//                                                leader -1 when no replica in the ISR is alive
//   /faecie/<cluster>/producer-ids/next-block    {"firstProducerId": "3000", "brokerId": 2}
//                                                the first producer id of the next unallocated block
//   /faecie/<cluster>/reassignment-throttle      {"throttleBytesPerSec": 10485760}
//                                                the replication throttle of moving replicas, bytes/s
//                                                per broker (controller-reassign.ts); absent: none
//   /faecie/<cluster>/security/users/<user>/<mechanism>
//                                                {"salt", "iterations", "storedKey", "serverKey"}
//                                                a SCRAM credential (bytes base64; the user name
//                                                URI-encoded); never a password (security-etcd.ts)
//   /faecie/<cluster>/security/acls/<sha256>     an ACL binding, keyed by the hash of its fields
//
// Every change is a transaction that compares the changed key's mod revision (or, for a key that
// must not exist yet, its create revision against 0), so a writer that read a stale value fails and
// reads again. A controller's writes also compare the create revision of /controller with the one
// it created when elected: once its lease is revoked or expires the key is gone (or belongs to the
// next controller), and every write of the deposed controller fails. Topic names are faecie topic
// names ([a-zA-Z0-9._-], no '/'), so they never collide with the key separators.

/** etcd's default --max-txn-ops: at most this many compares, and this many operations, per transaction. */
export const ETCD_TXN_OPS_MAX = 128
/** Producer ids handed to a broker at a time (Kafka's block size). */
export const PRODUCER_ID_BLOCK_SIZE = 1000
/** How many times a read-compare-write loop retries a conflict before it gives up. */
export const CAS_RETRIES_MAX = 100
/** The shortest and default broker session timeouts: etcd leases are whole seconds, at least 2. */
export const BROKER_SESSION_TIMEOUT_MS_MIN = 2000
export const BROKER_SESSION_TIMEOUT_MS_DEFAULT = 6000
/** Cluster names: one path segment of the key prefix. */
const CLUSTER_NAME = /^[a-zA-Z0-9._-]{1,64}$/

export class ClusterKeys {
  readonly prefix: string

  constructor(readonly clusterName: string) {
    if (!CLUSTER_NAME.test(clusterName)) throw new RangeError(`cluster name must match ${CLUSTER_NAME}: ${JSON.stringify(clusterName)}`)
    this.prefix = `/faecie/${clusterName}/`
  }

  clusterId(): string { return `${this.prefix}cluster-id` }
  /** A random secret only brokers read: what a broker-to-broker hello carries (never told to clients). */
  brokerSecret(): string { return `${this.prefix}broker-secret` }
  brokersPrefix(): string { return `${this.prefix}brokers/` }
  broker(brokerId: number): string { return `${this.brokersPrefix()}${brokerId}` }
  controller(): string { return `${this.prefix}controller` }
  topicsPrefix(): string { return `${this.prefix}topics/` }
  topic(topic: string): string { return `${this.topicsPrefix()}${topic}` }
  assignment(topic: string): string { return `${this.prefix}assignments/${topic}` }
  partitionsPrefix(topic: string): string { return `${this.prefix}partitions/${topic}/` }
  partition(topic: string, partition: number): string { return `${this.partitionsPrefix(topic)}${partition}` }
  producerIdBlock(): string { return `${this.prefix}producer-ids/next-block` }
  reassignmentThrottle(): string { return `${this.prefix}reassignment-throttle` }
}

/** A broker session timeout as an etcd lease TTL: it must be whole seconds, at least 2. */
export function leaseTtlSeconds(sessionTimeoutMs: number): number {
  if (!Number.isSafeInteger(sessionTimeoutMs) || sessionTimeoutMs < BROKER_SESSION_TIMEOUT_MS_MIN || sessionTimeoutMs % 1000 !== 0) {
    throw new RangeError(`broker session timeout must be whole seconds, at least ${BROKER_SESSION_TIMEOUT_MS_MIN} ms (an etcd lease): ${sessionTimeoutMs}`)
  }
  return sessionTimeoutMs / 1000
}

/** What a key under the cluster's prefix is; parseClusterKey's answer. */
export type ClusterKey =
  | { kind: 'cluster-id' }
  | { kind: 'broker'; brokerId: number }
  | { kind: 'controller' }
  | { kind: 'topic'; topic: string }
  | { kind: 'assignment'; topic: string }
  | { kind: 'partition'; topic: string; partition: number }
  | { kind: 'producer-id-block' }
  | { kind: 'reassignment-throttle' }

const ID = /^(0|[1-9]\d{0,9})$/

/** The meaning of `key` in `keys`' layout, or undefined for a key faecie does not write there. */
export function parseClusterKey(keys: ClusterKeys, key: string): ClusterKey | undefined {
  if (!key.startsWith(keys.prefix)) return undefined
  const parts = key.slice(keys.prefix.length).split('/')
  const [head, a, b] = parts
  if (parts.length === 1 && head === 'cluster-id') return { kind: 'cluster-id' }
  if (parts.length === 1 && head === 'controller') return { kind: 'controller' }
  if (parts.length === 1 && head === 'reassignment-throttle') return { kind: 'reassignment-throttle' }
  if (parts.length === 2 && head === 'producer-ids' && a === 'next-block') return { kind: 'producer-id-block' }
  if (parts.length === 2 && head === 'brokers' && ID.test(a!)) return { kind: 'broker', brokerId: Number(a) }
  if (parts.length === 2 && head === 'topics' && a !== '') return { kind: 'topic', topic: a! }
  if (parts.length === 2 && head === 'assignments' && a !== '') return { kind: 'assignment', topic: a! }
  if (parts.length === 3 && head === 'partitions' && a !== '' && ID.test(b!)) return { kind: 'partition', topic: a!, partition: Number(b) }
  return undefined
}
