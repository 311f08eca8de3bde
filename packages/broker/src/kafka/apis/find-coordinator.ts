// FindCoordinator (v0-6): a consumer group's coordinator is this broker when it is the only one; in
// a cluster it is one broker chosen from the group id (cluster-view.ts groupCoordinator), the same
// whichever broker is asked (groups live on their coordinator until issue 14 replicates them). Transactions are not supported, so a
// transaction coordinator is never found (COORDINATOR_NOT_AVAILABLE); share groups are not either
// (INVALID_REQUEST). Served before the group APIs themselves because librdkafka enables LZ4 only
// when the broker advertises FindCoordinator v0 (its feature map dates LZ4 to Kafka 0.8.2).
import { ErrorCode } from '@faecie/protocol'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultFindCoordinatorResponse, readFindCoordinatorRequest, writeFindCoordinatorResponse, type FindCoordinatorRequest,
  type FindCoordinatorResponse } from '../generated/find-coordinator.js'
import { groupCoordinator } from './cluster-view.js'
import { kafkaApi, type KafkaApiContext } from './context.js'

const GROUP_KEY_TYPE = 0
const TRANSACTION_KEY_TYPE = 1

export const findCoordinator = kafkaApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  api: KAFKA_APIS.FindCoordinator,
  read: readFindCoordinatorRequest,
  write: writeFindCoordinatorResponse,
  handle: async (request, version, ctx) => {
    if (version < 4) return { ...defaultFindCoordinatorResponse(), ...coordinatorOf(ctx, request.keyType, request.key) }
    return { ...defaultFindCoordinatorResponse(), coordinators: request.coordinatorKeys.map((key) => ({ key, ...coordinatorOf(ctx, request.keyType, key) })) }
  },
})

function coordinatorOf(ctx: KafkaApiContext, keyType: number, key: string): { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null } {
  if (keyType !== GROUP_KEY_TYPE) {
    const errorCode = keyType === TRANSACTION_KEY_TYPE ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST
    const errorMessage = keyType === TRANSACTION_KEY_TYPE ? 'faecie does not support transactions' : `key type ${keyType} is not supported`
    return { nodeId: -1, host: '', port: -1, errorCode, errorMessage }
  }
  const broker = groupCoordinator(ctx, key)
  return { nodeId: broker.nodeId, host: broker.host, port: broker.port, errorCode: 0, errorMessage: null }
}
