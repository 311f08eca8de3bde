// The web console at scale, in headless Chromium against a real broker: 1,000 topics list, filter
// and scroll with only the rows in view rendered, and a page of 10,000 records loads, filters and
// scrolls the same way (the lists are virtualised). Behavioural checks only: what the page shows
// and how many row elements it holds, never how long it took.
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '@faecie/client'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'

const TOPICS = 1_000
const RECORDS = 12_000
const UI_TIMEOUT_MS = 60_000
/** Far fewer than the rows: what a viewport shows plus the overscan. */
const RENDERED_ROWS_MAX = 100

let broker: BrokerProcess
let browser: Browser
let page: Page

const count = (testId: string): Promise<number> => page.getByTestId(testId).getAttribute('data-count').then(Number)

beforeAll(async () => {
  const executablePath = ensureChromium()
  broker = await startBrokerProcess()
  const faecie = new Faecie({ brokers: [broker.url], clientId: 'console-scale' })
  const admin = faecie.admin()
  for (let i = 0; i < TOPICS; i += 100) {
    await admin.createTopics({ topics: Array.from({ length: 100 }, (_, k) => ({ topic: `topic-${String(i + k).padStart(4, '0')}`, numPartitions: 1 })) })
  }
  await admin.disconnect()
  const producer = faecie.producer()
  await producer.send({ topic: 'topic-0001', messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % 50}`, value: JSON.stringify({ i, note: `record number ${i}` }) })) })
  await producer.disconnect()
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  page = await browser.newPage({ viewport: { width: 1360, height: 820 } })
}, 20 * 60_000)

afterAll(async () => {
  await browser?.close()
  await broker?.stop()
})

describe('the web console at scale', () => {
  it('lists, filters and scrolls 1,000 topics', async () => {
    await page.goto(`http://127.0.0.1:${broker.port}/ui/#/topics`)
    await expect.poll(() => count('topic-list'), { timeout: UI_TIMEOUT_MS }).toBe(TOPICS)
    expect(await page.locator('.vrow').count()).toBeLessThan(RENDERED_ROWS_MAX)
    await page.getByTestId('topic-list').evaluate((el) => { el.scrollTop = el.scrollHeight })
    await page.locator('[data-topic="topic-0999"]').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('topic-filter').fill('topic-07')
    await expect.poll(() => count('topic-list'), { timeout: UI_TIMEOUT_MS }).toBe(100)
    await page.locator('[data-topic="topic-0700"]').waitFor({ timeout: UI_TIMEOUT_MS })
  })

  it('loads, filters and scrolls a page of 10,000 records', async () => {
    await page.goto(`http://127.0.0.1:${broker.port}/ui/#/topics/topic-0001/messages`)
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('page-size').selectOption('10000')
    await page.getByTestId('load').click()
    await expect.poll(() => count('message-list'), { timeout: UI_TIMEOUT_MS }).toBe(10_000)
    expect(await page.locator('.vrow').count()).toBeLessThan(RENDERED_ROWS_MAX)
    await page.getByTestId('message-list').evaluate((el) => { el.scrollTop = el.scrollHeight })
    await page.locator('.trow[data-offset="9999"]').waitFor({ timeout: UI_TIMEOUT_MS })
    // The next page starts where this one ended.
    await page.getByTestId('next').click()
    await expect.poll(() => count('message-list'), { timeout: UI_TIMEOUT_MS }).toBe(RECORDS - 10_000)
    await page.getByTestId('prev').click()
    await expect.poll(() => page.getByTestId('page-start').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('from p0@0')
    await page.getByTestId('message-filter').fill('record number 4242"')
    await expect.poll(() => count('message-list'), { timeout: UI_TIMEOUT_MS }).toBe(1)
    await page.locator('.trow[data-offset="4242"]').waitFor({ timeout: UI_TIMEOUT_MS })
  })
})
