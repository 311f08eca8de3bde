// The server's side of one SCRAM login, shared by the WebSocket op `saslAuthenticate` and Kafka's
// SaslAuthenticate: two steps, each one client message in and one server message out.
//
//   step 1  client-first  -> server-first (our nonce appended to the client's; the user's salt and
//           iterations). An unknown user gets a made-up salt derived from the name and a secret of
//           this process (the same salt on every try: a public derivation would let anyone
//           recompute it and tell made-up salts from stored ones), so the answer does not tell who
//           exists, and a stand-in credential of random keys, so that step 2 runs
//           the very same checks (nonce, channel binding, proof) and fails like a wrong password.
//   step 2  client-final  -> server-final "v=..." and the principal User:<name>; a wrong proof,
//           a changed nonce or a message of another exchange is a ScramError (the caller answers
//           SASL_AUTHENTICATION_FAILED and audits it).
// A nonce is this exchange's alone: a client-final replayed from another exchange carries that
// exchange's nonce and fails, as does any message after the exchange ended.
import { strict as assert } from 'node:assert'
import { createHmac, randomBytes } from 'node:crypto'
import {
  base64Encode, parseScramAttributes, scramNonce, ScramError, unescapeSaslName, verifyClientFinal,
  type ScramCredential, type ScramMechanism,
} from '@faecie/protocol'

export type ScramStep =
  | { done: false; message: string }
  | { done: true; message: string; principal: string; user: string }

export class ScramServerExchange {
  readonly mechanism: ScramMechanism
  readonly #lookup: (user: string, mechanism: ScramMechanism) => ScramCredential | undefined
  readonly #iterationsForUnknown: number
  #state: 'first' | 'final' | 'ended' = 'first'
  #user = ''
  #clientFirstBare = ''
  #serverFirst = ''
  #nonce = ''
  #credential: ScramCredential | undefined
  /** False when #credential is an unknown user's stand-in. */
  #known = false

  constructor(mechanism: ScramMechanism, lookup: (user: string, mechanism: ScramMechanism) => ScramCredential | undefined,
    iterationsForUnknown: number) {
    this.mechanism = mechanism
    this.#lookup = lookup
    this.#iterationsForUnknown = iterationsForUnknown
  }

  /** The user name the client gave (after step 1), for the audit log. */
  get user(): string {
    return this.#user
  }

  get ended(): boolean {
    return this.#state === 'ended'
  }

  /** One step; throws ScramError for a bad message (the exchange is then over). */
  async step(clientMessage: string): Promise<ScramStep> {
    try {
      if (this.#state === 'first') return this.#first(clientMessage)
      if (this.#state === 'final') return await this.#final(clientMessage)
      throw new ScramError('The SCRAM exchange is over.')
    } catch (err) {
      this.#state = 'ended'
      throw err
    }
  }

  #first(message: string): ScramStep {
    if (!message.startsWith('n,,')) {
      throw new ScramError(message.startsWith('y,') || message.startsWith('p=') ? 'Channel binding is not supported.' : 'The first message must start with "n,,".')
    }
    const bare = message.slice(3)
    const attrs = parseScramAttributes(bare)
    const [first, second] = attrs.keys()
    if (first !== 'n' || second !== 'r') throw new ScramError('The first message must be n=USER,r=NONCE.')
    if (attrs.has('m')) throw new ScramError('Mandatory SCRAM extensions are not supported.')
    if (attrs.get('tokenauth') === 'true') throw new ScramError('Delegation tokens are not supported over SCRAM.')
    const user = unescapeSaslName(attrs.get('n')!)
    const clientNonce = attrs.get('r')!
    if (user.length === 0) throw new ScramError('The user name is empty.')
    if (clientNonce.length < 8 || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw new ScramError('The client nonce is malformed.')
    this.#user = user
    const stored = this.#lookup(user, this.mechanism)
    this.#known = stored !== undefined
    this.#credential = stored ?? standIn(this.mechanism, user, this.#iterationsForUnknown)
    const { salt, iterations } = this.#credential
    this.#nonce = clientNonce + scramNonce()
    this.#clientFirstBare = bare
    this.#serverFirst = `r=${this.#nonce},s=${base64Encode(salt)},i=${iterations}`
    this.#state = 'final'
    return { done: false, message: this.#serverFirst }
  }

  async #final(message: string): Promise<ScramStep> {
    const credential = this.#credential
    assert(credential !== undefined, 'step 1 set the credential')
    let serverFinal: string
    try {
      serverFinal = await verifyClientFinal(credential, this.#clientFirstBare, this.#serverFirst, message, this.#nonce)
    } catch (err) {
      if (err instanceof ScramError && err.message === 'The proof is wrong.') throw new ScramError('Unknown user or wrong password.')
      throw err
    }
    this.#state = 'ended'
    // A stand-in's keys are random: no proof matches them.
    assert(this.#known, 'an unknown user cannot prove a password')
    assert(this.#user.length > 0)
    return { done: true, message: serverFinal, principal: `User:${this.#user}`, user: this.#user }
  }
}

/** The key of unknown users' salts: this process's alone. */
const UNKNOWN_USER_SALT_KEY = randomBytes(32)

/** An unknown user's credential: a salt derived from the name (the same each time), random keys. */
function standIn(mechanism: ScramMechanism, user: string, iterations: number): ScramCredential {
  const keyBytes = mechanism === 'SCRAM-SHA-512' ? 64 : 32
  const salt = new Uint8Array(createHmac('sha256', UNKNOWN_USER_SALT_KEY).update(`${mechanism}\0${user}`).digest())
  return { mechanism, salt, iterations, storedKey: new Uint8Array(randomBytes(keyBytes)), serverKey: new Uint8Array(randomBytes(keyBytes)) }
}
