// The campaign cluster (campaign-cluster.ts) on a topology that places everything in the test's own
// namespace and cuts nothing: it forms, a broker killed and restarted comes back, a paused one is
// seen paused, a fault plan file is written whole (and, when the brokers take --fault-injection, seen
// in force), a broker that dies without the cluster killing it is recorded as an exit (a kill9, a
// restart, a close are not), a start refused under an injected disk fault is no crash, and close()
// leaves no process behind.
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../support/wait-for.js'
import type { Topology } from '../net/topology.js'
import { brokersTakeFaultInjection, type CampaignCluster, startCampaignCluster } from './campaign-cluster.js'

const flat: Topology = {
  mode: 'proxy', fallbackReason: 'test: no cuts', can: { pairwise: false, oneWay: false },
  commandPrefix: () => [], bindHost: () => '127.0.0.1', brokerFlags: async () => [], brokerListening: () => undefined,
  etcdUrlFor: async (_id, url) => url, cut: async () => undefined, cutBoth: async () => undefined, partition: async () => undefined,
  isolate: async () => undefined, heal: async () => undefined, describeCuts: () => '', close: async () => undefined,
}

describe('startCampaignCluster', () => {
  let cluster: CampaignCluster | undefined
  afterAll(async () => { await cluster?.close() })

  it('forms, kills and restarts, pauses and resumes, writes fault plans whole', async () => {
    const faultInjection = brokersTakeFaultInjection()
    cluster = await startCampaignCluster({ topology: flat, brokerIds: [1, 2, 3], sessionTimeoutMs: 2000, faultInjection })
    const c = cluster
    expect((await c.metadata([])).brokers.map((b) => b.brokerId).sort()).toEqual([1, 2, 3])
    await c.kill9(2)
    expect(c.alive(2)).toBe(false)
    expect(c.state(2)).toBe('down')
    await waitFor('broker 2 to leave the metadata', async () => (await c.metadata([])).brokers.length === 2, { timeoutMs: 30_000 })
    await c.restart(2)
    expect(c.alive(2)).toBe(true)
    await waitFor('broker 2 back in the metadata', async () => (await c.metadata([])).brokers.length === 3, { timeoutMs: 30_000 })
    c.pause(3)
    expect(c.state(3)).toBe('paused')
    expect(c.alive(3)).toBe(true)
    c.resume(3)
    expect(c.state(3)).toBe('running')
    c.setFaultPlan(1, { fsyncError: 'EIO' })
    expect(JSON.parse(readFileSync(c.planFile(1), 'utf8'))).toEqual({ fsyncDelayMs: 0, fsyncError: 'EIO', writeError: null, clockOffsetMs: 0 })
    expect(existsSync(`${c.planFile(1)}.tmp`)).toBe(false)
    c.setFaultPlan(1, {})
    expect(JSON.parse(readFileSync(c.planFile(1), 'utf8')).fsyncError).toBe(null)
    if (faultInjection) {
      expect(await c.applyFaultPlan(1, { fsyncDelayMs: 5 }, 20_000)).toBe(true)
      expect(await c.applyFaultPlan(1, {}, 20_000)).toBe(true)
    }
    expect(c.exits()).toEqual([])
    // Broker 3 dies without the cluster's doing: seen as it happens, with its signal and last lines.
    process.kill(c.pid(3), 'SIGKILL')
    await waitFor('broker 3\'s exit to be seen', () => c.exits().length === 1, { timeoutMs: 10_000 })
    expect(c.exits()[0]).toMatchObject({ brokerId: 3, exitCode: null, signal: 'SIGKILL' })
    expect(c.exits()[0]!.lastLines.length).toBeGreaterThan(0)
    expect(c.state(3)).toBe('crashed')
    expect((await c.metadataAnswers([], 3000)).map((a) => a.brokerId).sort()).toEqual([1, 2])
    await c.restart(3)
    expect(c.state(3)).toBe('running')
    if (faultInjection) {
      // A broker refuses to start on a disk whose fsyncs fail (seed 30, 30 minutes, took that for a
      // crash): no exit is recorded, and once the fault heals it starts.
      const exitsBefore = c.exits().length
      expect(await c.applyFaultPlan(2, { fsyncError: 'EIO' }, 20_000)).toBe(true)
      await c.kill9(2)
      await c.restart(2)
      expect(c.state(2)).toBe('crashed')
      expect(c.exits().length).toBe(exitsBefore)
      c.setFaultPlan(2, {})
      await c.restart(2)
      expect(c.state(2)).toBe('running')
    }
    await c.close()
    expect(c.exits().length).toBe(1)
    cluster = undefined
    expect([1, 2, 3].every((id) => !c.alive(id))).toBe(true)
  }, 120_000)
})
