// Op `saslAuthenticate` (protocol ops/sasl-authenticate.ts): one step of a SCRAM login on this
// session. A session has at most one exchange (security/scram-server.ts) at a time, kept here by
// session and dropped with it:
//
//   no exchange     client-first  -> a new exchange of the named mechanism; answers server-first
//   exchange        client-final  -> answers server-final, done: true and the principal; the session
//                                    is logged in (its principal set) and the exchange dropped
//
// A failed step (malformed message, unknown user, wrong proof, another exchange's nonce) drops the
// exchange, writes an audit line, and is answered SASL_AUTHENTICATION_FAILED after the delay the
// client address's failures call for (security/login-throttle.ts; a closed session stops waiting).
// The client must start again with a client-first. Refused without touching the exchange's state:
//   a broker without --auth scram          SECURITY_DISABLED (as Kafka refuses SASL on a PLAINTEXT
//                                          listener: a client that expects to log in must not go on
//                                          unauthenticated, which also stops a downgrade)
//   a session logged in already, a peer broker's session, an HTTP request
//                                          ILLEGAL_SASL_STATE
//   a step while the session's last one is still in flight (its failure delay included)
//                                          ILLEGAL_SASL_STATE
//   a mechanism the broker does not enable UNSUPPORTED_SASL_MECHANISM (naming those it enables)
//   step 2 with another mechanism than step 1
//                                          ILLEGAL_SASL_STATE (the exchange is dropped)
import { ErrorCode, FaecieError, ScramError, type ScramMechanism } from '@faecie/protocol'
import { ScramServerExchange } from '../../security/scram-server.js'
import type { GatewaySecurity } from '../../security/gateway-security.js'
import type { OpHandler, SessionHandle } from '../context.js'

/** What a login changes on a session (Session, KafkaConnection and HttpSession have these fields). */
interface LoginFields {
  principal: string
  loggedIn: boolean
}

interface LoginState {
  exchange: ScramServerExchange | undefined
  /** A step is being answered (its failure delay included). */
  busy: boolean
}

const loginStates = new WeakMap<SessionHandle, LoginState>()

function loginFields(session: SessionHandle): (SessionHandle & LoginFields) | undefined {
  return typeof (session as Partial<LoginFields>).loggedIn === 'boolean' ? session as SessionHandle & LoginFields : undefined
}

function illegal(message: string): FaecieError {
  return new FaecieError(ErrorCode.ILLEGAL_SASL_STATE, message)
}

/** The refusals that come before any step (see the top of this file). */
function refusal(security: GatewaySecurity, session: SessionHandle, mechanism: string): FaecieError | undefined {
  if (!security.authenticationRequired) {
    return new FaecieError(ErrorCode.SECURITY_DISABLED, 'This broker does not authenticate (it runs without --auth scram): ' +
      'connect without credentials; every session acts as User:ANONYMOUS.')
  }
  if (session.overHttp === true) return illegal('saslAuthenticate is a WebSocket op; HTTP requests carry their credentials in each request.')
  if (session.peerBrokerId !== undefined) return illegal('A peer broker\'s session is authenticated by the cluster secret; it does not log in.')
  const fields = loginFields(session)
  if (fields === undefined) return illegal('This session cannot log in.')
  if (fields.loggedIn) return illegal(`The session is logged in already, as ${fields.principal}.`)
  if (!(security.config.saslMechanisms as string[]).includes(mechanism)) {
    return new FaecieError(ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      `This broker does not enable ${JSON.stringify(mechanism)}; it enables ${security.config.saslMechanisms.join(', ')}.`)
  }
  return undefined
}

export const saslAuthenticate: OpHandler<'saslAuthenticate'> = async (request, { gateway, session }) => {
  const { security } = gateway
  const refused = refusal(security, session, request.mechanism)
  if (refused !== undefined) throw refused
  const target = loginFields(session)!
  let state = loginStates.get(session)
  if (state === undefined) loginStates.set(session, state = { exchange: undefined, busy: false })
  if (state.busy) throw illegal('A saslAuthenticate step of this session is still being answered: wait for its answer.')
  const mechanism = request.mechanism as ScramMechanism
  if (state.exchange !== undefined && state.exchange.mechanism !== mechanism) {
    state.exchange = undefined
    throw illegal(`The login began with ${mechanism === 'SCRAM-SHA-256' ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256'}, not ${mechanism}: start again.`)
  }
  const exchange = state.exchange ?? new ScramServerExchange(mechanism, (user, m) => security.state.credential(user, m),
    security.config.limits.scramIterations)
  state.exchange = exchange
  state.busy = true
  try {
    const step = await exchange.step(request.message)
    if (!step.done) return { message: step.message, done: false }
    state.exchange = undefined
    target.principal = step.principal
    target.loggedIn = true
    security.loginThrottle.succeeded(session.clientAddress)
    security.audit.loginSucceeded({ principal: step.principal, clientAddress: session.clientAddress, mechanism, listener: 'websocket' })
    return { message: step.message, done: true, principal: step.principal }
  } catch (err) {
    state.exchange = undefined
    if (!(err instanceof ScramError)) throw err
    security.audit.loginFailed({ user: exchange.user, clientAddress: session.clientAddress, mechanism, listener: 'websocket', reason: err.message })
    await security.loginThrottle.failed(session.clientAddress, session.signal)
    const who = exchange.user === '' ? '' : ` as ${JSON.stringify(exchange.user)}`
    throw new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, `Login${who} with ${mechanism} failed: ${err.message}`)
  } finally {
    state.busy = false
  }
}
