// SCRAM login on the WebSocket protocol against real broker processes: one started with
// `--auth scram --bootstrap-user admin --bootstrap-password-file F`, one without --auth.
//   - hello announces the login; any op before it is answered AUTHENTICATION_REQUIRED and the
//     session closed (4008), nothing written; a session that never logs in is closed too;
//   - a wrong password, an unknown user (alike) and a replayed SCRAM final are refused with
//     SASL_AUTHENTICATION_FAILED, audited; the session may start again and log in;
//   - @faecie/client logs in and produces and consumes; a wrong password fails its connect once;
//   - the CLI logs in with --user/--password-file or FAECIE_USER/FAECIE_PASSWORD, and without them
//     fails with a message saying what to pass;
//   - without --auth, all as before (and a login is refused as SECURITY_DISABLED).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, ScramClient, type ScramMechanism } from '@faecie/protocol'
import { Faecie } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { RawClient, batchOf, produceFrame, type Frame } from '../support/broker-raw-client.js'
import { runCli, type CliOptions } from '../support/cli-process.js'
import { readMessages } from '../support/client-read.js'
import { writeTempFile } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

const PASSWORD = 'admin-secret'
const AUTHENTICATE_TIMEOUT_MS = 3_000
let secured: BrokerProcess
let open: BrokerProcess
let passwordFile: string

