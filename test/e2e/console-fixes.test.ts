// The web console's fixes from a new user's trial (issue 12, item 3), end to end: a real broker
// process serves the built console, headless Chromium (test/support/chromium.ts) in a fixed time
// zone (Europe/Paris) uses it. The cleanup policy reads as a value, not a button; topic and group
// tables sort by any column; a topic that does not exist shows "not found" and no actions; record
// times carry their time zone and the UTC / local toggle switches them; the rate charts have a
// y-axis with units; the message browser exports the loaded records as JSON lines; an error box
// from a broker outage clears once the broker is back. Screenshots go to docs/screenshots/fix-*.png.
import { mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '@faecie/client'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const UI_TIMEOUT_MS = 20_000
/** 2026-01-01T00:00:00Z: 01:00 in Paris. */
const NEW_YEAR_MS = Date.UTC(2026, 0, 1)

let broker: BrokerProcess
let browser: Browser
let page: Page
const pageErrors: string[] = []

async function seed(faecie: Faecie): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({
    topics: [
      { topic: 'alpha', numPartitions: 3 },
      { topic: 'beta', numPartitions: 1, config: { 'cleanup.policy': 'compact' } },
      { topic: 'gamma', numPartitions: 2, config: { 'retention.ms': -1 } },
    ],
  })
  const producer = faecie.producer()
  await producer.send({ topic: 'beta', messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value ${i}`, timestamp: NEW_YEAR_MS + i })) })
  await producer.send({
    topic: 'alpha',
    messages: [
      { key: 'a', value: 'text record', partition: 0, timestamp: NEW_YEAR_MS, headers: { source: 'test' } },
      { key: null, value: new Uint8Array([0xff, 0x00, 0xc3]), partition: 0, timestamp: NEW_YEAR_MS + 1 },
    ],
  })
  await producer.disconnect()
  await admin.alterGroupOffsets({ groupId: 'group-big-lag', topics: [{ topic: 'beta', partitions: [{ partition: 0, offset: 0 }] }] })
  await admin.alterGroupOffsets({ groupId: 'group-small-lag', topics: [{ topic: 'beta', partitions: [{ partition: 0, offset: 15 }] }] })
  await admin.alterGroupOffsets({ groupId: 'group-no-lag', topics: [{ topic: 'beta', partitions: [{ partition: 0, offset: 20 }] }] })
  await admin.disconnect()
}

async function go(hash: string, testId: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${broker.port}/ui/${hash}`)
  await page.getByTestId(testId).waitFor({ timeout: UI_TIMEOUT_MS })
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}fix-${name}.png`, fullPage: false })
}

const topicOrder = (): Promise<string[]> => page.locator('[data-topic]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-topic')!))
const groupOrder = (): Promise<string[]> => page.locator('[data-group]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-group')!))

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const executablePath = ensureChromium()
  broker = await startBrokerProcess()
  const faecie = new Faecie({ brokers: [broker.url], clientId: 'console-fixes-e2e' })
  await seed(faecie)
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, timezoneId: 'Europe/Paris', acceptDownloads: true })
  page = await context.newPage()
  page.on('pageerror', (err) => pageErrors.push(err.message))
}, 20 * 60_000)

afterAll(async () => {
  await browser?.close()
  await broker?.stop()
})

describe('the console after the new-user fixes', () => {
  it('shows the cleanup policy as a value, and sorts topics by any column', async () => {
    await go('#/topics', 'view-topics')
    await page.locator('[data-topic="gamma"]').waitFor({ timeout: UI_TIMEOUT_MS })
    const policies = page.getByTestId('cleanup-policy')
    expect(await policies.allTextContents()).toEqual(['delete', 'compact', 'delete'])
    expect(await policies.evaluateAll((cells) => cells.map((c) => c.closest('button, a[role=button]') === null && c.tagName))).toEqual(['SPAN', 'SPAN', 'SPAN'])
    expect(await page.locator('.thead').textContent()).toContain('Cleanup policy')

    expect(await topicOrder()).toEqual(['alpha', 'beta', 'gamma'])
    await page.getByTestId('sort-records').click()
    await expect.poll(topicOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['gamma', 'alpha', 'beta'])
    await page.getByTestId('sort-records').click()
    await expect.poll(topicOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['beta', 'alpha', 'gamma'])
    expect(await page.getByTestId('sort-records').getAttribute('data-sort')).toBe('desc')
    await page.getByTestId('sort-partitions').click()
    await expect.poll(topicOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['beta', 'gamma', 'alpha'])
    // Retention -1 (forever) sorts above any number of milliseconds.
    await page.getByTestId('sort-retentionMs').click()
    await page.getByTestId('sort-retentionMs').click()
    await expect.poll(topicOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['gamma', 'alpha', 'beta'])
    await shot('topics')
  })

  it('sorts consumer groups by any column', async () => {
    await go('#/groups', 'view-groups')
    await page.locator('[data-group="group-no-lag"]').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await groupOrder()).toEqual(['group-big-lag', 'group-no-lag', 'group-small-lag'])
    await page.getByTestId('sort-totalLag').click()
    await expect.poll(groupOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['group-no-lag', 'group-small-lag', 'group-big-lag'])
    await page.getByTestId('sort-totalLag').click()
    await expect.poll(groupOrder, { timeout: UI_TIMEOUT_MS }).toEqual(['group-big-lag', 'group-small-lag', 'group-no-lag'])
    await shot('groups')
  })

  it('says a topic that does not exist is not found, with no actions', async () => {
    await go('#/topics/no-such-topic', 'topic-not-found')
    expect(await page.getByTestId('topic-not-found').textContent()).toContain('no-such-topic')
    for (const action of ['delete-topic', 'browse-messages']) expect(await page.getByTestId(action).count(), action).toBe(0)
    await shot('topic-not-found')
    await go('#/topics/no-such-topic/messages', 'topic-not-found')
    for (const control of ['load', 'tail-start', 'export']) expect(await page.getByTestId(control).count(), control).toBe(0)
  })

  it('shows record times with their time zone, in UTC or local time', async () => {
    await go('#/topics/beta/messages', 'view-messages')
    await page.getByTestId('zone-utc').click()
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('load').click()
    const first = page.locator('[data-offset="0"][data-partition="0"]')
    await expect.poll(async () => first.textContent(), { timeout: UI_TIMEOUT_MS }).toContain('2026-01-01 00:00:00.000 UTC')
    await page.getByTestId('zone-local').click()
    await expect.poll(async () => first.textContent(), { timeout: UI_TIMEOUT_MS }).toContain('2026-01-01 01:00:00.000 +01:00')
    await first.click()
    expect(await page.getByTestId('detail-time').textContent()).toBe('2026-01-01 01:00:00.000 +01:00')
    await shot('messages-local-time')
    // The choice is kept across a reload.
    await page.reload()
    await page.getByTestId('view-messages').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await page.getByTestId('zone-local').getAttribute('aria-pressed')).toBe('true')
    await page.getByTestId('zone-utc').click()
  })

  it('exports the loaded records as JSON lines, no byte lost', async () => {
    await go('#/topics/alpha/messages', 'view-messages')
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('load').click()
    await page.locator('[data-offset="1"][data-partition="0"]').waitFor({ timeout: UI_TIMEOUT_MS })
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: UI_TIMEOUT_MS }), page.getByTestId('export').click()])
    expect(download.suggestedFilename()).toMatch(/^alpha-.*\.jsonl$/)
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toEqual([
      { topic: 'alpha', partition: 0, offset: 0, timestamp: NEW_YEAR_MS, key: 'a', keyEncoding: 'string', value: 'text record', valueEncoding: 'string', headers: [{ key: 'source', value: 'test' }] },
      { topic: 'alpha', partition: 0, offset: 1, timestamp: NEW_YEAR_MS + 1, key: null, keyEncoding: 'string', value: '/wDD', valueEncoding: 'base64', headers: [] },
    ])
  })

  it('draws the rate charts with a y-axis in records and bytes per second', async () => {
    await go('', 'view-overview')
    const recordsAxis = page.getByTestId('rate-records').getByTestId('y-axis')
    await recordsAxis.waitFor({ timeout: UI_TIMEOUT_MS })
    const recordTicks = await recordsAxis.locator('span').allTextContents()
    expect(recordTicks[0]).toBe('0/s')
    expect(recordTicks.length).toBeGreaterThanOrEqual(2)
    for (const tick of recordTicks) expect(tick).toMatch(/^[\d.]+[kM]?\/s$/)
    const byteTicks = await page.getByTestId('rate-bytes').getByTestId('y-axis').locator('span').allTextContents()
    for (const tick of byteTicks) expect(tick).toMatch(/^[\d.]+ (B|KiB|MiB|GiB)\/s$/)
    await shot('overview-axes')
  })

  it('clears an error box from a broker outage once the broker is back', async () => {
    await go('#/topics', 'view-topics')
    await page.locator('[data-topic="alpha"]').waitFor({ timeout: UI_TIMEOUT_MS })
    await broker.stop()
    await page.getByRole('button', { name: 'Refresh' }).click()
    const error = page.getByTestId('view-topics').getByTestId('error')
    await error.waitFor({ timeout: 60_000 })
    await broker.restart()
    await page.getByTestId('disconnected').waitFor({ state: 'detached', timeout: 60_000 })
    await error.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS })
    await page.locator('[data-topic="alpha"]').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(pageErrors).toEqual([])
  })
})
