// SaslHandshake (v1) and SaslAuthenticate (v0-2): a SCRAM login on the Kafka listener, as Kafka's
// SaslServerAuthenticator runs it for kcat/librdkafka and the Java client:
//
//   ApiVersions -> SaslHandshake v1 {mechanism}      -> the enabled mechanisms, or UNSUPPORTED_SASL_MECHANISM
//               -> SaslAuthenticate {client-first}    -> {server-first}
//               -> SaslAuthenticate {client-final}    -> {server-final}: logged in as User:<name>
//
// One ScramServerExchange (security/scram-server.ts) per connection, made by the handshake. A failed
// step is answered SASL_AUTHENTICATION_FAILED with a message (after the login throttle's delay for
// the client's address), audited as a failed login (listener 'kafka'), and the connection is closed
// once the answer is written, as Kafka does. So are an unsupported mechanism and a SaslAuthenticate
// without a handshake. After the login both APIs answer ILLEGAL_SASL_STATE and the connection stays
// (no re-authentication: session_lifetime_ms is 0, KIP-368 off). Without --auth scram the broker has
// no SASL, as a PLAINTEXT Kafka listener: ILLEGAL_SASL_STATE.
// Handshake v0 (the tokens that follow it are raw SASL bytes, not SaslAuthenticate requests) is
// refused: ILLEGAL_SASL_STATE, and the connection closed. It is advertised all the same (0-1), as
// librdkafka enables SASL only when the advertised range includes v0; it then uses v1, as does every
// client since Kafka 1.0.
//
// librdkafka before 2.6.1 (kcat on Debian 12: 2.0.2) sends the client nonce twice in its final
// message (r=<client nonce><client nonce><server nonce>; librdkafka#4895), which Kafka 3.8.1-3.9
// accepted (endsWith) and Kafka 4 refuses. faecie accepts exactly that form too, so that kcat logs
// in: the nonce still carries this exchange's server nonce, so a replayed message fails all the same.
import {
  ErrorCode, isScramMechanism, parseScramAttributes, SASL_MESSAGE_CHARS_MAX, ScramError, verifyClientFinal, type ScramMechanism,
} from '@faecie/protocol'
import type { Gateway } from '../../gateway/context.js'
import { ScramServerExchange, type ScramStep } from '../../security/scram-server.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultSaslAuthenticateResponse, readSaslAuthenticateRequest, writeSaslAuthenticateResponse, type SaslAuthenticateRequest,
  type SaslAuthenticateResponse } from '../generated/sasl-authenticate.js'
import { readSaslHandshakeRequest, writeSaslHandshakeResponse, type SaslHandshakeRequest,
  type SaslHandshakeResponse } from '../generated/sasl-handshake.js'
import { kafkaApi, type KafkaLogin } from './context.js'
import type { LoginThrottle } from '../../security/login-throttle.js'

/** SaslHandshake v0 is followed by raw SASL tokens; only v1 (SaslAuthenticate framing) is accepted. */
export const SASL_HANDSHAKE_MIN_VERSION = 1

/** Kafka's message for a failed SCRAM login (kcat prints it after "SASL authentication error:"). */
function failedMessage(mechanism: string, why: string): string {
  return `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}: ${why}`
}

/**
 * Per connection: the mechanism the handshake chose and its exchange (one login per connection);
 * after the first step, what the librdkafka form of the final message is checked against.
 */
interface SaslState {
  mechanism: ScramMechanism
  exchange: ScramServerExchange
  first?: { clientFirstBare: string; serverFirst: string; librdkafkaNonce: string }
}
const STATES = new WeakMap<KafkaLogin, SaslState>()

/** What the Kafka login needs of the login throttle (security/login-throttle.ts, on GatewaySecurity). */
export type KafkaLoginThrottle = Pick<LoginThrottle, 'failed' | 'succeeded'>

/** The broker's one login throttle: failures from an address slow every listener's answers to it. */
export function loginThrottleOf(gateway: Gateway): KafkaLoginThrottle {
  return gateway.security.loginThrottle
}

