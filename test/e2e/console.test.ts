// The web console end to end: a real broker process serves the built console at /ui, and headless
// Debian Chromium (installed by test/support/chromium.ts when missing), driven by playwright-core,
// uses it as a person would: the overview, a topic created in the UI (and a bad name refused with
// the broker's error shown readably), a record produced from the UI and found in the message
// browser, a record produced by the CLI arriving in live tail, and a consumer group's lag. Seed
// data (topics, JSON / MessagePack / binary records, a group with committed offsets) is written
// with the Node client first. Each main view is saved to docs/screenshots/ on every run (the
// README shows them). Waits are for what the page shows, with generous timeouts; nothing is timed.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '@faecie/client'
import { encodeFrame } from '@faecie/protocol'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'
import { runCli } from '../support/cli-process.js'

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const UI_TIMEOUT_MS = 20_000

let broker: BrokerProcess
let browser: Browser
let page: Page
let faecie: Faecie
let member: { disconnect(): Promise<void> } | undefined
const pageErrors: string[] = []

async function seed(): Promise<void> {
  const admin = faecie.admin()
  await admin.createTopics({
    topics: [
      { topic: 'orders', numPartitions: 3, config: { 'retention.ms': 7 * 24 * 3600_000 } },
      { topic: 'payments', numPartitions: 2 },
      { topic: 'audit-log', numPartitions: 1, config: { 'retention.ms': -1 } },
      { topic: 'sensor-readings', numPartitions: 4, config: { 'retention.ms': 3600_000 } },
      { topic: 'user-profiles', numPartitions: 2, config: { 'cleanup.policy': 'compact' } },
    ],
  })
  const producer = faecie.producer({ lingerMs: 5 })
  const orders = Array.from({ length: 120 }, (_, i) => ({
    key: `customer-${i % 7}`,
    value: JSON.stringify({ orderId: 1000 + i, customer: `customer-${i % 7}`, items: [{ sku: `SKU-${i % 13}`, qty: 1 + (i % 3) }], total: Math.round((9.99 + i * 1.37) * 100) / 100 }),
    headers: { 'content-type': 'application/json', source: 'web-shop' },
  }))
  await producer.send({ topic: 'orders', messages: orders })
  await producer.send({ topic: 'payments', messages: Array.from({ length: 40 }, (_, i) => ({ key: `pay-${i}`, value: encodeFrame({ paymentId: i, amountCents: 1299 + i, currency: 'EUR', ok: i % 5 !== 0 }) })) })
  await producer.send({ topic: 'sensor-readings', messages: Array.from({ length: 64 }, (_, i) => ({ key: `sensor-${i % 4}`, value: new Uint8Array([0xfe, i, 0x00, 0x7f, i * 3 % 256, 0x10]) })) })
  await producer.send({ topic: 'audit-log', messages: Array.from({ length: 12 }, (_, i) => ({ key: null, value: `user admin changed setting ${i}` })) })
  await producer.disconnect()
  // A group that has read part of `orders`: its lag is what is left.
  await admin.alterGroupOffsets({ groupId: 'billing', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: 10 }, { partition: 1, offset: 5 }, { partition: 2, offset: 0 }] }] })
  await admin.disconnect()
  // A live member of another group, reading `orders`.
  const analytics = faecie.consumer({ groupId: 'analytics' })
  await analytics.subscribe({ topics: ['orders'] })
  await analytics.run({ eachMessage: async () => undefined })
  member = analytics
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false })
}

