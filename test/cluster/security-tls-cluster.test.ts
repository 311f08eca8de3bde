// A cluster over TLS (issue 19): two brokers with --tls-cert/--tls-key, --tls-ca and
// --tls-client-auth require register wss:// URLs, and replicate to each other over wss links that
// trust --tls-ca and present the broker's own certificate (the peers require one). A record
// acknowledged with acks all is on the follower's disk: it came over the TLS link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Admin, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { startEtcdProcess, type EtcdProcess } from '../support/etcd-process.js'
import { makeTempDir } from '../support/temp-dir.js'
import { makeTlsFiles, type TlsFiles } from '../support/tls-certs.js'
import { waitFor } from '../support/wait-for.js'
import { readLogOnDisk } from './log-on-disk.js'
import { readFileSync } from 'node:fs'

let etcd: EtcdProcess
let files: TlsFiles
const brokers = new Map<number, BrokerProcess>()
let admin: Admin
let producer: Producer

beforeAll(async () => {
  files = await makeTlsFiles(makeTempDir('tls-cluster'), { clientNames: ['app'] })
  etcd = await startEtcdProcess()
  const tls = ['--tls-cert', files.certFile, '--tls-key', files.keyFile, '--tls-ca', files.caFile, '--tls-client-auth', 'require']
  await Promise.all([1, 2].map(async (id) => {
    brokers.set(id, await startBrokerProcess({ args: ['--cluster', etcd.clientUrl, '--broker-id', String(id), '--broker-session-timeout-ms', '2000', ...tls] }))
  }))
  const app = files.clients.app!
  const faecie = new Faecie({
    brokers: [...brokers.values()].map((b) => `wss://127.0.0.1:${b.port}`),
    tls: { ca: readFileSync(files.caFile), cert: readFileSync(app.certFile), key: readFileSync(app.keyFile) },
  })
  admin = faecie.admin()
  producer = faecie.producer()
})

afterAll(async () => {
  await producer?.disconnect()
  await admin?.disconnect()
  await Promise.all([...brokers.values()].map((b) => b.stop()))
  await etcd?.stop()
})

describe('a cluster over TLS', () => {
  it('registers wss:// URLs and replicates over wss links between the brokers', async () => {
    const cluster = await waitFor('both brokers to be registered', async () => {
      const described = await admin.describeCluster()
      return described.brokers.length === 2 ? described : undefined
    })
    for (const b of cluster.brokers) expect(b.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+/)
    await admin.createTopics({ topics: [{ topic: 'tls-replicated', numPartitions: 1, replicationFactor: 2 }] })
    const [description] = await waitFor('the partition to have a leader and 2 in sync', async () => {
      const described = await admin.describeTopics({ topics: ['tls-replicated'], includeReplicas: true })
      const p = described[0]?.partitions?.[0]
      return p !== undefined && p.leader !== undefined && p.leader > 0 && p.isr?.length === 2 ? described : undefined
    })
    const leader = description!.partitions![0]!.leader!
    const follower = leader === 1 ? 2 : 1
    await producer.send({ topic: 'tls-replicated', partition: 0, messages: [{ value: 'over a TLS link' }] })
    // acks all: the follower fetched it over its wss link before the leader answered.
    const onFollower = await waitFor('the record on the follower\'s disk', () => {
      const log = readLogOnDisk(brokers.get(follower)!.dataDir, 'tls-replicated', 0)
      return log.values.includes('over a TLS link') ? log : undefined
    })
    expect(onFollower.values).toEqual(['over a TLS link'])
  })
})
