// examples/live-dashboard in headless Chromium against a real broker process: the example's own
// server (serve.mjs: the page and a browser bundle of @faecie/client) serves the page, the broker
// allows the page's origin, the example's producer feeds the topic, and the page must show the
// running count and each key's records as they arrive; the per-key list keeps only the last 50.
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie, type Producer } from '../../packages/client/src/node.js'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'
import { feedTopic, serveDashboard } from '../../examples/live-dashboard/serve.mjs'

let served: Awaited<ReturnType<typeof serveDashboard>>
let broker: BrokerProcess
let browser: Browser
let faecie: Faecie
let producer: Producer

beforeAll(async () => {
  const executablePath = ensureChromium()
  served = await serveDashboard({ port: 0, brokerUrl: 'ws://unused', topic: 'unused' })
  broker = await startBrokerProcess({ args: ['--allowed-origins', `http://127.0.0.1:${served.port}`] })
  faecie = new Faecie({ brokers: [broker.url], clientId: 'dashboard-test' })
  producer = faecie.producer({ lingerMs: 1 })
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}, 20 * 60_000)

afterAll(async () => {
  await browser?.close()
  await producer?.disconnect()
  await broker?.stop()
  await served?.close()
})

async function openDashboard(topic: string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`http://127.0.0.1:${served.port}/?broker=${encodeURIComponent(broker.url)}&topic=${topic}`)
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 }).catch(async (err: Error) => {
    throw new Error(`the dashboard did not start: ${errors.join('; ') || (await page.textContent('#status')) || err.message}`)
  })
  return page
}

const countOf = (page: Page): Promise<number> => page.textContent('#count').then(Number)
const linesOf = (page: Page, key: string): Promise<string[]> => page.locator(`ol[data-key="${key}"] li`).allTextContents()

describe('the live dashboard example', () => {
  it("renders records produced after it opened: the running count and each key's last records", async () => {
    const feed = await feedTopic({ brokerUrl: broker.url, topic: 'dash', ratePerSecond: 0 })
    await feed.stop()
    const page = await openDashboard('dash')
    await producer.send({ topic: 'dash', messages: [{ key: 'k1', value: 'first' }, { key: 'k2', value: 'second' }, { key: 'k1', value: 'third' }] })
    await page.waitForFunction(() => document.getElementById('count')!.textContent === '3', undefined, { timeout: 15_000 })
    const k1 = await linesOf(page, 'k1')
    expect(k1).toHaveLength(2)
    expect(k1[0]).toMatch(/ third$/) // newest first
    expect(k1[1]).toMatch(/ first$/)
    expect(await linesOf(page, 'k2')).toEqual([expect.stringMatching(/ second$/)])

    // 60 more for k1: the count goes on, the list keeps the last 50.
    await producer.send({ topic: 'dash', messages: Array.from({ length: 60 }, (_, i) => ({ key: 'k1', value: `more-${i}` })) })
    await page.waitForFunction(() => document.getElementById('count')!.textContent === '63', undefined, { timeout: 15_000 })
    await page.waitForFunction(() => document.querySelector('ol[data-key="k1"] li')?.textContent?.endsWith(' more-59') === true, undefined, { timeout: 15_000 })
    const lines = await linesOf(page, 'k1')
    expect(lines).toHaveLength(50)
    expect(lines[49]).toMatch(/ more-10$/)
    expect(await countOf(page)).toBe(63)
    await page.close()
  })

  it("shows what the example's producer feeds", async () => {
    const feed = await feedTopic({ brokerUrl: broker.url, topic: 'dash-fed', ratePerSecond: 0 })
    await feed.stop()
    const page = await openDashboard('dash-fed')
    const running = await feedTopic({ brokerUrl: broker.url, topic: 'dash-fed', ratePerSecond: 50 })
    try {
      await page.waitForFunction(() => Number(document.getElementById('count')!.textContent) >= 6, undefined, { timeout: 20_000 })
    } finally {
      await running.stop()
    }
    for (const sensor of ['sensor-a', 'sensor-b', 'sensor-c']) {
      const [newest] = await linesOf(page, sensor)
      expect(JSON.parse(newest!.replace(/^\d+@\d+ /, ''))).toEqual(expect.objectContaining({ celsius: expect.any(Number) }))
    }
    await page.close()
  })
})
