// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Apache Kafka uses them: the messages,
// the key derivation, the client's side of the exchange and the server's proof check. On WebCrypto
// (globalThis.crypto.subtle: Node 20 and browsers), so the client core and the broker share it.
//
//   client-first   "n,," "n=" saslname ",r=" cnonce [",tokenauth=true" ...extensions]
//   server-first   "r=" cnonce snonce ",s=" base64(salt) ",i=" iterations
//   client-final   "c=biws,r=" cnonce snonce ",p=" base64(ClientProof)
//   server-final   "v=" base64(ServerSignature)   or   "e=" error-value
//
//   SaltedPassword  = PBKDF2-HMAC-H(password, salt, iterations)
//   ClientKey       = HMAC(SaltedPassword, "Client Key");  StoredKey = H(ClientKey)
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   AuthMessage     = client-first-bare "," server-first "," client-final-without-proof
//   ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
//   ServerSignature = HMAC(ServerKey, AuthMessage)
//
// The server keeps only (salt, iterations, StoredKey, ServerKey): never the password. Usernames are
// taken as given (no SASLprep), as Kafka's Java client does for ASCII names; ',' and '=' travel as
// "=2C" and "=3D". Every message read here is untrusted: anything malformed is a ScramError.
import { decodeUtf8, encodeUtf8 } from './utf8.js'

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number]

/** Kafka's bounds on a credential's iteration count. */
export const SCRAM_ITERATIONS_MIN = 4096
export const SCRAM_ITERATIONS_MAX = 16384
/** Longest SCRAM message either side accepts (a name, nonces, a proof: far below this). */
export const SCRAM_MESSAGE_CHARS_MAX = 4096

const HASH: Record<ScramMechanism, { name: 'SHA-256' | 'SHA-512'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'SHA-256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'SHA-512', bytes: 64 },
}

/** What a server stores for one user and mechanism. */
export interface ScramCredential {
  mechanism: ScramMechanism
  salt: Uint8Array
  iterations: number
  storedKey: Uint8Array
  serverKey: Uint8Array
}

export class ScramError extends Error {
  override readonly name = 'ScramError'
}

export function isScramMechanism(value: string): value is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(value)
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (s === undefined) throw new ScramError('WebCrypto (crypto.subtle) is not available: a browser page must be served over https or from localhost.')
  return s
}

/** WebCrypto's typings take only ArrayBuffer-backed views; ours never sit on shared memory. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

async function hmac(mechanism: ScramMechanism, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', source(key), { name: 'HMAC', hash: HASH[mechanism].name }, false, ['sign'])
  return new Uint8Array(await subtle().sign('HMAC', k, source(data)))
}

async function hash(mechanism: ScramMechanism, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(HASH[mechanism].name, source(data)))
}

/** Hi() of RFC 5802: PBKDF2 with HMAC-H. */
export async function saltedPassword(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', source(encodeUtf8(password)), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: HASH[mechanism].name, salt: source(salt), iterations }, key, HASH[mechanism].bytes * 8)
  return new Uint8Array(bits)
}

/** The credential a server stores for a password (salt: random bytes, at least 16). */
export async function scramCredential(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Promise<ScramCredential> {
  checkIterations(iterations)
  return credentialFromSaltedPassword(mechanism, await saltedPassword(mechanism, password, salt, iterations), salt, iterations)
}

/** Bytes of the mechanism's hash: the length of a SaltedPassword, a StoredKey, a ServerKey. */
export function scramHashBytes(mechanism: ScramMechanism): number {
  return HASH[mechanism].bytes
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < SCRAM_ITERATIONS_MIN || iterations > SCRAM_ITERATIONS_MAX) {
    throw new ScramError(`SCRAM iterations must be ${SCRAM_ITERATIONS_MIN}-${SCRAM_ITERATIONS_MAX}, not ${iterations}.`)
  }
}

/**
 * The credential for a SaltedPassword made elsewhere (the `alterUsers` op carries the salted
 * password, never the password): StoredKey = H(HMAC(salted, "Client Key")), ServerKey = HMAC(salted, "Server Key").
 */
export async function credentialFromSaltedPassword(mechanism: ScramMechanism, salted: Uint8Array, salt: Uint8Array,
  iterations: number): Promise<ScramCredential> {
  checkIterations(iterations)
  if (salted.length !== HASH[mechanism].bytes) throw new ScramError(`A ${mechanism} salted password has ${HASH[mechanism].bytes} bytes, not ${salted.length}.`)
  const clientKey = await hmac(mechanism, salted, encodeUtf8('Client Key'))
  return {
    mechanism, salt, iterations,
    storedKey: await hash(mechanism, clientKey),
    serverKey: await hmac(mechanism, salted, encodeUtf8('Server Key')),
  }
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

export function base64Decode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ScramError('Not base64.')
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** A SCRAM saslname: ',' as =2C, '=' as =3D. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

export function unescapeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramError('A bad escape in the user name.')
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

/** The attributes of a SCRAM message ("a=1,b=2"), in order; malformed text is a ScramError. */
export function parseScramAttributes(message: string): Map<string, string> {
  if (message.length > SCRAM_MESSAGE_CHARS_MAX) throw new ScramError('The SCRAM message is too long.')
  const out = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 1) throw new ScramError(`A malformed SCRAM attribute: ${JSON.stringify(part.slice(0, 40))}.`)
    const key = part.slice(0, eq)
    if (out.has(key)) throw new ScramError(`The SCRAM attribute ${key} appears twice.`)
    out.set(key, part.slice(eq + 1))
  }
  return out
}

