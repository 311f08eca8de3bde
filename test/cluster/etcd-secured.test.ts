// A cluster whose etcd requires TLS and authentication (issue 19): the users and ACLs of `--auth scram`
// live in etcd, so the broker reaches it over https (--etcd-ca) and logs in, with a client
// certificate (--etcd-cert/--etcd-key, etcd's --client-cert-auth; the CN is the etcd user) or a user
// and password (--etcd-user, --etcd-password-file). etcd's user has a role limited to /faecie/. Two
// brokers, one of each kind, form one cluster; a user made through one is seen by the other. A wrong
// password, a wrong CA or a missing file fail the start saying so; `--auth scram` with plain http
// etcd is refused (exit code 2) unless `--insecure`, which warns.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin } from '../../packages/client/src/node.js'
import { runBrokerToExit, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { makeTempDir } from '../support/temp-dir.js'
import { makeTlsFiles, type TlsFiles } from '../support/tls-certs.js'
import { waitFor } from '../support/wait-for.js'

let dir: string
let files: TlsFiles
let etcd: EtcdProcess
let plainEtcd: EtcdProcess
const brokers: BrokerProcess[] = []
const admins: Admin[] = []

const ETCD_PASSWORD = 'etcd-secret'
const ADMIN_PASSWORD = 'admin-secret'

beforeAll(async () => {
  dir = makeTempDir('etcd-secured')
  files = await makeTlsFiles(dir, { clientNames: ['faecie', 'stranger'] })
  writeFileSync(join(dir, 'etcd-password'), `${ETCD_PASSWORD}\n`)
  writeFileSync(join(dir, 'wrong-password'), 'not-it\n')
  writeFileSync(join(dir, 'admin-password'), `${ADMIN_PASSWORD}\n`)
  ;[etcd, plainEtcd] = await Promise.all([
    startEtcdProcess({
      tls: { caFile: files.caFile, certFile: files.certFile, keyFile: files.keyFile, clientCertAuth: true },
      auth: { rootPassword: 'root-secret', users: [{ name: 'faecie', password: ETCD_PASSWORD, readwritePrefix: '/faecie/' }] },
    }),
    startEtcdProcess(),
  ])
}, 60_000)

afterAll(async () => {
  for (const a of admins.splice(0)) await a.disconnect().catch(() => {})
  await Promise.all(brokers.map((b) => b.stop()))
  await Promise.all([etcd?.stop(), plainEtcd?.stop()])
})

/** The flags of a broker of the secured cluster, but those of its etcd login. */
function brokerArgs(id: number, etcdUrl: string): string[] {
  return ['--cluster', etcdUrl, '--broker-id', String(id), '--broker-session-timeout-ms', '2000',
    '--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', join(dir, 'admin-password')]
}

function certLogin(name: string): string[] {
  const client = files.clients[name]!
  return ['--etcd-ca', files.caFile, '--etcd-cert', client.certFile, '--etcd-key', client.keyFile]
}

function adminAt(broker: BrokerProcess): Admin {
  const admin = new Faecie({ brokers: [broker.url], sasl: { mechanism: 'scram-sha-256', username: 'admin', password: ADMIN_PASSWORD }, retry: { retries: 2 } }).admin()
  admins.push(admin)
  return admin
}

/** A broker start meant to fail; its exit code and stderr. */
function failedStart(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const exit = runBrokerToExit(['--port', '0', '--kafka-port', '0', '--data-dir', makeTempDir('etcd-refused'), ...args], { env, timeoutMs: 30_000 })
  return { status: exit.status, stderr: exit.stderr }
}

describe('a cluster on an etcd that requires TLS and a login', () => {
  it('is joined with a client certificate and with a user and password, and shares its users', async () => {
    const [one, two] = await Promise.all([
      startBrokerProcess({ args: [...brokerArgs(1, etcd.clientUrl), ...certLogin('faecie')] }),
      // This broker's certificate (CN stranger) is no etcd user: only its password login lets it in.
      startBrokerProcess({ args: [...brokerArgs(2, etcd.clientUrl), ...certLogin('stranger'), '--etcd-user', 'faecie',
        '--etcd-password-file', join(dir, 'etcd-password')] }),
    ])
    brokers.push(one!, two!)
    const first = adminAt(one!)
    await waitFor('both brokers in the cluster', async () => (await first.describeCluster()).brokers.length === 2)
    await first.upsertUser({ user: 'alice', password: 'alice-secret' })
    const second = adminAt(two!)
    await waitFor('broker 2 to see alice', async () => (await second.describeUsers()).some((u) => u.user === 'alice'))
  })

  it('refuses a wrong etcd password, naming the user', () => {
    const { status, stderr } = failedStart([...brokerArgs(3, etcd.clientUrl), '--etcd-ca', files.caFile, ...certLogin('stranger'),
      '--etcd-user', 'faecie', '--etcd-password-file', join(dir, 'wrong-password')])
    expect(status).toBe(1)
    expect(stderr).toMatch(/refused the login of user "faecie" \(--etcd-user\): wrong user name or password/)
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses an etcd whose certificate the --etcd-ca did not sign', () => {
    const client = files.clients.faecie!
    const { status, stderr } = failedStart([...brokerArgs(3, etcd.clientUrl), '--etcd-ca', files.otherCaFile,
      '--etcd-cert', client.certFile, '--etcd-key', client.keyFile])
    expect(status).toBe(1)
    expect(stderr).toMatch(/etcd at https:\/\/127\.0\.0\.1:\d+: the TLS handshake failed: check that --etcd-ca signed etcd's certificate/)
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses an unreadable --etcd-ca or password file, naming the flag', () => {
    expect(failedStart([...brokerArgs(3, etcd.clientUrl), '--etcd-ca', join(dir, 'missing.crt'), ...certLogin('faecie').slice(2)]))
      .toEqual({ status: 1, stderr: expect.stringMatching(/--etcd-ca .*missing\.crt: ENOENT/) })
    expect(failedStart([...brokerArgs(3, etcd.clientUrl), ...certLogin('faecie'), '--etcd-user', 'faecie', '--etcd-password-file', join(dir, 'nope')]))
      .toEqual({ status: 1, stderr: expect.stringMatching(/--etcd-password-file .*nope: ENOENT/) })
  })
})

describe('--auth scram with plain etcd', () => {
  it('is refused with exit code 2, saying why', () => {
    const { status, stderr } = failedStart(brokerArgs(1, plainEtcd.clientUrl))
    expect(status).toBe(2)
    expect(stderr).toMatch(/refusing --auth scram with plain http etcd \(http:\/\/127\.0\.0\.1:\d+\): users' credentials and the ACLs are stored in etcd/)
  })

  it('starts with --insecure, warning', async () => {
    const broker = await startBrokerProcess({ args: [...brokerArgs(1, plainEtcd.clientUrl), '--insecure'] })
    brokers.push(broker)
    expect(broker.logs().join('\n')).toMatch(/--auth scram with plain http etcd .*allowed by --insecure/)
  })
})
