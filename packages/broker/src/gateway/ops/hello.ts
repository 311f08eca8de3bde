// Op `hello`: agrees the protocol version and tells the client the broker's limits. It must be the
// first request of a session (session.ts answers anything else before it with HELLO_REQUIRED).
import { ErrorCode, FaecieError, PROTOCOL_VERSION } from '@faecie/protocol'
import type { OpHandler } from '../context.js'
import { announcedLimits } from '../limits.js'

export const hello: OpHandler<'hello'> = async (request, { gateway, session }) => {
  if (request.protocolVersion !== PROTOCOL_VERSION) {
    throw new FaecieError(ErrorCode.UNSUPPORTED_VERSION,
      `This broker speaks protocol version ${PROTOCOL_VERSION}, not ${request.protocolVersion}.`)
  }
  session.helloDone(request.clientId)
  const limits = announcedLimits(gateway.limits)
  return {
    protocolVersion: PROTOCOL_VERSION,
    brokerId: gateway.broker.brokerId,
    serverVersion: gateway.broker.serverVersion,
    limits: {
      frameBytesMax: gateway.limits.frameBytesMax,
      batchBytesMax: gateway.limits.batchBytesMax,
      inFlightMax: gateway.limits.inFlightMax,
      subscriptionsMax: gateway.limits.subscriptionsMax,
      maxWaitMsMax: gateway.limits.maxWaitMsMax,
      ...limits,
    },
  }
}
