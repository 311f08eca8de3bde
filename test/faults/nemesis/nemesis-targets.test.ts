// The nemesis (nemesis.ts) on a hand-made cluster and topology that only record what is done to them:
// which broker a kind hits (partition-leader: the leader, from the freshest metadata, whatever the
// first broker in id order says), and when a fault's window starts (once it is in force, however long
// the applying took) and ends (its whole duration after that). The clock is the real one plus an
// offset the fakes move forward to stand for slow metadata or a slow confirmation.
import { performance } from 'node:perf_hooks'
import type { MetadataResponse } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import type { FaultKind } from '../history/history.js'
import type { NodeName, Topology } from '../net/topology.js'
import type { BrokerState, CampaignCluster } from './campaign-cluster.js'
import type { BrokerAnswer } from './cluster-view.js'
import { Nemesis } from './nemesis.js'

/** Broker 1 is stale (it thinks it leads, epoch 2); brokers 2 and 3 know broker 3 leads (epoch 5). */
function answers(): BrokerAnswer[] {
  const of = (controllerId: number, leader: number, leaderEpoch: number): MetadataResponse => ({
    brokers: [], controllerId,
    topics: [{ topic: 't', topicId: 'x', internal: false, partitions: [{ partition: 0, leader, leaderEpoch, replicas: [1, 2, 3], isr: [1, 2, 3] }] }],
  })
  return [{ brokerId: 1, answer: of(1, 1, 2) }, { brokerId: 2, answer: of(2, 3, 5) }, { brokerId: 3, answer: of(2, 3, 5) }]
}

function harness(options: { metadataTakesMs?: number; confirm?: boolean; confirmTakesMs?: number } = {}) {
  let offsetMs = 0
  const clock = (): number => performance.now() + offsetMs
  const events: Array<{ what: string; atMs: number }> = []
  const note = (what: string): void => { events.push({ what, atMs: clock() }) }
  const states = new Map<number, BrokerState>([[1, 'running'], [2, 'running'], [3, 'running']])
  const cluster = {
    brokerIds: [1, 2, 3],
    state: (id: number) => states.get(id) ?? 'down',
    alive: () => true,
    async metadataAnswers() {
      offsetMs += options.metadataTakesMs ?? 0
      return answers()
    },
    // The metadata call of the nemesis before the review (the first running broker's answer): broker 1's.
    async metadata() {
      offsetMs += options.metadataTakesMs ?? 0
      return answers()[0]!.answer
    },
    pause: (id: number) => { states.set(id, 'paused'); note(`pause ${id}`) },
    resume: (id: number) => { states.set(id, 'running'); note(`resume ${id}`) },
    async kill9(id: number) { states.set(id, 'down'); note(`kill ${id}`) },
    async restart(id: number) { states.set(id, 'running'); note(`restart ${id}`) },
    async applyFaultPlan(id: number, plan: object) {
      offsetMs += options.confirmTakesMs ?? 0
      note(`plan ${id} ${JSON.stringify(plan)}`)
      return options.confirm ?? true
    },
    setFaultPlan: () => undefined,
  } as unknown as CampaignCluster
  const topology = {
    isolate: async (node: NodeName) => note(`isolate ${node}`),
    cutBoth: async (a: NodeName, b: NodeName) => note(`cutBoth ${a} ${b}`),
    cut: async (a: NodeName, b: NodeName) => note(`cut ${a} ${b}`),
    heal: async () => note('heal'),
  } as unknown as Topology
  const nemesis = new Nemesis({ cluster, topology, topic: 't', partitions: 1, clock, log: () => undefined })
  const run = (kind: FaultKind, durationMs: number, choice: number) => nemesis.run([{ atMs: 0, kind, durationMs, choice }], clock())
  return { nemesis, events, run }
}

describe('Nemesis targets and windows', () => {
  it('partition-leader isolates the leader of the freshest metadata, for every choice', async () => {
    for (let choice = 0; choice < 12; choice++) {
      const { nemesis, events, run } = harness()
      await run('partition-leader', 1, choice)
      expect(events.map((e) => e.what), `choice ${choice}`).toEqual(['isolate b3', 'heal'])
      expect(nemesis.windows()[0]?.description).toContain('leader of t-0')
    }
  })

  it('a cut between two brokers is between a leader and one of its followers', async () => {
    for (let choice = 0; choice < 12; choice++) {
      const { events, run } = harness()
      await run('partition-brokers', 1, choice)
      const [a, b] = events[0]!.what.split(' ').slice(1)
      expect([a, b].includes('b3') && a !== b, `choice ${choice}: ${events[0]!.what}`).toBe(true)
    }
  })

  it('a window starts once the fault is in force, and the heal comes its whole duration later', async () => {
    const durationMs = 30
    const { nemesis, events, run } = harness({ metadataTakesMs: 1000 })
    await run('pause-short', durationMs, 1)
    const paused = events.find((e) => e.what.startsWith('pause'))!
    const resumed = events.find((e) => e.what.startsWith('resume'))!
    const window = nemesis.windows()[0]!
    expect(window.startMs).toBeGreaterThanOrEqual(paused.atMs)
    expect(resumed.atMs).toBeGreaterThanOrEqual(paused.atMs + durationMs)
    expect(window.endMs).toBeGreaterThanOrEqual(window.startMs + durationMs)
  })

  it('a disk fault starts once the broker confirms its plan, and says when it could not', async () => {
    const confirmed = harness({ confirmTakesMs: 1000 })
    await confirmed.run('disk-full', 10, 3)
    const written = confirmed.events.find((e) => e.what.includes('ENOSPC'))!
    expect(confirmed.nemesis.windows()[0]!.startMs).toBeGreaterThanOrEqual(written.atMs)
    expect(confirmed.nemesis.windows()[0]!.description).not.toContain('not confirmed')
    const unconfirmed = harness({ confirm: false })
    await unconfirmed.run('fsync-fail', 10, 3)
    expect(unconfirmed.nemesis.windows()[0]!.description).toContain('not confirmed in force')
  })
})
