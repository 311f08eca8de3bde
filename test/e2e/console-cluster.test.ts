// The web console and the HTTP API against a three-broker cluster (test/support/cluster.ts), in
// headless Chromium driven by playwright-core (as console.test.ts). The console is served by broker 1
// and talks to it; broker 3 is killed (SIGKILL) part way. What is checked, each against what the
// protocol's `metadata` op says (a raw session of the fixture, not the console's client):
//   - the overview lists the three brokers, live, with the controller marked and each one's leaderships;
//   - a topic page shows Leader / Replicas / ISR per partition as metadata names them;
//   - after the kill, broker 3 shows offline, and the under-replicated count is what metadata implies;
//   - the console served by broker 1 keeps working: the topic page follows the new leaders, no banner,
//     no page error; the reassignments view shows no moves (listPartitionReassignments may not exist yet);
//   - GET /v1/cluster says the same; a single broker shows itself as the one live broker and controller.
// Waits are for what the page shows (expect.poll / waitFor), never sleeps; nothing is timed.
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MetadataResponse } from '@faecie/protocol'
import { startBrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'
import { startCluster, type TestCluster } from '../support/cluster.js'

const UI_TIMEOUT_MS = 60_000
const TOPIC = 'orders'
const PARTITIONS = 6
/** The broker the console is served from (kept alive), and the one killed. */
const SERVED = 1
const KILLED = 3

let cluster: TestCluster
let browser: Browser
let page: Page
const pageErrors: string[] = []

interface BrokerRowSeen { id: number; state: string | null; controller: boolean; leaderships: number; underReplicated: number }
interface PartitionSeen { partition: number; leader: string; replicas: string; isr: string }

const httpOf = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:')

async function go(hash: string, testId: string, base = httpOf(cluster.url(SERVED))): Promise<void> {
  await page.goto(`${base}/ui/${hash}`)
  await page.getByTestId(testId).waitFor({ timeout: UI_TIMEOUT_MS })
}

/** The overview's broker table as the page shows it. */
function brokerRows(): Promise<BrokerRowSeen[]> {
  return page.getByTestId('brokers').locator('tbody tr').evaluateAll((rows) => rows.map((row) => {
    const text = (id: string): string => row.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''
    return {
      id: Number(row.querySelector('td')?.textContent),
      state: row.getAttribute('data-state'),
      controller: row.querySelector('[data-testid="controller"]') !== null,
      leaderships: Number(text('leaderships')),
      underReplicated: Number(text('broker-under-replicated')),
    }
  }))
}

/** The topic page's partition table: leader, and replicas / ISR as `1,2,3`. */
function partitionRows(): Promise<PartitionSeen[]> {
  return page.getByTestId('partition-table').locator('tbody tr').evaluateAll((rows) => rows.map((row) => ({
    partition: Number(row.querySelector('td')?.textContent),
    leader: row.querySelector('[data-testid="leader"]')?.textContent ?? '',
    replicas: row.querySelector('[data-testid="replicas"]')?.getAttribute('data-ids') ?? '',
    isr: row.querySelector('[data-testid="isr"]')?.getAttribute('data-ids') ?? '',
  })))
}

/** What the partition table should show, from the metadata op. */
function expectedPartitions(metadata: MetadataResponse): PartitionSeen[] {
  const topic = metadata.topics.find((t) => t.topic === TOPIC)!
  return topic.partitions.map((p) => ({ partition: p.partition, leader: p.leader < 0 ? 'none' : String(p.leader),
    replicas: (p.replicas ?? []).join(','), isr: (p.isr ?? []).join(',') }))
}

/** Leaderships per broker and the under-replicated partitions (ISR smaller than replicas), from metadata. */
function expectedCounts(metadata: MetadataResponse): { leaderships: Map<number, number>; underReplicated: number } {
  const leaderships = new Map<number, number>()
  let underReplicated = 0
  for (const t of metadata.topics) {
    for (const p of t.partitions) {
      if (p.leader < 0) continue
      leaderships.set(p.leader, (leaderships.get(p.leader) ?? 0) + 1)
      if ((p.isr ?? []).length < (p.replicas ?? []).length) underReplicated++
    }
  }
  return { leaderships, underReplicated }
}

beforeAll(async () => {
  const executablePath = ensureChromium()
  // A short replica lag time: the killed broker leaves the ISRs soon after it dies.
  cluster = await startCluster({ brokers: 3, extraArgs: ['--replica-lag-time-max-ms', '3000'], waitTimeoutMs: 60_000 })
  const faecie = cluster.client()
  const admin = cluster.track(faecie.admin())
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }] })
  for (let p = 0; p < PARTITIONS; p++) await cluster.waitForIsr(TOPIC, p, 3)
  const producer = cluster.track(faecie.producer({ lingerMs: 0 }))
  await producer.send({ topic: TOPIC, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `record ${i}` })) })
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  page = await browser.newPage({ viewport: { width: 1360, height: 820 } })
  page.on('pageerror', (err) => pageErrors.push(err.message))
}, 20 * 60_000)

afterAll(async () => {
  await browser?.close()
  await cluster?.close()
})

