// InitProducerId (v0-5): a producer id for an idempotent producer from the gateway's initProducerId
// op (epoch 0). A transactional id is refused with UNSUPPORTED_VERSION: faecie has no transactions.
import { ErrorCode } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultInitProducerIdResponse, readInitProducerIdRequest, writeInitProducerIdResponse, type InitProducerIdRequest,
  type InitProducerIdResponse } from '../generated/init-producer-id.js'
import { kafkaApi } from './context.js'

export const initProducerId = kafkaApi<InitProducerIdRequest, InitProducerIdResponse>({
  api: KAFKA_APIS.InitProducerId,
  read: readInitProducerIdRequest,
  write: writeInitProducerIdResponse,
  handle: async (request, _version, ctx) => {
    if (request.transactionalId !== null) return { ...defaultInitProducerIdResponse(), errorCode: ErrorCode.UNSUPPORTED_VERSION }
    const answer = await OP_HANDLERS.initProducerId({}, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('initProducerId always answers')
    return { ...defaultInitProducerIdResponse(), producerId: BigInt(answer.producerId), producerEpoch: answer.producerEpoch }
  },
})
