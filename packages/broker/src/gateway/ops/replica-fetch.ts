// Ops `replicaFetch` and `offsetsForLeaderEpoch`: what a follower broker asks its leader. A single
// broker has no followers: it refuses both, as it refuses a broker's hello.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { OpHandler } from '../context.js'

function notACluster(): FaecieError {
  return new FaecieError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'This broker is not part of a cluster: it has no replicas to serve.')
}

export const replicaFetch: OpHandler<'replicaFetch'> = async () => {
  throw notACluster()
}

export const offsetsForLeaderEpoch: OpHandler<'offsetsForLeaderEpoch'> = async () => {
  throw notACluster()
}
