// Op `describeCluster`: the cluster as this broker sees it. A single broker is the whole cluster: its
// own controller, no etcd. In a cluster: the id, the controller (-1 while none is elected), every
// live broker (registered in etcd) with its URL, rack and Kafka address (and shuttingDown while it is
// in controlled shutdown), and the etcd endpoints.
import type { OpHandler } from '../context.js'

export const describeCluster: OpHandler<'describeCluster'> = async (_request, { gateway }) => {
  const { broker, cluster } = gateway
  if (cluster !== undefined) {
    return {
      mode: 'cluster',
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId(),
      brokers: cluster.brokers().map((b) => ({ brokerId: b.brokerId, url: b.advertisedUrl, rack: b.rack,
        ...(b.kafkaAddress === undefined ? {} : { kafkaAddress: b.kafkaAddress }), ...(b.shuttingDown === true ? { shuttingDown: true } : {}) })),
      etcd: [...cluster.etcdEndpoints],
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
