// The --etcd-* flags (etcd-config.ts) through parseBrokerArgs and the "etcd" object of --config; the
// refusal of `--auth scram` with an etcd that is plain or anonymous (secure-defaults.ts), and its
// warning under --insecure; the credentials read at connect and etcd's refusals in words (etcd-access.ts).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EtcdAuthenticationFailedError, EtcdPermissionDeniedError } from 'etcd3'
import { afterAll, describe, expect, it } from 'vitest'
import { etcdClientOptions, etcdPassword, etcdRefusal, EtcdUnavailableError } from '../cluster/etcd-access.js'
import { tempDir } from '../storage/test-support.js'
import { parseBrokerArgs, UsageError, type BrokerConfig } from './config.js'
import { insecureBindRefusal, refuseInsecureBind, securityWarnings } from './secure-defaults.js'

const files = tempDir('faecie-etcd-cfg-')
afterAll(files.cleanup)

function parsed(argv: string[]): BrokerConfig {
  const config = parseBrokerArgs(argv)
  if (config === 'help') throw new Error('help')
  return config
}

const HTTPS = ['--cluster', 'https://10.0.0.1:2379,https://10.0.0.2:2379', '--broker-id', '1']
const HTTP = ['--cluster', 'http://10.0.0.1:2379', '--broker-id', '1']
const SCRAM = ['--auth', 'scram']

describe('etcd flags', () => {
  it('are none by default', () => {
    expect(parsed(HTTP).cluster?.etcdAccess).toBeUndefined()
  })

  it('read the CA, the client certificate and the user', () => {
    expect(parsed([...HTTPS, '--etcd-ca', 'ca.pem', '--etcd-cert', 'c.pem', '--etcd-key', 'k.pem', '--etcd-user', 'faecie',
      '--etcd-password-file', 'pw']).cluster?.etcdAccess).toEqual({ caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem', user: { name: 'faecie', passwordFile: 'pw' } })
    expect(parsed([...HTTP, '--etcd-user', 'faecie']).cluster?.etcdAccess).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined,
      user: { name: 'faecie', passwordFile: undefined } })
  })

  it('come from the "etcd" object of --config, the flags winning', () => {
    const file = join(files.dir, 'broker.json')
    writeFileSync(file, JSON.stringify({ etcd: { ca: 'file-ca.pem', user: 'from-file', passwordFile: 'pw' } }))
    expect(parsed([...HTTPS, '--config', file, '--etcd-user', 'flag']).cluster?.etcdAccess)
      .toEqual({ caFile: 'file-ca.pem', certFile: undefined, keyFile: undefined, user: { name: 'flag', passwordFile: 'pw' } })
    writeFileSync(file, JSON.stringify({ etcd: { password: 'x' } }))
    expect(() => parseBrokerArgs([...HTTPS, '--config', file])).toThrow('etcd.password in --config is not a setting')
    writeFileSync(file, JSON.stringify({ etcd: { user: 'a' } }))
    expect(() => parseBrokerArgs(['--config', file])).toThrow('"etcd" in --config needs --cluster')
  })

  it('refuse what cannot work, saying why', () => {
    const bad: [string[], string][] = [
      [['--etcd-ca', 'ca.pem'], '--etcd-ca needs --cluster'],
      [[...HTTPS, '--etcd-cert', 'c.pem'], '--etcd-cert and --etcd-key go together'],
      [[...HTTPS, '--etcd-password-file', 'pw'], '--etcd-password-file needs --etcd-user'],
      [[...HTTPS, '--etcd-user', ''], '--etcd-user (etcd.user in --config) must be a non-empty string'],
      [[...HTTP, '--etcd-ca', 'ca.pem'], '--etcd-ca, --etcd-cert and --etcd-key need https:// etcd endpoints'],
      [['--cluster', 'http://a:2379,https://b:2379', '--broker-id', '1'], '--cluster mixes http:// and https:// etcd endpoints'],
    ]
    for (const [argv, message] of bad) {
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(UsageError)
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(message)
    }
  })
})

