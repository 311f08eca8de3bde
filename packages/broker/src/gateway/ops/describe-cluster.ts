// Op `describeCluster`: the cluster as this broker sees it. A single broker is the whole cluster: its
// own controller, no etcd.
import type { OpHandler } from '../context.js'

export const describeCluster: OpHandler<'describeCluster'> = async (_request, { gateway }) => {
  const { broker } = gateway
  return {
    mode: 'single',
    clusterId: broker.clusterId,
    controllerId: broker.brokerId,
    brokers: [{ brokerId: broker.brokerId, url: broker.url, rack: null }],
    etcd: [],
  }
}