/** Constant-time comparison of two byte strings of the same length (false for different lengths). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** A nonce of printable characters, without ',' (base64 of random bytes). */
export function scramNonce(bytes = 24): string {
  const raw = new Uint8Array(bytes)
  globalThis.crypto.getRandomValues(raw)
  return base64Encode(raw)
}

/**
 * The server's check of a client-final message against the stored credential. Returns the
 * server-final message ("v=...") when the proof is right; throws ScramError when it is not.
 */
export async function verifyClientFinal(credential: ScramCredential, clientFirstBare: string, serverFirst: string,
  clientFinal: string, expectedNonce: string): Promise<string> {
  const attrs = parseScramAttributes(clientFinal)
  if (attrs.get('c') !== 'biws') throw new ScramError('Channel binding is not supported (c=biws expected).')
  if (attrs.get('r') !== expectedNonce) throw new ScramError('The nonce of the final message is not the one of this exchange.')
  const proofText = attrs.get('p')
  if (proofText === undefined) throw new ScramError('The final message carries no proof.')
  const proof = base64Decode(proofText)
  const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='))
  const authMessage = encodeUtf8(`${clientFirstBare},${serverFirst},${withoutProof}`)
  const { mechanism } = credential
  if (proof.length !== HASH[mechanism].bytes) throw new ScramError('The proof has the wrong length.')
  const clientSignature = await hmac(mechanism, credential.storedKey, authMessage)
  const clientKey = xor(proof, clientSignature)
  if (!bytesEqual(await hash(mechanism, clientKey), credential.storedKey)) throw new ScramError('The proof is wrong.')
  return `v=${base64Encode(await hmac(mechanism, credential.serverKey, authMessage))}`
}

/** The client's side of one exchange: first(), then final(serverFirst), then verify(serverFinal). */
export class ScramClient {
  readonly #mechanism: ScramMechanism
  readonly #password: string
  readonly #nonce: string
  readonly #firstBare: string
  #serverSignature: Uint8Array | undefined

  constructor(mechanism: ScramMechanism, username: string, password: string, nonce: string = scramNonce()) {
    this.#mechanism = mechanism
    this.#password = password
    this.#nonce = nonce
    this.#firstBare = `n=${escapeSaslName(username)},r=${nonce}`
  }

  first(): string {
    return `n,,${this.#firstBare}`
  }

  async final(serverFirst: string): Promise<string> {
    const attrs = parseScramAttributes(serverFirst)
    const nonce = attrs.get('r')
    if (attrs.has('e')) throw new ScramError(`The server refused: ${attrs.get('e')}.`)
    if (nonce === undefined || !nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new ScramError('The server\'s nonce does not extend the client\'s.')
    }
    const iterations = Number(attrs.get('i'))
    if (!Number.isSafeInteger(iterations) || iterations < SCRAM_ITERATIONS_MIN || iterations > SCRAM_ITERATIONS_MAX) {
      throw new ScramError(`The server asked for ${attrs.get('i')} iterations (${SCRAM_ITERATIONS_MIN}-${SCRAM_ITERATIONS_MAX} accepted).`)
    }
    const salt = base64Decode(attrs.get('s') ?? '')
    const m = this.#mechanism
    const salted = await saltedPassword(m, this.#password, salt, iterations)
    const clientKey = await hmac(m, salted, encodeUtf8('Client Key'))
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = encodeUtf8(`${this.#firstBare},${serverFirst},${withoutProof}`)
    const clientSignature = await hmac(m, await hash(m, clientKey), authMessage)
    this.#serverSignature = await hmac(m, await hmac(m, salted, encodeUtf8('Server Key')), authMessage)
    return `${withoutProof},p=${base64Encode(xor(clientKey, clientSignature))}`
  }

  /** Checks the server's signature: a server that does not know the password cannot make it. */
  verify(serverFinal: string): void {
    const attrs = parseScramAttributes(serverFinal)
    if (attrs.has('e')) throw new ScramError(`The server refused: ${attrs.get('e')}.`)
    const v = attrs.get('v')
    if (this.#serverSignature === undefined || v === undefined || !bytesEqual(base64Decode(v), this.#serverSignature)) {
      throw new ScramError('The server\'s signature is wrong: it does not hold this user\'s credential.')
    }
  }
}

/** Text of a SCRAM message carried as bytes (Kafka's SaslAuthenticate auth_bytes). */
export function scramText(bytes: Uint8Array): string {
  if (bytes.length > SCRAM_MESSAGE_CHARS_MAX) throw new ScramError('The SCRAM message is too long.')
  return decodeUtf8(bytes)
}