async function go(hash: string, testId: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${broker.port}/ui/${hash}`)
  await page.getByTestId(testId).waitFor({ timeout: UI_TIMEOUT_MS })
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const executablePath = ensureChromium()
  broker = await startBrokerProcess()
  faecie = new Faecie({ brokers: [broker.url], clientId: 'console-e2e' })
  await seed()
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  page = await browser.newPage({ viewport: { width: 1360, height: 820 } })
  page.on('pageerror', (err) => pageErrors.push(err.message))
}, 20 * 60_000)

afterAll(async () => {
  await member?.disconnect()
  await browser?.close()
  await broker?.stop()
})

describe('the web console in headless Chromium', () => {
  it('serves the console at /ui and shows the overview', async () => {
    await go('', 'view-overview')
    await page.getByText('Brokers').waitFor({ timeout: UI_TIMEOUT_MS })
    // The seeded topics are counted.
    await page.locator('.stat', { hasText: 'Topics' }).getByText('5').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(pageErrors).toEqual([])
  })

  it('shows a bad topic name refused by the broker as a readable error, then creates a topic', async () => {
    await go('#/topics', 'view-topics')
    await page.locator('[data-topic="orders"]').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('new-topic').click()
    const form = page.getByTestId('create-topic-form')
    await form.locator('input[name=topic]').fill('bad name!')
    await form.getByTestId('create-topic-submit').click()
    const error = form.getByTestId('error')
    await error.waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await error.locator('.error-code').textContent()).toMatch(/^[A-Z_]+$/)
    expect(await error.textContent()).toContain('bad name!')

    await form.locator('input[name=topic]').fill('ui-events')
    await form.locator('input[name=partitions]').fill('2')
    await form.getByTestId('create-topic-submit').click()
    await page.getByTestId('view-topic').waitFor({ timeout: UI_TIMEOUT_MS })
    await expect.poll(async () => page.getByTestId('partition-table').locator('tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBe(2)

    await go('#/topics', 'view-topics')
    await page.locator('[data-topic="ui-events"]').waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('topics')
    await page.getByTestId('topic-filter').fill('ui-')
    await expect.poll(async () => page.getByTestId('topic-list').getAttribute('data-count'), { timeout: UI_TIMEOUT_MS }).toBe('1')
  })

  it('produces a record from the UI and finds it in the message browser', async () => {
    await go('#/produce?topic=ui-events', 'view-produce')
    const form = page.getByTestId('produce-form')
    await form.locator('input[name=key]').fill('user-1')
    await form.locator('textarea[name=value]').fill('{"hello": "from the ui", "n": 1}')
    await form.getByTestId('encoding-json').click()
    await form.locator('textarea[name=headers]').fill('source: console\ntrace: abc-123')
    await form.getByTestId('produce-submit').click()
    await page.getByTestId('produce-results').locator('tbody tr').first().waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('produce')

    await go('#/topics/ui-events/messages', 'view-messages')
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('load').click()
    const row = page.getByTestId('message-list').locator('.trow', { hasText: 'from the ui' })
    await row.waitFor({ timeout: UI_TIMEOUT_MS })
    await row.click()
    const detail = page.getByTestId('record-detail')
    await expect.poll(async () => detail.getByTestId('detail-value').textContent(), { timeout: UI_TIMEOUT_MS }).toContain('"hello": "from the ui"')
    expect(await detail.textContent()).toContain('abc-123')
    expect(await detail.getByTestId('detail-key').textContent()).toBe('user-1')
  })

  it('browses a topic page by page, with formats detected and switchable', async () => {
    await go('#/topics/orders/messages', 'view-messages')
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('page-size').selectOption('50')
    await page.getByTestId('load').click()
    const list = page.getByTestId('message-list')
    await expect.poll(async () => list.getAttribute('data-count'), { timeout: UI_TIMEOUT_MS }).toBe('51') // 17 per partition
    await page.getByTestId('next').click()
    await expect.poll(async () => page.getByTestId('page-start').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('from p0@17 p1@17 p2@17')
    await page.getByTestId('prev').click()
    await expect.poll(async () => page.getByTestId('page-start').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('from p0@0 p1@0 p2@0')
    await list.locator('.trow[data-partition="0"][data-offset="0"]').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('message-filter').fill('customer-3')
    await expect.poll(async () => Number(await list.getAttribute('data-count')), { timeout: UI_TIMEOUT_MS }).toBeLessThan(51)
    await list.locator('.trow').first().click()
    await page.getByTestId('record-detail').locator('.badge', { hasText: 'json' }).first().waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('messages')
    await page.getByTestId('detail-format-hex').click()
    expect(await page.getByTestId('detail-value').textContent()).toMatch(/^00000000 {2}7b 22/)
    // Starting at a time: every record is after 1970.
    await page.getByTestId('message-filter').fill('')
    await page.getByTestId('start-kind').selectOption('timestamp')
    await page.getByTestId('start-value').fill('1970-01-02T00:00:00Z')
    await page.getByTestId('load').click()
    await expect.poll(async () => page.getByTestId('page-start').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('from p0@0 p1@0 p2@0')
    await page.getByTestId('start-kind').selectOption('offset')
    await page.getByTestId('start-value').fill('-3')
    await page.getByTestId('load').click()
    await expect.poll(async () => page.getByTestId('error').textContent(), { timeout: UI_TIMEOUT_MS }).toContain('whole number')

    await go('#/topics/payments/messages', 'view-messages')
    await page.getByTestId('start-kind').selectOption('earliest')
    await page.getByTestId('load').click()
    await page.getByTestId('message-list').locator('.trow').first().click()
    await expect.poll(async () => page.getByTestId('record-detail').textContent(), { timeout: UI_TIMEOUT_MS }).toContain('msgpack')
    expect(await page.getByTestId('detail-value').textContent()).toContain('"currency": "EUR"')
  })

  it('shows a record produced by the CLI in live tail', async () => {
    await go('#/topics/ui-events/messages', 'view-messages')
    await page.getByTestId('tail-start').click()
    await page.getByTestId('tail-pause').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByText('Waiting for new records').waitFor({ timeout: UI_TIMEOUT_MS })
    const produced = await runCli(['produce', '--topic', 'ui-events'], { env: { FAECIE_BROKER: broker.url }, stdin: 'hello from the cli\n' })
    expect(produced.code, produced.stderr).toBe(0)
    await page.getByTestId('message-list').locator('.trow', { hasText: 'hello from the cli' }).waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('tail-pause').click()
    await page.getByText('▶ Resume').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('tail-stop').click()
  })

  it("shows a consumer group's lag, and previews a reset", async () => {
    await go('#/groups', 'view-groups')
    const row = page.getByTestId('group-table').locator('[data-group="billing"]')
    await row.waitFor({ timeout: UI_TIMEOUT_MS })
    // orders has 120 records; billing committed 10 + 5 + 0 of them.
    await expect.poll(async () => row.locator('td').last().textContent(), { timeout: UI_TIMEOUT_MS }).toBe('105')
    await row.getByRole('link').click()
    await page.getByTestId('view-group').waitFor({ timeout: UI_TIMEOUT_MS })
    await expect.poll(async () => page.getByTestId('total-lag').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('105')
    expect(await page.getByTestId('lag-table').locator('tbody tr').count()).toBe(3)
    await page.getByTestId('reset-kind').selectOption('latest')
    await page.getByTestId('reset-preview').click()
    await page.getByTestId('reset-plan').waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('groups')
    await page.getByTestId('reset-apply').click()
    await expect.poll(async () => page.getByTestId('total-lag').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('0')
  })

  it('shows the topic detail and deletes a topic after confirmation', async () => {
    await go('#/topics/orders', 'view-topic')
    await expect.poll(async () => page.getByTestId('partition-table').locator('tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBe(3)
    await page.getByTestId('topic-config').getByText('retention.ms', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('topic')

    // Alter a config key, and grow a topic.
    await page.getByTestId('edit-retention.ms').click()
    await page.getByTestId('config-value').fill('86400000')
    await page.getByTestId('config-value').press('Enter')
    const retentionRow = page.getByTestId('topic-config').locator('tr', { has: page.getByText('retention.ms', { exact: true }) })
    await expect.poll(async () => retentionRow.textContent(), { timeout: UI_TIMEOUT_MS }).toContain('86400000 (24h)')
    await expect.poll(async () => page.locator('.stat', { hasText: 'Retention' }).locator('.stat-value').textContent(), { timeout: UI_TIMEOUT_MS }).toBe('24h')
    await go('#/topics/payments', 'view-topic')
    await expect.poll(async () => page.getByTestId('partition-table').locator('tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBe(2)
    await page.getByTestId('partition-count').fill('3')
    await page.getByTestId('partition-count').press('Enter')
    await expect.poll(async () => page.getByTestId('partition-table').locator('tbody tr').count(), { timeout: UI_TIMEOUT_MS }).toBe(3)

    await go('#/topics/audit-log', 'view-topic')
    await page.getByTestId('delete-topic').click()
    await page.getByTestId('confirm-input').fill('audit-log')
    await page.getByTestId('confirm-button').click()
    await page.getByTestId('view-topics').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.locator('[data-topic="orders"]').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await page.locator('[data-topic="audit-log"]').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('shows a banner while the broker is down, and recovers when it is back', async () => {
    await go('', 'view-overview')
    await page.getByText('Brokers').waitFor({ timeout: UI_TIMEOUT_MS })
    // The overview's picture is taken last, when the rate charts have the other tests' traffic.
    await page.getByTestId('rate-records').waitFor({ timeout: UI_TIMEOUT_MS })
    await shot('overview')
    await broker.stop()
    await page.getByTestId('disconnected').waitFor({ timeout: 60_000 })
    await broker.restart()
    await page.getByTestId('disconnected').waitFor({ state: 'detached', timeout: 60_000 })
    await page.locator('.stat', { hasText: 'Topics' }).waitFor({ timeout: UI_TIMEOUT_MS })
    expect(pageErrors).toEqual([])
  })
})
