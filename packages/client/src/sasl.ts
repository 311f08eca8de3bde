// The client's login: the `sasl` option checked at construction, and the SCRAM exchange a connection
// runs right after hello, on every (re)connect (connection.ts). Two saslAuthenticate steps; the
// server's final message is checked against the password (ScramClient.verify), so a broker that does
// not hold the user's credential (an impostor) cannot pass for one that does. A refused login is the
// broker's SASL_AUTHENTICATION_FAILED, which is not retriable: a wrong password does not get better
// by trying again. Browser-safe: SCRAM runs on WebCrypto (@faecie/protocol's scram.ts).
import {
  ErrorCode, FaecieError, ScramClient, ScramError, SCRAM_MECHANISMS, type HelloResponse, type OpRequest, type OpResponse,
  type ScramMechanism,
} from '@faecie/protocol'

/** What `new Faecie({ sasl })` takes. */
export interface SaslOptions {
  /** 'scram-sha-256' or 'scram-sha-512', in either case. */
  mechanism: string
  username: string
  password: string
}

export interface SaslConfig {
  mechanism: ScramMechanism
  username: string
  password: string
}

/** Longest user name and password accepted (SCRAM messages are bounded: scram.ts). */
export const SASL_USERNAME_CHARS_MAX = 255
export const SASL_PASSWORD_CHARS_MAX = 1024

/** Checks the `sasl` option; undefined when absent. */
export function resolveSasl(sasl: SaslOptions | undefined): SaslConfig | undefined {
  if (sasl === undefined) return undefined
  if (typeof sasl !== 'object' || sasl === null) throw new TypeError('sasl must be { mechanism, username, password }')
  const mechanism = typeof sasl.mechanism === 'string' ? sasl.mechanism.toUpperCase() : ''
  if (!(SCRAM_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new TypeError(`sasl.mechanism must be scram-sha-256 or scram-sha-512, not ${JSON.stringify(sasl.mechanism)}`)
  }
  const text = (name: 'username' | 'password', max: number): string => {
    const value = sasl[name]
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`sasl.${name} must be a non-empty string`)
    if (value.length > max) throw new TypeError(`sasl.${name} is ${value.length} characters long; at most ${max}`)
    return value
  }
  return { mechanism: mechanism as ScramMechanism, username: text('username', SASL_USERNAME_CHARS_MAX), password: text('password', SASL_PASSWORD_CHARS_MAX) }
}

/** Sends one saslAuthenticate step on the connection being opened. */
export type SaslSend = (request: OpRequest<'saslAuthenticate'>) => Promise<OpResponse<'saslAuthenticate'>>

/**
 * Logs the connection in when it has credentials; without them, refuses a broker that requires a
 * login with a message saying what to configure. Returns the principal, or undefined (no login).
 */
export async function logIn(url: string, hello: HelloResponse, sasl: SaslConfig | undefined, send: SaslSend): Promise<string | undefined> {
  if (sasl === undefined) {
    if (hello.auth?.required !== true) return undefined
    throw new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, `${url} requires a login (${hello.auth.mechanisms.join(', ')}): ` +
      'give the client sasl: { mechanism, username, password }.')
  }
  const client = new ScramClient(sasl.mechanism, sasl.username, sasl.password)
  try {
    const first = await send({ mechanism: sasl.mechanism, message: client.first() })
    const final = await send({ mechanism: sasl.mechanism, message: await client.final(first.message) })
    client.verify(final.message)
    if (final.done !== true || typeof final.principal !== 'string') throw new ScramError('The broker did not end the login.')
    return final.principal
  } catch (err) {
    throw loginError(url, sasl, err)
  }
}

function loginError(url: string, sasl: SaslConfig, err: unknown): FaecieError {
  if (err instanceof FaecieError) {
    if (err.code !== ErrorCode.SECURITY_DISABLED) return err
    return new FaecieError(ErrorCode.SECURITY_DISABLED, `${url} does not authenticate (it runs without --auth scram), but this ` +
      `client is configured to log in as ${sasl.username}: remove sasl from its configuration to connect without a login.`)
  }
  // Our side of SCRAM refused the broker's message: the broker is not who it says it is, or is broken.
  const detail = err instanceof Error ? err.message : String(err)
  return new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, `Login to ${url} as ${sasl.username} failed: ${detail}`, { retriable: false })
}
