// A broker's connection to its cluster's etcd: the client, the metadata store over the cluster's key
// prefix, and the two values made once per cluster (the cluster id, the broker-to-broker secret),
// read (or created, on the cluster's first start) before anything else, within a bounded time: a
// broker that cannot reach etcd fails to start, saying so; so does one that etcd refuses (its TLS and
// login: etcd-access.ts).
import { GRPCGenericError, type Etcd3 } from 'etcd3'
import type { ClusterConfig } from '../server/cluster-config.js'
import type { MonotonicClock } from './broker-session.js'
import { CLUSTER_RUNTIME_LIMITS } from './cluster-parts.js'
import { ClusterKeys } from './keys.js'
import { connectEtcd, EtcdMetadataStore } from './metadata-store.js'
import { etcdClientOptions, etcdRefusal, EtcdUnavailableError } from './etcd-access.js'

/** etcd did not answer the broker's first request, or refused it: the broker cannot join its cluster. */
export { EtcdUnavailableError } from './etcd-access.js'

export interface ClusterConnection {
  client: Etcd3
  store: EtcdMetadataStore
  keys: ClusterKeys
  clusterId: string
  /** The secret of broker-to-broker hellos (metadata-store.ts getOrCreateBrokerSecret). */
  brokerSecret: string
}

/** Connects to etcd and reads (or creates) the cluster id and the broker secret, within etcdConnectTimeoutMs. */
export async function connectCluster(config: ClusterConfig, clock: MonotonicClock): Promise<ClusterConnection> {
  const client = connectEtcd(config.etcdEndpoints, etcdClientOptions(config.etcdAccess))
  const keys = new ClusterKeys(config.clusterName)
  const store = new EtcdMetadataStore(client, keys)
  let timer: unknown
  try {
    const timeoutMs = CLUSTER_RUNTIME_LIMITS.etcdConnectTimeoutMs
    const timedOut = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new EtcdUnavailableError(`etcd at ${config.etcdEndpoints.join(', ')} did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    const clusterId = await Promise.race([store.getOrCreateClusterId(), timedOut])
    const brokerSecret = await Promise.race([store.getOrCreateBrokerSecret(), timedOut])
    return { client, store, keys, clusterId, brokerSecret }
  } catch (err) {
    client.close()
    const refusal = etcdRefusal(err, config.etcdAccess, config.etcdEndpoints, keys.prefix)
    if (refusal !== undefined) throw new EtcdUnavailableError(refusal)
    // etcd3's errors, and grpc's own (a status code) when no connection was ever made.
    if (err instanceof EtcdUnavailableError || err instanceof GRPCGenericError || typeof (err as { code?: unknown }).code === 'number') {
      throw new EtcdUnavailableError(`cannot reach etcd at ${config.etcdEndpoints.join(', ')}: ${(err as Error).message}`)
    }
    throw err
  } finally {
    clock.clearTimeout(timer)
  }
}
