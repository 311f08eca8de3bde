// FindCoordinator (v0-6): a consumer group's coordinator is this broker when it is the only one; in
// a cluster it is the leader of the group's `__consumer_offsets` partition, named by its Kafka
// listener (cluster-view.ts groupCoordinator), the same whichever broker is asked. While that
// partition has no leader, or the topic is being made (the first ask makes it):
// COORDINATOR_NOT_AVAILABLE, which clients retry. Transactions are not supported, so a transaction
// coordinator is never found (COORDINATOR_NOT_AVAILABLE); share groups are not either
// (INVALID_REQUEST). Served before the group APIs themselves because librdkafka enables LZ4 only
// when the broker advertises FindCoordinator v0 (its feature map dates LZ4 to Kafka 0.8.2).
// With --auth scram a group's coordinator is told only to a principal that may Describe the group
// (else GROUP_AUTHORIZATION_FAILED for that key), as Kafka.
import { ErrorCode } from '@faecie/protocol'
import { checkItemCount, wireError } from '../../gateway/context.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultFindCoordinatorResponse, readFindCoordinatorRequest, writeFindCoordinatorResponse, type FindCoordinatorRequest,
  type FindCoordinatorResponse } from '../generated/find-coordinator.js'
import { groupCoordinator } from './cluster-view.js'
import { denial, kafkaApi, type KafkaApiContext } from './context.js'

const GROUP_KEY_TYPE = 0
const TRANSACTION_KEY_TYPE = 1

export const findCoordinator = kafkaApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  api: KAFKA_APIS.FindCoordinator,
  read: readFindCoordinatorRequest,
  write: writeFindCoordinatorResponse,
  handle: async (request, version, ctx) => {
    if (version < 4) return { ...defaultFindCoordinatorResponse(), ...await coordinatorOf(ctx, request.keyType, request.key) }
    // Counted before any work (over requestItemsMax: refused, the connection closes); a key named twice is looked up once.
    checkItemCount(request.coordinatorKeys.length, ctx.gateway.limits)
    const distinct = [...new Set(request.coordinatorKeys)]
    const found = new Map(await Promise.all(distinct.map(async (key) => [key, await coordinatorOf(ctx, request.keyType, key)] as const)))
    return { ...defaultFindCoordinatorResponse(), coordinators: request.coordinatorKeys.map((key) => ({ key, ...found.get(key)! })) }
  },
})

interface Coordinator { nodeId: number; host: string; port: number; errorCode: number; errorMessage: string | null }

async function coordinatorOf(ctx: KafkaApiContext, keyType: number, key: string): Promise<Coordinator> {
  if (keyType !== GROUP_KEY_TYPE) {
    const errorCode = keyType === TRANSACTION_KEY_TYPE ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST
    const errorMessage = keyType === TRANSACTION_KEY_TYPE ? 'faecie does not support transactions' : `key type ${keyType} is not supported`
    return { nodeId: -1, host: '', port: -1, errorCode, errorMessage }
  }
  const refused = denial(ctx, 'Describe', 'group', key)
  if (refused !== undefined) return { nodeId: -1, host: '', port: -1, errorCode: refused.code, errorMessage: refused.message }
  try {
    const broker = await groupCoordinator(ctx, key)
    return { nodeId: broker.nodeId, host: broker.host, port: broker.port, errorCode: 0, errorMessage: null }
  } catch (err) {
    const error = wireError(err, ctx.logger)
    return { nodeId: -1, host: '', port: -1, errorCode: error.code, errorMessage: error.message }
  }
}