describe('--auth scram in a cluster', () => {
  it('is refused with plain http etcd, naming the endpoints and what to do', () => {
    const refusal = insecureBindRefusal(parsed([...HTTP, ...SCRAM, '--etcd-user', 'faecie']))
    expect(refusal).toMatch(/^refusing --auth scram with plain http etcd \(http:\/\/10\.0\.0\.1:2379\): users' credentials and the ACLs are stored in etcd/)
    expect(refusal).toMatch(/--etcd-ca.*--etcd-user.*--etcd-cert.*or pass --insecure\.$/)
    expect(() => refuseInsecureBind(parsed([...HTTP, ...SCRAM]))).toThrow(UsageError)
  })

  it('is refused with https etcd but no login to it', () => {
    expect(insecureBindRefusal(parsed([...HTTPS, ...SCRAM, '--etcd-ca', 'ca.pem'])))
      .toMatch(/^refusing --auth scram with etcd reached without authentication \(no --etcd-user nor --etcd-cert\)/)
  })

  it('is allowed with https etcd and a user or a client certificate', () => {
    expect(insecureBindRefusal(parsed([...HTTPS, ...SCRAM, '--etcd-user', 'faecie']))).toBeUndefined()
    expect(insecureBindRefusal(parsed([...HTTPS, ...SCRAM, '--etcd-cert', 'c.pem', '--etcd-key', 'k.pem']))).toBeUndefined()
    expect(securityWarnings(parsed([...HTTPS, ...SCRAM, '--etcd-user', 'faecie']))).toEqual([])
  })

  it('is allowed with --insecure, warning; without --auth scram plain etcd needs nothing', () => {
    const insecure = parsed([...HTTP, ...SCRAM, '--insecure'])
    expect(insecureBindRefusal(insecure)).toBeUndefined()
    expect(securityWarnings(insecure)).toEqual([expect.stringMatching(/^--auth scram with plain http etcd \(http:\/\/10\.0\.0\.1:2379\), allowed by --insecure: /)])
    expect(insecureBindRefusal(parsed(HTTP))).toBeUndefined()
    expect(securityWarnings(parsed(HTTP))).toEqual([])
  })
})

describe('etcd credentials', () => {
  const pem = join(files.dir, 'x.pem')
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')

  it('read the password from the file\'s first line, else the environment', () => {
    const pw = join(files.dir, 'pw')
    writeFileSync(pw, 'first\nsecond\n')
    expect(etcdPassword(pw, {})).toBe('first')
    expect(etcdPassword(undefined, { FAECIE_ETCD_PASSWORD: 'env' })).toBe('env')
    expect(() => etcdPassword(undefined, {})).toThrow('--etcd-user needs a password')
    expect(() => etcdPassword(join(files.dir, 'none'), {})).toThrow(EtcdUnavailableError)
  })

  it('make the client options, refusing a file that is not PEM', () => {
    const options = etcdClientOptions({ caFile: pem, certFile: pem, keyFile: pem, user: { name: 'u', passwordFile: undefined } }, { FAECIE_ETCD_PASSWORD: 'p' })
    expect(options.auth).toEqual({ username: 'u', password: 'p' })
    expect(options.credentials?.rootCertificate.toString()).toMatch(/^-----BEGIN/)
    expect(options.credentials?.certChain).toBeDefined()
    expect(etcdClientOptions(undefined)).toEqual({})
    const notPem = join(files.dir, 'not.pem')
    writeFileSync(notPem, 'hello')
    expect(() => etcdClientOptions({ caFile: notPem, certFile: undefined, keyFile: undefined, user: undefined })).toThrow('--etcd-ca')
  })

  it('say etcd\'s refusals in words', () => {
    const access = { caFile: undefined, certFile: undefined, keyFile: undefined, user: { name: 'faecie', passwordFile: undefined } }
    const urls = ['https://e:2379']
    expect(etcdRefusal(new EtcdAuthenticationFailedError('x'), access, urls, '/faecie/a/')).toBe(
      'etcd at https://e:2379 refused the login of user "faecie" (--etcd-user): wrong user name or password')
    expect(etcdRefusal(new EtcdPermissionDeniedError('x'), access, urls, '/faecie/a/')).toMatch(/etcd user "faecie" may not read and write \/faecie\/a\//)
    expect(etcdRefusal(new Error('etcdserver: user name is empty'), undefined, urls, '/faecie/a/')).toMatch(/requires authentication/)
    expect(etcdRefusal(new Error('14 UNAVAILABLE: unable to verify the first certificate'), undefined, urls, '/f/')).toMatch(/TLS handshake failed/)
    expect(etcdRefusal(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), undefined, urls, '/f/')).toBeUndefined()
  })
})
