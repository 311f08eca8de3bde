// Op `hello`: agrees the protocol version and tells the client the broker's limits. It must be the
// first request of a session (session.ts answers anything else before it with HELLO_REQUIRED).
// A hello naming a broker (`broker: {brokerId, clusterId}`) opens a broker-to-broker session: only a
// broker in cluster mode takes it, and only from a broker of its own cluster id; anything else is
// answered INCONSISTENT_CLUSTER_ID and the session is closed once that answer is out. The session
// then remembers the peer's broker id (replica-fetch.ts serves only that broker).
// With --auth scram the answer carries `auth: {required: true, mechanisms}` (not to a peer broker,
// whose secret authenticates it): the session must log in (saslAuthenticate) before any other op.
import { ErrorCode, FaecieError, PROTOCOL_VERSION, type HelloRequest } from '@faecie/protocol'
import { isPeerSession } from '../../replication/peer-session.js'
import { CloseCode, type Gateway, type OpHandler, type SessionHandle } from '../context.js'
import { announcedLimits } from '../limits.js'

/** Checks a broker's hello; the session is closed right after the refusal has been answered. */
function acceptBroker(broker: NonNullable<HelloRequest['broker']>, gateway: Gateway, session: SessionHandle): void {
  const cluster = gateway.cluster
  const refusal = cluster === undefined
    ? `Broker ${broker.brokerId} of cluster ${broker.clusterId} said hello, but this broker runs alone (cluster ${gateway.broker.clusterId}).`
    : broker.clusterId !== cluster.clusterId
      ? `Broker ${broker.brokerId} belongs to cluster ${broker.clusterId}, this broker to cluster ${cluster.clusterId}.`
      : !isPeerSession(session)
        ? 'This session cannot take a broker.'
        : session.peerBrokerId !== undefined && session.peerBrokerId !== broker.brokerId
          ? `This session said hello as broker ${session.peerBrokerId} already.`
          : undefined
  if (refusal === undefined && cluster !== undefined && !cluster.acceptsBrokerSecret(broker.secret)) {
    session.logger.warn({ peer: { brokerId: broker.brokerId } }, 'broker hello refused: not the cluster\'s broker secret')
    setImmediate(() => session.close(CloseCode.protocolError, 'not a broker of this cluster'))
    throw new FaecieError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Only the brokers of this cluster may open a broker session.')
  }
  if (refusal !== undefined) {
    session.logger.warn({ peer: broker }, `broker hello refused: ${refusal}`)
    // The refusal is answered first (the answer is sent in the job after this handler's rejection).
    setImmediate(() => session.close(CloseCode.protocolError, 'inconsistent cluster id'))
    throw new FaecieError(ErrorCode.INCONSISTENT_CLUSTER_ID, refusal)
  }
}

export const hello: OpHandler<'hello'> = async (request, { gateway, session }) => {
  if (request.protocolVersion !== PROTOCOL_VERSION) {
    throw new FaecieError(ErrorCode.UNSUPPORTED_VERSION,
      `This broker speaks protocol version ${PROTOCOL_VERSION}, not ${request.protocolVersion}.`)
  }
  if (request.broker !== undefined) acceptBroker(request.broker, gateway, session)
  if (isPeerSession(session) && request.broker !== undefined) session.brokerHelloDone(request.broker.brokerId, request.clientId)
  else session.helloDone(request.clientId)
  const limits = announcedLimits(gateway.limits)
  const { security } = gateway
  const auth = security.authenticationRequired && session.peerBrokerId === undefined
    ? { auth: { required: true as const, mechanisms: [...security.config.saslMechanisms] } } : {}
  return {
    protocolVersion: PROTOCOL_VERSION,
    brokerId: gateway.broker.brokerId,
    serverVersion: gateway.broker.serverVersion,
    clusterId: gateway.cluster?.clusterId ?? gateway.broker.clusterId,
    limits: {
      frameBytesMax: gateway.limits.frameBytesMax,
      batchBytesMax: gateway.limits.batchBytesMax,
      inFlightMax: gateway.limits.inFlightMax,
      subscriptionsMax: gateway.limits.subscriptionsMax,
      maxWaitMsMax: gateway.limits.maxWaitMsMax,
      ...limits,
    },
    ...auth,
  }
}
