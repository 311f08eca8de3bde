// SASL/SCRAM on the Kafka listener of a real broker (--auth scram --bootstrap-user admin
// --bootstrap-password-file F): kcat (librdkafka) logs in with SCRAM-SHA-256 and -512 and produces
// and consumes; a wrong password is refused with an authentication error and audited; a request
// before the login closes the connection; Kafka's console producer logs in with ScramLoginModule.
// Two tests need the other parts of issue 19 and skip themselves until they are there (the op stubs
// answer "not built yet"; makeTlsFiles throws it): a kcat produce that an ACL denies is refused with
// TOPIC_AUTHORIZATION_FAILED (users and ACLs made with kafka-configs and kafka-acls), and the same
// logins over SASL_SSL (--tls-cert/--tls-key).
import { connect } from 'node:net'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { ScramClient } from '@faecie/protocol'
import { KAFKA_APIS } from '../../packages/broker/src/kafka/generated/apis.js'
import { writeRequestHeader } from '../../packages/broker/src/kafka/generated/headers.js'
import { defaultMetadataRequest, writeMetadataRequest } from '../../packages/broker/src/kafka/generated/metadata.js'
import { KafkaWriter } from '../../packages/broker/src/kafka/wire.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureJava, ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'
import { ensureKcat, kafkaPortOf, runKafkaTool, runTool, type ToolRun } from '../support/kafka-protocol.js'
import { KafkaRawClient } from '../support/kafka-raw-client.js'
import { makeTempDir } from '../support/temp-dir.js'
import { makeTlsFiles } from '../support/tls-certs.js'
import { waitFor } from '../support/wait-for.js'

const ADMIN_PASSWORD = 'admin-secret-for-kafka-sasl'
const TOOL_TIMEOUT_MS = 120_000

let dir: string
let broker: BrokerProcess
let bootstrap: string
let kcat: string

/** The broker with SCRAM required and the bootstrap super user admin (its password in a file). */
async function startScramBroker(extra: string[] = []): Promise<{ broker: BrokerProcess; bootstrap: string }> {
  const passwordFile = join(dir, 'admin-password')
  writeFileSync(passwordFile, `${ADMIN_PASSWORD}\n`)
  const started = await startBrokerProcess({ args: ['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile,
    '--auto-create-topics', ...extra] })
  return { broker: started, bootstrap: `127.0.0.1:${await kafkaPortOf(started)}` }
}

beforeAll(async () => {
  kcat = ensureKcat()
  dir = makeTempDir('kafka-sasl')
  ;({ broker, bootstrap } = await startScramBroker())
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await broker?.stop()
})

