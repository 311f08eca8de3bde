// The server's side of a SCRAM login (scram-server.ts) against the protocol's client: both
// mechanisms log in; an unknown user and a wrong password look alike from the first answer to the
// last (salt, iterations, error text, whatever the final message holds); a client-final replayed
// from another exchange, messages out of order, after the end, oversize or malformed, all fail.
import { describe, expect, it } from 'vitest'
import {
  ScramClient, ScramError, SCRAM_MESSAGE_CHARS_MAX, parseScramAttributes, scramCredential, type ScramCredential, type ScramMechanism,
} from '@faecie/protocol'
import { ScramServerExchange } from './scram-server.js'

const ITERATIONS = 4096
const credentials = new Map<string, ScramCredential>()

async function credentialOf(user: string, password: string, mechanism: ScramMechanism): Promise<void> {
  credentials.set(`${mechanism}/${user}`, await scramCredential(mechanism, password, crypto.getRandomValues(new Uint8Array(32)), ITERATIONS))
}

function exchange(mechanism: ScramMechanism = 'SCRAM-SHA-256'): ScramServerExchange {
  return new ScramServerExchange(mechanism, (user, m) => credentials.get(`${m}/${user}`), ITERATIONS)
}

/** A whole login; returns the server's final step, or the error of the step that failed. */
async function login(user: string, password: string, mechanism: ScramMechanism = 'SCRAM-SHA-256'): Promise<unknown> {
  const server = exchange(mechanism)
  const client = new ScramClient(mechanism, user, password)
  try {
    const first = await server.step(client.first())
    const final = await server.step(await client.final(first.message))
    client.verify(final.message)
    return final
  } catch (err) {
    return err
  }
}

await credentialOf('alice', 'right', 'SCRAM-SHA-256')
await credentialOf('alice', 'right', 'SCRAM-SHA-512')
await credentialOf('a,b=c', 'escaped', 'SCRAM-SHA-256')

describe('ScramServerExchange', () => {
  it('logs a user in with either mechanism, and the client checks the server\'s signature', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      expect(await login('alice', 'right', mechanism)).toEqual({ done: true, message: expect.stringMatching(/^v=/), principal: 'User:alice', user: 'alice' })
    }
    expect(await login('a,b=c', 'escaped')).toMatchObject({ done: true, principal: 'User:a,b=c' })
  })

  it('makes an unknown user look like a wrong password', async () => {
    const wrong = await login('alice', 'wrong')
    const unknown = await login('mallory', 'anything')
    expect(wrong).toBeInstanceOf(ScramError)
    expect(unknown).toBeInstanceOf(ScramError)
    expect((unknown as Error).message).toBe((wrong as Error).message)
    // The first answer of an unknown user has a salt and the iterations a stored user would have,
    // and the same salt each time (a fresh one each time would give it away).
    const firstOf = async (user: string) => parseScramAttributes((await exchange().step(new ScramClient('SCRAM-SHA-256', user, 'x').first())).message)
    const [a, b, known] = [await firstOf('mallory'), await firstOf('mallory'), await firstOf('alice')]
    expect(a.get('s')).toBe(b.get('s'))
    expect(a.get('s')!.length).toBe(known.get('s')!.length)
    expect(a.get('i')).toBe(known.get('i'))
  })

  it('answers a bad final message alike for an unknown user and a wrong password', async () => {
    const finals = ['c=biws,r=not-our-nonce,p=AAAA', 'c=eSws,r=x,p=AAAA', 'c=biws', 'nonsense']
    for (const final of finals) {
      const errors: string[] = []
      for (const user of ['alice', 'mallory']) {
        const server = exchange()
        await server.step(new ScramClient('SCRAM-SHA-256', user, 'x').first())
        errors.push(await server.step(final).then(() => 'accepted', (err: Error) => err.message))
      }
      expect(errors[0], final).toBe(errors[1])
      expect(errors[0]).not.toBe('accepted')
    }
  })

  it('refuses a client-final replayed from another exchange', async () => {
    // An eavesdropper saw a whole login of alice's: its client-final does not log in a new exchange.
    const seen = exchange()
    const client = new ScramClient('SCRAM-SHA-256', 'alice', 'right')
    const first = client.first()
    const clientFinal = await client.final((await seen.step(first)).message)
    expect((await seen.step(clientFinal)).done).toBe(true)
    const replay = exchange()
    await replay.step(first) // the same client-first: the server's nonce part is new
    await expect(replay.step(clientFinal)).rejects.toThrow(ScramError)
    // Nor does it log in the exchange it came from, once more.
    await expect(seen.step(clientFinal)).rejects.toThrow(/over/)
  })

  it('refuses messages out of order, and anything after a failure', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'alice', 'right')
    // A final message first: it is no client-first.
    await expect(exchange().step('c=biws,r=abcdefgh,p=AAAA')).rejects.toThrow(/n,,/)
    // The client-first twice: the second is no client-final.
    const twice = exchange()
    await twice.step(client.first())
    await expect(twice.step(client.first())).rejects.toThrow(ScramError)
    expect(twice.ended).toBe(true)
    await expect(twice.step(client.first())).rejects.toThrow(/over/)
  })

  it('refuses oversize and malformed first messages', async () => {
    const refusals = [
      `n,,n=alice,r=${'x'.repeat(SCRAM_MESSAGE_CHARS_MAX)}`,
      'y,,n=alice,r=abcdefgh', 'p=tls-unique,,n=alice,r=abcdefgh', 'n,,r=abcdefgh,n=alice', 'n,,n=,r=abcdefgh',
      'n,,n=alice,r=short', 'n,,n=alice,r=has space', 'n,,n=al=ice,r=abcdefgh', 'n,,n=alice,r=abcdefgh,m=ext',
      'n,,n=alice,r=abcdefgh,tokenauth=true', 'n,,n=alice', '',
    ]
    for (const message of refusals) {
      await expect(exchange().step(message), message).rejects.toThrow(ScramError)
    }
  })
})
