// FindCoordinator (v0-6): a consumer group's coordinator is the leader of its __consumer_offsets
// partition, which on a single broker is this broker. Transactions are not supported, so a
// transaction coordinator is never found (COORDINATOR_NOT_AVAILABLE); share groups are not either
// (INVALID_REQUEST). Served before the group APIs themselves because librdkafka enables LZ4 only
// when the broker advertises FindCoordinator v0 (its feature map dates LZ4 to Kafka 0.8.2).
import { ErrorCode } from '@faecie/protocol'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultFindCoordinatorResponse, readFindCoordinatorRequest, writeFindCoordinatorResponse, type FindCoordinatorRequest,
  type FindCoordinatorResponse } from '../generated/find-coordinator.js'
import { kafkaApi } from './context.js'

const GROUP_KEY_TYPE = 0
const TRANSACTION_KEY_TYPE = 1

export const findCoordinator = kafkaApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  api: KAFKA_APIS.FindCoordinator,
  read: readFindCoordinatorRequest,
  write: writeFindCoordinatorResponse,
  handle: async (request, version, { listener }) => {
    const errorCode = request.keyType === GROUP_KEY_TYPE ? 0
      : request.keyType === TRANSACTION_KEY_TYPE ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST
    const errorMessage = errorCode === 0 ? null
      : request.keyType === TRANSACTION_KEY_TYPE ? 'faecie does not support transactions' : `key type ${request.keyType} is not supported`
    const found = { nodeId: errorCode === 0 ? listener.brokerId : -1, host: errorCode === 0 ? listener.advertisedHost : '',
      port: errorCode === 0 ? listener.advertisedPort : -1, errorCode, errorMessage }
    if (version < 4) return { ...defaultFindCoordinatorResponse(), ...found }
    return { ...defaultFindCoordinatorResponse(), coordinators: request.coordinatorKeys.map((key) => ({ key, ...found })) }
  },
})