/** kcat as a SASL_PLAINTEXT client (or SASL_SSL with `tls`). */
function kcatAs(user: string, password: string, mechanism: string, args: string[], input = '', tls?: { caFile: string; bootstrap: string }): Promise<ToolRun> {
  return runTool(kcat, ['-b', tls?.bootstrap ?? bootstrap, '-X', `security.protocol=${tls === undefined ? 'SASL_PLAINTEXT' : 'SASL_SSL'}`,
    ...(tls === undefined ? [] : ['-X', `ssl.ca.location=${tls.caFile}`]),
    '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`, ...args], input)
}

async function kcatOk(run: Promise<ToolRun>): Promise<string> {
  const done = await run
  expect(done.status, done.stderr).toBe(0)
  return done.stdout
}

/** A Java client properties file logging in with SCRAM (and trusting `caFile` over SASL_SSL). */
function clientProperties(name: string, user: string, password: string, mechanism: string, caFile?: string): string {
  const file = join(dir, `${name}.properties`)
  writeFileSync(file, [
    `security.protocol=${caFile === undefined ? 'SASL_PLAINTEXT' : 'SASL_SSL'}`,
    `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`,
    ...(caFile === undefined ? [] : ['ssl.truststore.type=PEM', `ssl.truststore.location=${caFile}`]),
    '',
  ].join('\n'))
  return file
}

describe('SASL/SCRAM on the Kafka listener', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    it(`kcat logs in with ${mechanism}, produces and consumes`, async () => {
      const topic = `sasl-${mechanism.toLowerCase()}`
      await kcatOk(kcatAs('admin', ADMIN_PASSWORD, mechanism, ['-P', '-t', topic, '-p', '0'], 'one\ntwo\n'))
      const consumed = await kcatOk(kcatAs('admin', ADMIN_PASSWORD, mechanism, ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %s\n']))
      expect(consumed.trim().split('\n')).toEqual(['0 one', '1 two'])
      expect(broker.logs().some((line) => line.includes('"event":"login"') && line.includes('"listener":"kafka"') && line.includes(mechanism))).toBe(true)
    })
  }

  it('refuses a wrong password: kcat reports an authentication failure, the broker audits it', async () => {
    const run = await kcatAs('admin', 'not-the-password', 'SCRAM-SHA-256', ['-L', '-m', '2'])
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/SASL authentication error: Authentication failed/)
    await waitFor('the failed login in the audit log', () => broker.logs().some((line) =>
      line.includes('"event":"loginFailed"') && line.includes('"listener":"kafka"') && line.includes('"user":"admin"')))
  })

  it('closes the connection on a request before the login; after a SCRAM login the same request is answered', async () => {
    const port = Number(bootstrap.split(':')[1])
    const socket = connect(port, '127.0.0.1')
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.on('error', () => undefined)
    const w = new KafkaWriter()
    w.int32(0)
    writeRequestHeader(w, 2, { requestApiKey: KAFKA_APIS.Metadata.apiKey, requestApiVersion: 12, correlationId: 1, clientId: 'before-login' })
    writeMetadataRequest(w, 12, { ...defaultMetadataRequest(), topics: null })
    const frame = Buffer.from(w.finish())
    frame.writeInt32BE(frame.length - 4, 0)
    socket.write(frame)
    await closed
    await waitFor('the reason in the log', () => broker.logs().some((line) => line.includes('Metadata before the SASL login')))

    const client = await KafkaRawClient.connect(port)
    try {
      expect((await client.call('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0)
      const scram = new ScramClient('SCRAM-SHA-256', 'admin', ADMIN_PASSWORD)
      const first = await client.call('SaslAuthenticate', 2, { authBytes: Buffer.from(scram.first()) })
      const final = await client.call('SaslAuthenticate', 2, { authBytes: Buffer.from(await scram.final(Buffer.from(first.authBytes).toString())) })
      expect(final.errorCode).toBe(0)
      expect(final.sessionLifetimeMs).toBe(0n)
      scram.verify(Buffer.from(final.authBytes).toString())
      const metadata = await client.call('Metadata', 12, { topics: null })
      expect(metadata.brokers).toHaveLength(1)
    } finally {
      client.close()
    }
  })

  it("Kafka's console producer logs in with ScramLoginModule (SCRAM-SHA-512) and produces", async () => {
    ensureJava()
    ensureKafkaClasspath()
    const config = clientProperties('admin-512', 'admin', ADMIN_PASSWORD, 'SCRAM-SHA-512')
    const run = await runKafkaTool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', bootstrap, '--topic', 'sasl-java',
      '--command-config', config], 'from java 1\nfrom java 2\n', TOOL_TIMEOUT_MS)
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    const consumed = await kcatOk(kcatAs('admin', ADMIN_PASSWORD, 'SCRAM-SHA-256', ['-C', '-t', 'sasl-java', '-o', 'beginning', '-e', '-f', '%s\n']))
    expect(consumed.trim().split('\n')).toEqual(['from java 1', 'from java 2'])
  }, KAFKA_FETCH_TIMEOUT_MS + TOOL_TIMEOUT_MS)
})

/** Runs one of Kafka's admin tools as admin; skips the test while the op it reaches is the issue 19 stub. */
async function adminTool(ctx: TestContext, mainClass: string, args: string[]): Promise<string> {
  const config = clientProperties('admin-256', 'admin', ADMIN_PASSWORD, 'SCRAM-SHA-256')
  const run = await runKafkaTool(mainClass, ['--bootstrap-server', bootstrap, '--command-config', config, ...args], '', TOOL_TIMEOUT_MS)
  if (`${run.stdout}${run.stderr}`.includes('not built yet')) ctx.skip()
  expect(run.status, `${mainClass} ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0)
  return run.stdout
}

describe('ACLs and users through Kafka\'s tools (runs once the users and ACL ops are merged)', () => {
  it('a kcat produce that an ACL denies is refused with TOPIC_AUTHORIZATION_FAILED, and nothing is written', async (ctx) => {
    ensureJava()
    ensureKafkaClasspath()
    const topic = 'acl-denied'
    await kcatOk(kcatAs('admin', ADMIN_PASSWORD, 'SCRAM-SHA-256', ['-P', '-t', topic, '-p', '0'], 'by admin\n'))
    await adminTool(ctx, 'org.apache.kafka.tools.ConfigCommand', ['--alter', '--add-config', 'SCRAM-SHA-256=[iterations=4096,password=alice-secret]',
      '--entity-type', 'users', '--entity-name', 'alice'])
    await adminTool(ctx, 'org.apache.kafka.tools.AclCommand', ['--add', '--allow-principal', 'User:alice', '--operation', 'All', '--topic', topic])
    await adminTool(ctx, 'org.apache.kafka.tools.AclCommand', ['--add', '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', topic])
    const listed = await adminTool(ctx, 'org.apache.kafka.tools.AclCommand', ['--list', '--topic', topic])
    expect(listed).toContain('User:alice')
    expect(listed).toMatch(/operation=WRITE, permissionType=DENY/)

    const refused = await kcatAs('alice', 'alice-secret', 'SCRAM-SHA-256', ['-P', '-t', topic, '-p', '0'], 'by alice\n')
    expect(refused.status).not.toBe(0)
    expect(refused.stderr).toMatch(/Topic authorization failed/i)
    const consumed = await kcatOk(kcatAs('alice', 'alice-secret', 'SCRAM-SHA-256', ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n']))
    expect(consumed.trim().split('\n')).toEqual(['by admin'])
    await waitFor('the denial in the audit log', () => broker.logs().some((line) => line.includes('"event":"denied"') && line.includes('User:alice')))
  }, KAFKA_FETCH_TIMEOUT_MS + 4 * TOOL_TIMEOUT_MS)
})

describe('SASL_SSL (runs once TLS on the Kafka listener is merged)', () => {
  it('kcat and the console producer log in with SCRAM over TLS (--tls-cert/--tls-key)', async (ctx) => {
    const tlsDir = makeTempDir('kafka-sasl-tls')
    let tls: Awaited<ReturnType<typeof makeTlsFiles>>
    try {
      tls = await makeTlsFiles(tlsDir)
    } catch (err) {
      if ((err as Error).message.includes('not built yet')) ctx.skip()
      throw err
    }
    const secure = await startScramBroker(['--tls-cert', tls.certFile, '--tls-key', tls.keyFile])
    try {
      const over = { caFile: tls.caFile, bootstrap: secure.bootstrap }
      await kcatOk(kcatAs('admin', ADMIN_PASSWORD, 'SCRAM-SHA-512', ['-P', '-t', 'sasl-ssl', '-p', '0'], 'over tls\n', over))
      ensureJava()
      ensureKafkaClasspath()
      const config = clientProperties('admin-ssl', 'admin', ADMIN_PASSWORD, 'SCRAM-SHA-256', tls.caFile)
      const run = await runKafkaTool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', secure.bootstrap, '--topic', 'sasl-ssl',
        '--command-config', config], 'java over tls\n', TOOL_TIMEOUT_MS)
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
      const consumed = await kcatOk(kcatAs('admin', ADMIN_PASSWORD, 'SCRAM-SHA-256', ['-C', '-t', 'sasl-ssl', '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n'], '', over))
      expect(consumed.trim().split('\n')).toEqual(['over tls', 'java over tls'])
    } finally {
      await secure.broker.stop()
    }
  }, KAFKA_FETCH_TIMEOUT_MS + 3 * TOOL_TIMEOUT_MS)
})