beforeAll(async () => {
  passwordFile = writeTempFile('login', 'admin-password', `${PASSWORD}\n`)
  // Short failure delays: this file fails many logins from 127.0.0.1 (login-throttle.test.ts covers the delays).
  const config = writeTempFile('login', 'broker.json', {
    security: { limits: { authenticateTimeoutMs: AUTHENTICATE_TIMEOUT_MS, loginFailureDelayMs: 10, loginFailureDelayMsMax: 100 } },
  })
  ;[secured, open] = await Promise.all([
    startBrokerProcess({ args: ['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile, '--config', config] }),
    startBrokerProcess(),
  ])
})

afterAll(async () => {
  await Promise.all([secured?.stop(), open?.stop()])
})

/** One saslAuthenticate step on a raw session. */
const step = (client: RawClient, mechanism: ScramMechanism, message: string): Promise<Frame> =>
  client.request('saslAuthenticate', { mechanism, message })

/** A whole SCRAM login on a raw session; returns the final answer (or the failed step's). */
async function rawLogin(client: RawClient, user: string, password: string, mechanism: ScramMechanism = 'SCRAM-SHA-256'): Promise<Frame> {
  const scram = new ScramClient(mechanism, user, password)
  const first = await step(client, mechanism, scram.first())
  if (first.error !== undefined) return first
  const final = await step(client, mechanism, await scram.final(first.message))
  if (final.error === undefined) scram.verify(final.message)
  return final
}

describe('a broker with --auth scram', () => {
  it('announces the login in hello and refuses any op before it, closing the session (4008)', async () => {
    const client = await RawClient.connect(secured.url, { hello: false })
    const hello = await client.request('hello', { protocolVersion: 1, clientId: 'raw' })
    expect(hello.auth).toEqual({ required: true, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] })
    const produced = await client.request('produce', produceFrame('unauthenticated', 0, batchOf('x')))
    expect(produced.error).toMatchObject({ code: ErrorCode.AUTHENTICATION_REQUIRED, name: 'AUTHENTICATION_REQUIRED' })
    expect(produced.error.message).toMatch(/requires a login before produce: send saslAuthenticate/)
    expect(await client.closed).toEqual({ code: 4008, reason: expect.stringMatching(/authentication required/) })
    // Nothing was made or written for it.
    const admin = await RawClient.connect(secured.url)
    expect((await rawLogin(admin, 'admin', PASSWORD)).done).toBe(true)
    const metadata = await admin.request('metadata', {})
    expect(metadata.topics.map((t: Frame) => t.topic)).not.toContain('unauthenticated')
    await admin.close()
  })

  it('closes a session that does not log in within authenticateTimeoutMs of hello', async () => {
    const client = await RawClient.connect(secured.url)
    expect(await client.closed).toEqual({ code: 4008, reason: `no login within authenticateTimeoutMs (${AUTHENTICATE_TIMEOUT_MS} ms) of hello` })
  })

  it('refuses a wrong password and an unknown user alike, audits them, and lets the session start again', async () => {
    const client = await RawClient.connect(secured.url)
    const wrong = await rawLogin(client, 'admin', 'not-it')
    const unknown = await rawLogin(client, 'nobody', 'not-it')
    expect(wrong.error).toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED, retriable: false })
    expect(wrong.error.message).toBe('Login as "admin" with SCRAM-SHA-256 failed: Unknown user or wrong password.')
    expect(unknown.error.message).toBe('Login as "nobody" with SCRAM-SHA-256 failed: Unknown user or wrong password.')
    await waitFor('the audit lines of both failures', () => secured.logs().filter((l) => l.includes('"name":"faecie.audit"') && l.includes('"event":"loginFailed"')).length >= 2)
    // Still open: the right password logs in now, with the other mechanism too.
    expect(await rawLogin(client, 'admin', PASSWORD, 'SCRAM-SHA-512')).toMatchObject({ done: true, principal: 'User:admin' })
    expect((await client.request('metadata', {})).error).toBeUndefined()
    expect((await step(client, 'SCRAM-SHA-256', 'n,,n=admin,r=abcdefghij')).error).toMatchObject({ code: ErrorCode.ILLEGAL_SASL_STATE })
    await client.close()
  })

  it('refuses a mechanism it does not enable and a malformed first message', async () => {
    const client = await RawClient.connect(secured.url)
    expect((await step(client, 'PLAIN' as ScramMechanism, 'x')).error).toMatchObject({ code: ErrorCode.UNSUPPORTED_SASL_MECHANISM })
    const malformed = await step(client, 'SCRAM-SHA-256', 'y,,n=admin,r=abcdefghij')
    expect(malformed.error).toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED, message: expect.stringMatching(/Channel binding/) })
    await client.close()
  })

  it('refuses a SCRAM final replayed on another session', async () => {
    const seen = await RawClient.connect(secured.url)
    const scram = new ScramClient('SCRAM-SHA-256', 'admin', PASSWORD)
    const clientFirst = scram.first()
    const serverFirst = await step(seen, 'SCRAM-SHA-256', clientFirst)
    const clientFinal = await scram.final(serverFirst.message)
    expect(await step(seen, 'SCRAM-SHA-256', clientFinal)).toMatchObject({ done: true })
    await seen.close()
    // An eavesdropper replays both messages: the broker's nonce is new, so the proof is another's.
    const replay = await RawClient.connect(secured.url)
    expect((await step(replay, 'SCRAM-SHA-256', clientFirst)).message).not.toBe(serverFirst.message)
    const replayed = await step(replay, 'SCRAM-SHA-256', clientFinal)
    expect(replayed.error).toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED, message: expect.stringMatching(/nonce/) })
    const refused = await replay.request('metadata', {})
    expect(refused.error).toMatchObject({ code: ErrorCode.AUTHENTICATION_REQUIRED })
    expect((await replay.closed).code).toBe(4008)
  })

  it('lets @faecie/client log in, produce and consume; a wrong password or none fails its connect', async () => {
    const faecie = new Faecie({ brokers: [secured.url], clientId: 'login-test', sasl: { mechanism: 'scram-sha-512', username: 'admin', password: PASSWORD } })
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 'logged-in', numPartitions: 1 }] })
    const producer = faecie.producer()
    await producer.send({ topic: 'logged-in', messages: [{ value: 'one' }, { value: 'two' }] })
    await producer.disconnect()
    const read = await readMessages(faecie, 'logged-in', 2)
    expect(read.map((m) => new TextDecoder().decode(m.value!))).toEqual(['one', 'two'])
    await admin.disconnect()

    const wrong = new Faecie({ brokers: [secured.url], sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: 'nope' } }).admin()
    await expect(wrong.listTopics()).rejects.toMatchObject({ code: ErrorCode.SASL_AUTHENTICATION_FAILED })
    await wrong.disconnect()
    const anonymous = new Faecie({ brokers: [secured.url] }).admin()
    await expect(anonymous.listTopics()).rejects.toMatchObject({ code: ErrorCode.AUTHENTICATION_REQUIRED, message: expect.stringMatching(/give the client sasl/) })
    await anonymous.disconnect()
  })

  it('lets the CLI log in with --user/--password-file or the environment, and says what to pass without them', async () => {
    const cli = (args: string[], options: CliOptions = {}) => runCli([...args, '--broker', secured.url], options)
    const login = ['--user', 'admin', '--password-file', passwordFile]
    const created = await cli(['topics', 'create', '--topic', 'cli-login', ...login])
    expect(created.code, created.stderr).toBe(0)
    const produced = await cli(['produce', '--topic', 'cli-login', ...login, '--sasl-mechanism', 'scram-sha-256'], { stdin: 'a\nb\n' })
    expect(produced.code, produced.stderr).toBe(0)
    const consumed = await cli(['consume', '--topic', 'cli-login', '--from-beginning', '--max-messages', '2'],
      { env: { FAECIE_USER: 'admin', FAECIE_PASSWORD: PASSWORD } })
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.lines).toEqual(['a', 'b'])

    const anonymous = await cli(['topics', 'list'])
    expect(anonymous.code).toBe(1)
    expect(anonymous.stderr).toMatch(/the broker requires a login: pass --user NAME and --password-file FILE .*\[AUTHENTICATION_REQUIRED\]/)
    const wrong = await cli(['topics', 'list'], { env: { FAECIE_USER: 'admin', FAECIE_PASSWORD: 'nope' } })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/Unknown user or wrong password.*\[SASL_AUTHENTICATION_FAILED\]/)
    const half = await cli(['topics', 'list', '--user', 'admin'])
    expect(half.code).toBe(2)
    expect(half.stderr).toMatch(/--user admin needs a password/)
  })
})

describe('a broker without --auth', () => {
  it('serves as before: no auth in hello, ops without a login, and a login refused as SECURITY_DISABLED', async () => {
    const client = await RawClient.connect(open.url, { hello: false })
    const hello = await client.request('hello', { protocolVersion: 1 })
    expect(hello.auth).toBeUndefined()
    expect((await client.request('metadata', {})).error).toBeUndefined()
    expect((await step(client, 'SCRAM-SHA-256', 'n,,n=admin,r=abcdefghij')).error).toMatchObject({ code: ErrorCode.SECURITY_DISABLED })
    await client.close()

    const faecie = new Faecie({ brokers: [open.url] })
    const admin = faecie.admin()
    await admin.createTopics({ topics: [{ topic: 'open', numPartitions: 1 }] })
    await admin.disconnect()
    const listed = await runCli(['topics', 'list', '--broker', open.url])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.lines).toContain('open')
    const unexpected = await runCli(['topics', 'list', '--broker', open.url, '--user', 'admin', '--password-file', passwordFile])
    expect(unexpected.code).toBe(1)
    expect(unexpected.stderr).toMatch(/leave out --user.*\[SECURITY_DISABLED\]/)
  })
})