describe('the console and HTTP API of a three-broker cluster', () => {
  it('lists the three brokers, live, with the controller and their leaderships', async () => {
    const controllerId = await cluster.waitForController()
    const { leaderships } = expectedCounts(await cluster.metadata(undefined, { via: SERVED }))
    await go('', 'view-overview')
    await expect.poll(brokerRows, { timeout: UI_TIMEOUT_MS }).toEqual([1, 2, 3].map((id) => ({
      id, state: 'live', controller: id === controllerId, leaderships: leaderships.get(id) ?? 0, underReplicated: 0,
    })))
    expect(await page.getByTestId('under-replicated-count').textContent()).toBe('0')
    expect(pageErrors).toEqual([])
  })

  it('shows Leader / Replicas / ISR per partition as metadata names them', async () => {
    await go(`#/topics/${TOPIC}`, 'view-topic')
    const expected = expectedPartitions(await cluster.metadata([TOPIC], { via: SERVED }))
    expect(expected).toHaveLength(PARTITIONS)
    expect(expected.every((p) => p.replicas.split(',').length === 3 && p.isr.split(',').length === 3)).toBe(true)
    await expect.poll(partitionRows, { timeout: UI_TIMEOUT_MS }).toEqual(expected)
  })

  it('shows a killed broker offline and the partitions left under-replicated', async () => {
    await go('', 'view-overview')
    await cluster.kill9(KILLED)
    // Every partition gets a leader among the living, and the dead broker leaves every ISR.
    for (let p = 0; p < PARTITIONS; p++) {
      await cluster.waitForLeader(TOPIC, p, (id) => id !== KILLED)
      await cluster.waitForIsr(TOPIC, p, 2)
    }
    const metadata = await cluster.metadata(undefined, { via: SERVED })
    const { leaderships, underReplicated } = expectedCounts(metadata)
    expect(underReplicated).toBe(PARTITIONS)
    expect(metadata.brokers.map((b) => b.brokerId).sort()).toEqual([1, 2])
    const controllerId = metadata.controllerId
    await expect.poll(brokerRows, { timeout: UI_TIMEOUT_MS }).toEqual([1, 2, 3].map((id) => ({
      id, state: id === KILLED ? 'offline' : 'live', controller: id === controllerId, leaderships: leaderships.get(id) ?? 0,
      underReplicated: leaderships.get(id) ?? 0,
    })))
    await expect.poll(() => page.getByTestId('under-replicated-count').textContent(), { timeout: UI_TIMEOUT_MS }).toBe(String(PARTITIONS))
    expect(await page.getByTestId('disconnected').count()).toBe(0)
  })

  it('keeps working from the broker it was served by: the topic page follows the new leaders', async () => {
    await go(`#/topics/${TOPIC}`, 'view-topic')
    const expected = expectedPartitions(await cluster.metadata([TOPIC], { via: SERVED }))
    expect(expected.every((p) => p.leader !== String(KILLED) && !p.isr.split(',').includes(String(KILLED)))).toBe(true)
    await expect.poll(partitionRows, { timeout: UI_TIMEOUT_MS }).toEqual(expected)
    await go('#/reassignments', 'view-reassignments')
    await page.getByTestId('no-reassignments').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await page.getByTestId('disconnected').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('answers GET /v1/cluster and /v1/reassignments with the same picture', async () => {
    const base = httpOf(cluster.url(SERVED))
    const body = await (await fetch(`${base}/v1/cluster`)).json() as {
      mode: string; brokerId: number; controllerId: number; underReplicatedPartitions: number; offlinePartitions: number
      brokers: Array<{ brokerId: number; state: string; controller: boolean; leaderships: number }>
    }
    expect(body).toMatchObject({ mode: 'cluster', brokerId: SERVED, offlinePartitions: 0 })
    expect(body.underReplicatedPartitions).toBeGreaterThanOrEqual(PARTITIONS)
    expect(body.brokers.map((b) => [b.brokerId, b.state])).toEqual([[1, 'live'], [2, 'live'], [3, 'offline']])
    expect(body.brokers.filter((b) => b.controller).map((b) => b.brokerId)).toEqual([body.controllerId])
    const detail = await (await fetch(`${base}/v1/topics/${TOPIC}`)).json() as { partitions: Array<{ leader: number; isr: number[]; addingReplicas: number[] }> }
    expect(detail.partitions.every((p) => p.leader !== KILLED && p.isr.length === 2 && p.addingReplicas.length === 0)).toBe(true)
    expect(await (await fetch(`${base}/v1/reassignments`)).json()).toEqual({ reassignments: [], throttleBytesPerSec: null })
  })
})

describe('the console of a single broker', () => {
  it('shows the broker as the one live broker and controller', async () => {
    const broker = await startBrokerProcess()
    try {
      await go('', 'view-overview', `http://127.0.0.1:${broker.port}`)
      await expect.poll(brokerRows, { timeout: UI_TIMEOUT_MS }).toEqual([{ id: 0, state: 'live', controller: true, leaderships: 0, underReplicated: 0 }])
      const body = await (await fetch(`http://127.0.0.1:${broker.port}/v1/cluster`)).json() as { mode: string; brokers: Array<{ state: string }> }
      expect(body.mode).toBe('single')
      expect(body.brokers.map((b) => b.state)).toEqual(['live'])
      expect(pageErrors).toEqual([])
    } finally {
      await broker.stop()
    }
  })
})
