// The nemesis (nemesis.ts) on a real campaign cluster and topology (netns when the machine allows it,
// else TCP proxies): a hand-made schedule with every fault kind the topology and the brokers can do,
// one after another, each applied to a running broker, recorded as a window, healed; after healAll
// every broker runs and the cluster has all its brokers and a controller again.
import { performance } from 'node:perf_hooks'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../support/wait-for.js'
import type { FaultKind } from '../history/history.js'
import { createTopology } from '../net/topologies.js'
import type { Topology } from '../net/topology.js'
import { brokersTakeFaultInjection, type CampaignCluster, startCampaignCluster } from './campaign-cluster.js'
import { Nemesis } from './nemesis.js'
import { possibleKinds, type ScheduledFault } from './schedule.js'

const SESSION_TIMEOUT_MS = 2000
/** Each fault lasts this long (pause-long: past the session timeout), one after the other. */
const FAULT_MS = 1500
const PAUSE_LONG_MS = 3000

describe('Nemesis', () => {
  let topology: Topology | undefined
  let cluster: CampaignCluster | undefined
  afterAll(async () => {
    await cluster?.close()
    await topology?.close()
  })

  it('applies every kind it can to a running broker, records its window, and heals everything', async () => {
    const brokerIds = [1, 2, 3]
    topology = await createTopology({ brokerIds })
    const faultInjection = brokersTakeFaultInjection()
    const kinds = possibleKinds(3, { ...topology.can, faultInjection })
    cluster = await startCampaignCluster({ topology, brokerIds, sessionTimeoutMs: SESSION_TIMEOUT_MS, faultInjection })
    const lines: string[] = []
    const nemesis = new Nemesis({ cluster, topology, topic: 'absent', partitions: 1, clock: () => performance.now(), log: (l) => lines.push(l) })
    let atMs = 0
    const schedule: ScheduledFault[] = kinds.map((kind: FaultKind, i) => {
      const durationMs = kind === 'pause-long' ? PAUSE_LONG_MS : FAULT_MS
      const fault: ScheduledFault = { atMs, kind, durationMs, choice: i * 7919, clockOffsetMs: -120_000, fsyncDelayMs: 200 }
      // The next starts once this one is healed (a kill's restart takes a while): given room.
      atMs += durationMs + 2500
      return fault
    })
    await nemesis.run(schedule, performance.now())
    await nemesis.healAll()
    const c = cluster
    const message = `topology ${topology.mode} ${topology.fallbackReason ?? ''}\n${lines.join('\n')}\n${c.logs(10)}`
    if (process.env.FAECIE_NEMESIS_LOG === '1') process.stderr.write(`${message}\n`)
    const windows = nemesis.windows()
    expect(windows.map((w) => w.kind).sort(), message).toEqual([...kinds].sort())
    for (const w of windows) {
      expect(w.targets.length, message).toBeGreaterThan(0)
      expect(w.endMs, message).toBeGreaterThanOrEqual(w.startMs + (w.kind === 'pause-long' ? PAUSE_LONG_MS : FAULT_MS))
    }
    expect(windows.find((w) => w.kind === 'kill-two')?.targets.length).toBe(2)
    expect(topology.describeCuts()).toMatch(/^(none)?$/)
    for (const id of brokerIds) expect([c.state(id), c.alive(id)], message).toEqual(['running', true])
    await waitFor('the cluster whole again', async () => {
      const answer = await c.metadata([])
      return answer.brokers.length === 3 && (answer.controllerId ?? -1) >= 0
    }, { timeoutMs: 60_000 })
  }, 240_000)
})
