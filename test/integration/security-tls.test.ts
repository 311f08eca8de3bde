// TLS on a real broker process (issue 19), with a CA and certificates made by Debian's openssl
// (test/support/tls-certs.ts): wss with @faecie/client trusting the CA (produce + consume), a client
// trusting another CA refused, kcat over TLS on the Kafka listener, SIGHUP reloading the certificate
// (a connection opened before goes on with the old one, a new one sees the new one), client
// certificates as principals (--tls-client-auth require refuses a client without one), and the
// secure defaults: no start on 0.0.0.0 without --auth scram unless --insecure.
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '../../packages/client/src/node.js'
import { runBrokerToExit, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { readMessages } from '../support/client-read.js'
import { runCli } from '../support/cli-process.js'
import { INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKcat, kafkaPortOf, runTool } from '../support/kafka-protocol.js'
import { makeTempDir } from '../support/temp-dir.js'
import { makeTlsFiles, type TlsFiles } from '../support/tls-certs.js'
import { waitFor } from '../support/wait-for.js'

let dir: string
let files: TlsFiles
let renewed: TlsFiles
/** The files the broker reads (--tls-cert/--tls-key): copies, overwritten by the reload test. */
let liveCert: string
let liveKey: string
let broker: BrokerProcess
let kafkaPort: number
/** Admins and producers to disconnect at the end. */
const opened: Array<{ disconnect(): Promise<void> }> = []
const track = <T extends { disconnect(): Promise<void> }>(part: T): T => { opened.push(part); return part }

const wssOf = (b: BrokerProcess): string => `wss://127.0.0.1:${b.port}`
const ONE_TRY = { retries: 0, initialRetryTimeMs: 10, maxRetryTimeMs: 10 }

function client(b: BrokerProcess, tls: { ca?: string; cert?: string; key?: string }, extra: { retry?: typeof ONE_TRY } = {}): Faecie {
  return new Faecie({ brokers: [wssOf(b)], clientId: 'security-tls', tls, connectTimeoutMs: 10_000, ...extra })
}

const read = (path: string): string => readFileSync(path, 'utf8')

/** A TLS connection to `port` trusting the CA (and presenting `client`'s certificate when given), open. */
function tlsConnect(port: number, options: { ca: string; cert?: string; key?: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Sends ApiVersions v0 on a Kafka connection and resolves with the response's correlation id. */
function apiVersions(socket: TLSSocket, correlationId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk])
      if (got.length < 8 || got.length < 4 + got.readInt32BE(0)) return
      socket.off('data', onData)
      resolve(got.readInt32BE(4))
    }
    socket.on('data', onData)
    socket.once('error', reject)
    const frame = Buffer.alloc(14)
    frame.writeInt32BE(10, 0)
    frame.writeInt16BE(18, 4) // ApiVersions
    frame.writeInt16BE(0, 6)
    frame.writeInt32BE(correlationId, 8)
    frame.writeInt16BE(-1, 12) // client id: null
    socket.write(frame)
  })
}

beforeAll(async () => {
  dir = makeTempDir('tls')
  files = await makeTlsFiles(dir, { clientNames: ['alice'] })
  renewed = await makeTlsFiles(dir, { serverName: 'renewed.localhost' })
  liveCert = join(dir, 'live.crt')
  liveKey = join(dir, 'live.key')
  copyFileSync(files.certFile, liveCert)
  copyFileSync(files.keyFile, liveKey)
  broker = await startBrokerProcess({ args: ['--tls-cert', liveCert, '--tls-key', liveKey, '--tls-ca', files.caFile, '--tls-client-auth', 'request'] })
  kafkaPort = await kafkaPortOf(broker)
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await Promise.allSettled(opened.map((part) => part.disconnect()))
  await broker?.stop()
})

