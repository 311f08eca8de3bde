// The fixture's etcd restart (test/support/etcd-process.ts), which the cluster tests rely on to
// take etcd down and up under the brokers: the restarted etcd is reached at the same URL and still
// holds what was written before, and a stop removes its data dir.
import { existsSync } from 'node:fs'
import { afterEach, expect, it } from 'vitest'
import { connectEtcd } from '../../packages/broker/src/cluster/metadata-store.js'
import { type EtcdProcess, startEtcdProcess } from '../support/etcd-process.js'

let etcd: EtcdProcess | undefined

afterEach(async () => {
  await etcd?.stop()
  etcd = undefined
})

it('an etcd restarted by the fixture keeps its URL and its data', async () => {
  etcd = await startEtcdProcess()
  const before = connectEtcd([etcd.clientUrl])
  await before.put('/fixture/key').value('written before the restart')
  before.close()
  const pid = etcd.child.pid

  await etcd.restart()
  expect(etcd.child.pid).not.toBe(pid)
  const after = connectEtcd([etcd.clientUrl])
  try {
    expect(await after.get('/fixture/key').string()).toBe('written before the restart')
  } finally {
    after.close()
  }

  const { dataDir } = etcd
  await etcd.stop()
  etcd = undefined
  expect(existsSync(dataDir)).toBe(false)
}, 60_000)
