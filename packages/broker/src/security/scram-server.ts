// The server's side of one SCRAM login, shared by the WebSocket op `saslAuthenticate` and Kafka's
// SaslAuthenticate: two steps, each one client message in and one server message out.
//
//   step 1  client-first  -> server-first (our nonce appended to the client's; the user's salt and
//           iterations). An unknown user gets a made-up salt derived from the name, so the answer
//           does not tell who exists; the proof then fails like a wrong password.
//   step 2  client-final  -> server-final "v=..." and the principal User:<name>; a wrong proof,
//           a changed nonce or a message of another exchange is a ScramError (the caller answers
//           SASL_AUTHENTICATION_FAILED and audits it).
// A nonce is this exchange's alone: a client-final replayed from another exchange carries that
// exchange's nonce and fails, as does any message after the exchange ended.
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
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
    this.#credential = this.#lookup(user, this.mechanism)
    const salt = this.#credential?.salt ?? createHash('sha256').update(`faecie unknown user salt\0${user}`).digest()
    const iterations = this.#credential?.iterations ?? this.#iterationsForUnknown
    this.#nonce = clientNonce + scramNonce()
    this.#clientFirstBare = bare
    this.#serverFirst = `r=${this.#nonce},s=${base64Encode(salt)},i=${iterations}`
    this.#state = 'final'
    return { done: false, message: this.#serverFirst }
  }

  async #final(message: string): Promise<ScramStep> {
    const credential = this.#credential
    if (credential === undefined) {
      parseScramAttributes(message)
      throw new ScramError(`Unknown user or wrong password.`)
    }
    let serverFinal: string
    try {
      serverFinal = await verifyClientFinal(credential, this.#clientFirstBare, this.#serverFirst, message, this.#nonce)
    } catch (err) {
      if (err instanceof ScramError && err.message === 'The proof is wrong.') throw new ScramError('Unknown user or wrong password.')
      throw err
    }
    this.#state = 'ended'
    assert(this.#user.length > 0)
    return { done: true, message: serverFinal, principal: `User:${this.#user}`, user: this.#user }
  }
}