describe('wss on the WebSocket port', () => {
  it('announces a wss:// URL and serves @faecie/client trusting the CA: produce and consume', async () => {
    expect(broker.logs().find((l) => l.includes('"broker listening"'))).toContain(`"url":"wss://127.0.0.1:${broker.port}"`)
    const faecie = client(broker, { ca: read(files.caFile) })
    const admin = track(faecie.admin())
    await admin.createTopics({ topics: [{ topic: 'tls-rt' }] })
    const producer = track(faecie.producer())
    await producer.send({ topic: 'tls-rt', messages: [{ key: 'k', value: 'over wss' }] })
    const [message] = await readMessages(faecie, 'tls-rt', 1)
    expect(Buffer.from(message!.value!).toString()).toBe('over wss')
  })

  it('refuses a client that trusts another CA (the handshake fails)', async () => {
    const faecie = client(broker, { ca: read(files.otherCaFile) }, { retry: ONE_TRY })
    await expect(track(faecie.admin()).fetchTopicMetadata({ topics: [] })).rejects.toThrow(/certificate|issuer/i)
  })
})

describe('the faecie CLI over wss', () => {
  it('trusts the CA of --tls-ca or FAECIE_TLS_CA, and not a broker signed by another CA without it', async () => {
    const created = await runCli(['topics', 'create', '--topic', 'tls-cli', '--broker', wssOf(broker), '--tls-ca', files.caFile])
    expect(created.code, created.stderr).toBe(0)
    const env = await runCli(['topics', 'list', '--broker', wssOf(broker)], { env: { FAECIE_TLS_CA: files.caFile } })
    expect(env.code, env.stderr).toBe(0)
    expect(env.stdout).toContain('tls-cli')
    const untrusted = await runCli(['topics', 'list', '--broker', wssOf(broker), '--connect-timeout-ms', '2000'])
    expect(untrusted.code).not.toBe(0)
    expect(untrusted.stderr).toMatch(/certificate|issuer/i)
    const missing = await runCli(['topics', 'list', '--broker', wssOf(broker), '--tls-ca', join(dir, 'no-ca.pem')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--tls-ca')
  })
})

describe('TLS on the Kafka listener', () => {
  it('serves kcat with security.protocol=ssl trusting the CA: metadata, produce, consume', async () => {
    const kcat = ensureKcat()
    const ssl = ['-b', `127.0.0.1:${kafkaPort}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${files.caFile}`]
    // The topic is made first by @faecie/client (no auto-create here).
    const admin = track(client(broker, { ca: read(files.caFile) }).admin())
    await admin.createTopics({ topics: [{ topic: 'tls-kcat2' }] })
    const produced = await runTool(kcat, [...ssl, '-P', '-t', 'tls-kcat2', '-p', '0'], 'one\ntwo\n')
    expect(produced.status, produced.stderr).toBe(0)
    const consumed = await runTool(kcat, [...ssl, '-C', '-t', 'tls-kcat2', '-p', '0', '-o', 'beginning', '-e', '-f', '%o %s\n'])
    expect(consumed.status, consumed.stderr).toBe(0)
    expect(consumed.stdout.trim().split('\n')).toEqual(['0 one', '1 two'])
  }, INSTALL_TIMEOUT_MS)
})

describe('SIGHUP', () => {
  it('reloads the certificate: connections opened before go on, new ones see the new certificate', async () => {
    const ca = read(files.caFile)
    const before = client(broker, { ca })
    const admin = track(before.admin())
    await admin.createTopics({ topics: [{ topic: 'tls-reload' }] })
    const producer = track(before.producer())
    await producer.send({ topic: 'tls-reload', messages: [{ value: 'before' }] })
    const kafkaBefore = await tlsConnect(kafkaPort, { ca })
    const oldPrint = kafkaBefore.getPeerCertificate().fingerprint256
    expect(oldPrint).toBe((await tlsConnect(broker.port, { ca })).getPeerCertificate().fingerprint256)

    copyFileSync(renewed.certFile, liveCert)
    copyFileSync(renewed.keyFile, liveKey)
    broker.signal('SIGHUP')
    await waitFor('the broker to log the reload', () => broker.logs().some((l) => l.includes('TLS certificate reloaded')))

    // New handshakes, on both ports, get the new certificate.
    const wsAfter = await tlsConnect(broker.port, { ca })
    const kafkaAfter = await tlsConnect(kafkaPort, { ca })
    const newPrint = wsAfter.getPeerCertificate().fingerprint256
    expect(newPrint).not.toBe(oldPrint)
    expect(kafkaAfter.getPeerCertificate().fingerprint256).toBe(newPrint)
    expect(wsAfter.getPeerCertificate().subject.CN).toBe('renewed.localhost')
    wsAfter.destroy()
    kafkaAfter.destroy()
    // What was open goes on: the Kafka connection answers, the wss session still produces.
    expect(await apiVersions(kafkaBefore, 7)).toBe(7)
    expect(kafkaBefore.getPeerCertificate().fingerprint256).toBe(oldPrint)
    kafkaBefore.destroy()
    await producer.send({ topic: 'tls-reload', messages: [{ value: 'after' }] })
    const messages = await readMessages(before, 'tls-reload', 2)
    expect(messages.map((m) => Buffer.from(m.value!).toString())).toEqual(['before', 'after'])
    expect(broker.alive).toBe(true)
  })

  it('keeps the certificate in use when the new files are bad', async () => {
    const ca = read(files.caFile)
    const inUse = (await tlsConnect(broker.port, { ca })).getPeerCertificate().fingerprint256
    copyFileSync(files.caFile, liveKey) // not a key
    broker.signal('SIGHUP')
    await waitFor('the broker to log the failed reload', () => broker.logs().some((l) => l.includes('TLS reload failed')))
    const socket = await tlsConnect(broker.port, { ca })
    expect(socket.getPeerCertificate().fingerprint256).toBe(inUse)
    socket.destroy()
    copyFileSync(renewed.keyFile, liveKey)
  })
})

describe('client certificates (--tls-client-auth require)', () => {
  let strict: BrokerProcess

  beforeAll(async () => {
    strict = await startBrokerProcess({ args: ['--tls-cert', files.certFile, '--tls-key', files.keyFile, '--tls-ca', files.caFile, '--tls-client-auth', 'require'] })
  })

  afterAll(async () => {
    await strict?.stop()
  })

  it('logs in a client with a certificate as User:<CN>, on wss and on the Kafka listener', async () => {
    const alice = files.clients.alice!
    const faecie = client(strict, { ca: read(files.caFile), cert: read(alice.certFile), key: read(alice.keyFile) })
    await track(faecie.admin()).createTopics({ topics: [{ topic: 'tls-alice' }] })
    await waitFor('the session login to be logged', () =>
      strict.logs().find((l) => l.includes('logged in by client certificate') && l.includes('"session"')))
    expect(strict.logs().find((l) => l.includes('logged in by client certificate'))).toContain('"principal":"User:alice"')
    const kcat = ensureKcat()
    const run = await runTool(kcat, ['-b', `127.0.0.1:${await kafkaPortOf(strict)}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${files.caFile}`,
      '-X', `ssl.certificate.location=${alice.certFile}`, '-X', `ssl.key.location=${alice.keyFile}`, '-L', '-J'])
    expect(run.status, run.stderr).toBe(0)
    const kafkaLogin = strict.logs().find((l) => l.includes('logged in by client certificate') && l.includes('"kafkaConnection"'))
    expect(kafkaLogin).toContain('"principal":"User:alice"')
  }, INSTALL_TIMEOUT_MS)

  it('refuses a client without a certificate', async () => {
    const faecie = client(strict, { ca: read(files.caFile) }, { retry: ONE_TRY })
    await expect(track(faecie.admin()).fetchTopicMetadata({ topics: [] })).rejects.toThrow()
  })
})

describe('secure defaults', () => {
  it('refuses to start on 0.0.0.0 without --auth scram, saying why (exit code 2)', () => {
    const run = runBrokerToExit(['--host', '0.0.0.0', '--port', '0', '--kafka-port', '0', '--data-dir', makeTempDir('insecure')])
    expect(run.status).toBe(2)
    expect(run.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/)
    expect(run.stderr).toMatch(/--insecure/)
  })

  it('starts on 0.0.0.0 with --insecure, and warns', async () => {
    const open = await startBrokerProcess({ host: '0.0.0.0', args: ['--insecure'] })
    expect(open.logs().some((l) => l.includes('without authentication (--insecure)'))).toBe(true)
    await open.stop()
  })

  it('fails to start, naming the file, when a TLS file is missing', () => {
    const missing = join(dir, 'missing.crt')
    const run = runBrokerToExit(['--port', '0', '--kafka-port', '0', '--data-dir', makeTempDir('tls-missing'), '--tls-cert', missing, '--tls-key', files.keyFile])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`--tls-cert ${missing}: no such file`)
  })
})
