// Op `describeCluster`: the cluster as this broker sees it. A single broker is the whole cluster: its
// own controller, no etcd. In a cluster: the id, the controller (-1 while none is elected), every
// live broker (registered in etcd) with its URL, rack and Kafka address (and shuttingDown while it is
// in controlled shutdown), and the etcd endpoints.
// ACLs: none needed, as Kafka's DescribeCluster and Metadata show the brokers to any principal
// (a client must find them); the etcd endpoints, which a client never needs, only with Describe on
// the cluster (else an empty list).
import { CLUSTER_RESOURCE_NAME } from '@faecie/protocol'
import type { OpHandler } from '../context.js'

export const describeCluster: OpHandler<'describeCluster'> = async (_request, { gateway, session }) => {
  const { broker, cluster } = gateway
  if (cluster !== undefined) {
    return {
      mode: 'cluster',
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId(),
      brokers: cluster.brokers().map((b) => ({ brokerId: b.brokerId, url: b.advertisedUrl, rack: b.rack,
        ...(b.kafkaAddress === undefined ? {} : { kafkaAddress: b.kafkaAddress }), ...(b.shuttingDown === true ? { shuttingDown: true } : {}) })),
      etcd: gateway.security.allowed(session, 'Describe', 'cluster', CLUSTER_RESOURCE_NAME) ? [...cluster.etcdEndpoints] : [],
    }
  }
  return {
    mode: 'single',
    clusterId: broker.clusterId,
    controllerId: broker.brokerId,
    brokers: [{ brokerId: broker.brokerId, url: broker.url, rack: null }],
    etcd: [],
  }
}