export const saslHandshake = kafkaApi<SaslHandshakeRequest, SaslHandshakeResponse>({
  api: KAFKA_APIS.SaslHandshake,
  read: readSaslHandshakeRequest,
  write: writeSaslHandshakeResponse,
  handle: async (request, version, ctx) => {
    const security = ctx.gateway.security
    const mechanisms = security.authenticationRequired ? [...security.config.saslMechanisms] : []
    if (version < SASL_HANDSHAKE_MIN_VERSION) {
      ctx.closeAfterAnswer('SaslHandshake v0 (raw SASL tokens) is not supported; v1 is')
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }
    }
    if (!security.authenticationRequired || ctx.login.loggedIn || STATES.has(ctx.login)) {
      ctx.logger.info({ mechanism: request.mechanism, loggedIn: ctx.login.loggedIn }, 'SaslHandshake refused: ILLEGAL_SASL_STATE')
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms }
    }
    const mechanism = request.mechanism
    if (!isScramMechanism(mechanism) || !mechanisms.includes(mechanism)) {
      security.audit.loginFailed({ user: '', clientAddress: ctx.login.clientAddress, mechanism, listener: 'kafka',
        reason: `unsupported SASL mechanism (enabled: ${mechanisms.join(', ')})` })
      ctx.closeAfterAnswer(`SaslHandshake: unsupported SASL mechanism ${JSON.stringify(mechanism)}`)
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }
    }
    const exchange = new ScramServerExchange(mechanism, (user, m) => security.state.credential(user, m), security.config.limits.scramIterations)
    STATES.set(ctx.login, { mechanism, exchange })
    return { errorCode: 0, mechanisms }
  },
})

export const saslAuthenticate = kafkaApi<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  api: KAFKA_APIS.SaslAuthenticate,
  read: readSaslAuthenticateRequest,
  write: writeSaslAuthenticateResponse,
  handle: async (request, _version, ctx) => {
    const answer = (errorCode: number, errorMessage: string | null, message = ''): SaslAuthenticateResponse =>
      ({ ...defaultSaslAuthenticateResponse(), errorCode, errorMessage, authBytes: Buffer.from(message, 'utf8') })
    if (ctx.login.loggedIn) return answer(ErrorCode.ILLEGAL_SASL_STATE, 'Already authenticated: re-authentication is not supported (session_lifetime_ms 0).')
    const state = STATES.get(ctx.login)
    if (state === undefined || state.exchange.ended) {
      const why = ctx.gateway.security.authenticationRequired ? 'SaslAuthenticate needs a SaslHandshake first' : 'SASL is not enabled on this broker (--auth none)'
      if (ctx.gateway.security.authenticationRequired) ctx.closeAfterAnswer(why)
      return answer(ErrorCode.ILLEGAL_SASL_STATE, `${why}.`)
    }
    const { exchange, mechanism } = state
    const throttle = loginThrottleOf(ctx.gateway)
    try {
      if (request.authBytes.length > SASL_MESSAGE_CHARS_MAX) throw new Error(`the SASL message is over ${SASL_MESSAGE_CHARS_MAX} bytes`)
      const step = await scramStep(state, Buffer.from(request.authBytes).toString('utf8'), ctx.gateway)
      if (!step.done) return answer(0, null, step.message)
      ctx.login.principal = step.principal
      ctx.login.loggedIn = true
      STATES.delete(ctx.login)
      throttle.succeeded(ctx.login.clientAddress)
      ctx.gateway.security.audit.loginSucceeded({ principal: step.principal, clientAddress: ctx.login.clientAddress, mechanism, listener: 'kafka' })
      return answer(0, null, step.message)
    } catch (err) {
      const why = (err as Error).message
      STATES.delete(ctx.login)
      ctx.gateway.security.audit.loginFailed({ user: exchange.user, clientAddress: ctx.login.clientAddress, mechanism, listener: 'kafka', reason: why })
      await throttle.failed(ctx.login.clientAddress)
      ctx.closeAfterAnswer(`SASL authentication failed: ${why}`)
      return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, failedMessage(mechanism, why))
    }
  },
})


/** One step of the exchange; a final message in librdkafka's old form (see the top) checked here against the same credential. */
async function scramStep(state: SaslState, message: string, gateway: Gateway): Promise<ScramStep> {
  const { exchange, first } = state
  if (first === undefined) {
    const step = await exchange.step(message)
    if (!step.done && message.startsWith('n,,')) {
      const clientFirstBare = message.slice(3)
      const librdkafkaNonce = `${parseScramAttributes(clientFirstBare).get('r')}${parseScramAttributes(step.message).get('r')}`
      state.first = { clientFirstBare, serverFirst: step.message, librdkafkaNonce }
    }
    return step
  }
  if (parseScramAttributes(message).get('r') !== first.librdkafkaNonce) return exchange.step(message)
  const credential = gateway.security.state.credential(exchange.user, state.mechanism)
  if (credential === undefined) throw new ScramError('Unknown user or wrong password.')
  try {
    const serverFinal = await verifyClientFinal(credential, first.clientFirstBare, first.serverFirst, message, first.librdkafkaNonce)
    return { done: true, message: serverFinal, principal: `User:${exchange.user}`, user: exchange.user }
  } catch (err) {
    if (err instanceof ScramError && err.message === 'The proof is wrong.') throw new ScramError('Unknown user or wrong password.')
    throw err
  }
}
