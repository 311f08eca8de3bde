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
  if (request.broker !== undefined) {
    // A broker-to-broker session: a single broker belongs to no cluster (cluster mode replaces this).
    throw new FaecieError(ErrorCode.INCONSISTENT_CLUSTER_ID,
      `Broker ${request.broker.brokerId} of cluster ${request.broker.clusterId} said hello, but this broker runs alone (cluster ${gateway.broker.clusterId}).`)
  }
  session.helloDone(request.clientId)
  const limits = announcedLimits(gateway.limits)
  return {
    protocolVersion: PROTOCOL_VERSION,
    brokerId: gateway.broker.brokerId,
    serverVersion: gateway.broker.serverVersion,
    clusterId: gateway.broker.clusterId,
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
