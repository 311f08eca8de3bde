// SCRAM (src/scram.ts) against RFC 7677's SCRAM-SHA-256 example, both sides: the client's messages
// and proof, the server's check and signature. Then a SHA-512 round trip, the refusals of malformed
// and foreign messages (bad attributes, base64, nonces, iterations, signatures), and saslname escaping.
import { describe, expect, it } from 'vitest'
import {
  ScramClient, ScramError, SCRAM_MESSAGE_CHARS_MAX, base64Decode, base64Encode, escapeSaslName, parseScramAttributes, scramCredential,
  scramText, unescapeSaslName, verifyClientFinal,
} from '../src/index.js'

// RFC 7677 section 3.
const RFC = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  nonce: 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
}

async function rfcCredential() {
  return scramCredential('SCRAM-SHA-256', RFC.password, base64Decode(RFC.salt), 4096)
}

describe('SCRAM', () => {
  it('makes the client messages of RFC 7677 and checks its server signature', async () => {
    const client = new ScramClient('SCRAM-SHA-256', RFC.user, RFC.password, RFC.clientNonce)
    expect(client.first()).toBe(RFC.clientFirst)
    expect(await client.final(RFC.serverFirst)).toBe(RFC.clientFinal)
    expect(() => client.verify(RFC.serverFinal)).not.toThrow()
  })

  it('checks the client proof of RFC 7677 and answers its server signature', async () => {
    const credential = await rfcCredential()
    const answer = await verifyClientFinal(credential, RFC.clientFirst.slice(3), RFC.serverFirst, RFC.clientFinal, RFC.nonce)
    expect(answer).toBe(RFC.serverFinal)
  })

  it('logs in with SCRAM-SHA-512 from the stored credential alone', async () => {
    const salt = crypto.getRandomValues(new Uint8Array(32))
    const credential = await scramCredential('SCRAM-SHA-512', 'correct horse', salt, 4096)
    expect(credential.storedKey.length).toBe(64)
    expect(credential.serverKey.length).toBe(64)
    const client = new ScramClient('SCRAM-SHA-512', 'alice', 'correct horse')
    const first = client.first()
    const clientNonce = parseScramAttributes(first.slice(3)).get('r')!
    const nonce = `${clientNonce}server-part`
    const serverFirst = `r=${nonce},s=${base64Encode(salt)},i=4096`
    const clientFinal = await client.final(serverFirst)
    const serverFinal = await verifyClientFinal(credential, first.slice(3), serverFirst, clientFinal, nonce)
    expect(() => client.verify(serverFinal)).not.toThrow()
    // The wrong password's proof fails on the server.
    const wrong = new ScramClient('SCRAM-SHA-512', 'alice', 'battery staple', clientNonce)
    const wrongFinal = await wrong.final(serverFirst)
    await expect(verifyClientFinal(credential, first.slice(3), serverFirst, wrongFinal, nonce)).rejects.toThrow('The proof is wrong.')
  })

  it('refuses a final message of another exchange (its nonce is not this one\'s)', async () => {
    const credential = await rfcCredential()
    await expect(verifyClientFinal(credential, RFC.clientFirst.slice(3), RFC.serverFirst, RFC.clientFinal, `${RFC.clientNonce}other`))
      .rejects.toThrow(/nonce/)
  })

  it('refuses malformed final messages', async () => {
    const credential = await rfcCredential()
    const check = (final: string) => verifyClientFinal(credential, RFC.clientFirst.slice(3), RFC.serverFirst, final, RFC.nonce)
    await expect(check(RFC.clientFinal.replace('c=biws', 'c=eSws'))).rejects.toThrow(/Channel binding/)
    await expect(check(`c=biws,r=${RFC.nonce}`)).rejects.toThrow(/no proof/)
    await expect(check(`c=biws,r=${RFC.nonce},p=AAAA`)).rejects.toThrow(/wrong length/)
    await expect(check(`c=biws,r=${RFC.nonce},p=not base64!`)).rejects.toThrow(/base64/)
    await expect(check(`c=biws,r=${RFC.nonce},r=${RFC.nonce},p=AAAA`)).rejects.toThrow(/twice/)
    await expect(check('garbage')).rejects.toBeInstanceOf(ScramError)
  })

  it('refuses a server-first that does not extend its nonce, asks odd iterations, or refuses', async () => {
    const fresh = () => new ScramClient('SCRAM-SHA-256', RFC.user, RFC.password, RFC.clientNonce)
    await expect(fresh().final(RFC.serverFirst.replace(`r=${RFC.clientNonce}`, 'r=someoneElse'))).rejects.toThrow(/nonce/)
    await expect(fresh().final(`r=${RFC.clientNonce},s=${RFC.salt},i=4096`)).rejects.toThrow(/nonce/)
    await expect(fresh().final(RFC.serverFirst.replace('i=4096', 'i=1'))).rejects.toThrow(/iterations/)
    await expect(fresh().final(RFC.serverFirst.replace('i=4096', 'i=1000000'))).rejects.toThrow(/iterations/)
    await expect(fresh().final(RFC.serverFirst.replace('i=4096', 'i=x'))).rejects.toThrow(/iterations/)
    await expect(fresh().final(RFC.serverFirst.replace(RFC.salt, '%%%'))).rejects.toThrow(/base64/)
    await expect(fresh().final('e=unknown-user')).rejects.toThrow(/refused/)
    await expect(fresh().final('no attributes here')).rejects.toBeInstanceOf(ScramError)
  })

  it('refuses a server signature it did not expect', async () => {
    const client = new ScramClient('SCRAM-SHA-256', RFC.user, RFC.password, RFC.clientNonce)
    expect(() => client.verify(RFC.serverFinal)).toThrow(/signature/) // before final(): nothing to check against
    await client.final(RFC.serverFirst)
    expect(() => client.verify('v=AAAA')).toThrow(/signature/)
    expect(() => client.verify('e=invalid-proof')).toThrow(/refused/)
    expect(() => client.verify('x=1')).toThrow(/signature/)
  })

  it('parses attributes and refuses malformed ones', () => {
    expect([...parseScramAttributes('a=1,b=,c=x=y')]).toEqual([['a', '1'], ['b', ''], ['c', 'x=y']])
    expect(() => parseScramAttributes('a')).toThrow(ScramError)
    expect(() => parseScramAttributes('=1')).toThrow(ScramError)
    expect(() => parseScramAttributes('a=1,,b=2')).toThrow(ScramError)
    expect(() => parseScramAttributes('a=1,a=2')).toThrow(/twice/)
    expect(() => parseScramAttributes(`a=${'x'.repeat(SCRAM_MESSAGE_CHARS_MAX)}`)).toThrow(/too long/)
    expect(() => scramText(new Uint8Array(SCRAM_MESSAGE_CHARS_MAX + 1))).toThrow(/too long/)
    expect(scramText(new TextEncoder().encode('r=abc'))).toBe('r=abc')
  })

  it('reads only well-formed base64', () => {
    expect(base64Encode(base64Decode(RFC.salt))).toBe(RFC.salt)
    expect(base64Decode('')).toEqual(new Uint8Array(0))
    for (const bad of ['abc', 'ab=c', 'a===', '****', 'YWJj\n']) expect(() => base64Decode(bad)).toThrow(ScramError)
  })

  it('escapes "," and "=" in user names, and refuses bad escapes', async () => {
    expect(escapeSaslName('a,b=c')).toBe('a=2Cb=3Dc')
    expect(escapeSaslName('=2C')).toBe('=3D2C')
    for (const name of ['plain', 'a,b=c', '=2C', ',,==', 'ünïcode']) expect(unescapeSaslName(escapeSaslName(name))).toBe(name)
    for (const bad of ['a=', 'a=2', 'a=41', 'a=2c', '=']) expect(() => unescapeSaslName(bad)).toThrow(ScramError)
    // The client sends the escaped name: its first message still parses as two attributes.
    const first = new ScramClient('SCRAM-SHA-256', 'a,b=c', 'pw', 'nonce-1234').first()
    expect(first).toBe('n,,n=a=2Cb=3Dc,r=nonce-1234')
    expect(unescapeSaslName(parseScramAttributes(first.slice(3)).get('n')!)).toBe('a,b=c')
  })
})
