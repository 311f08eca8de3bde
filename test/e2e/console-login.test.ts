// The console's login (issue 19), end to end: a real broker process with --auth scram and a
// bootstrap user serves the built console to headless Chromium. The login page appears instead of
// the console; a wrong password shows the broker's error; the right one reaches the topic list; the
// token (and the password) are in neither localStorage nor sessionStorage; logging out revokes the
// token (the HTTP API then refuses it) and shows the login page again. Screenshot:
// docs/screenshots/console-login.png.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'
import { makeTempDir } from '../support/temp-dir.js'

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const UI_TIMEOUT_MS = 20_000
const PASSWORD = 'console-login-secret'

let broker: BrokerProcess
let browser: Browser
let page: Page
const pageErrors: string[] = []

const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const executablePath = ensureChromium()
  const passwordFile = join(makeTempDir('console-login'), 'password')
  writeFileSync(passwordFile, `${PASSWORD}\n`)
  broker = await startBrokerProcess({ args: ['--auth', 'scram', '--bootstrap-user', 'admin', '--bootstrap-password-file', passwordFile] })
  // The topic the list should show, made over the HTTP API with Basic from loopback.
  const created = await fetch(`http://127.0.0.1:${broker.port}/v1/topics`, {
    method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'behind-login', partitions: 1 }),
  })
  expect(created.status).toBe(201)
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } })
  page = await context.newPage()
  page.on('pageerror', (err) => pageErrors.push(err.message))
}, 10 * 60_000)

afterAll(async () => {
  await browser?.close()
  await broker?.stop()
})

describe('the console on a broker that requires a login', () => {
  let token = ''

  it('shows the login page, and the broker\'s error for a wrong password', async () => {
    await page.goto(`http://127.0.0.1:${broker.port}/ui/#/topics`)
    await page.getByTestId('login-form').waitFor({ timeout: UI_TIMEOUT_MS })
    await page.getByTestId('login-user').fill('admin')
    await page.getByTestId('login-password').fill('wrong password')
    await page.getByTestId('login-submit').click()
    const error = page.getByTestId('error')
    await error.waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await error.textContent()).toMatch(/SASL_AUTHENTICATION_FAILED.*wrong password/)
    await page.screenshot({ path: `${SHOTS}console-login.png` })
  })

  it('reaches the topic list with the right password, keeping nothing in browser storage', async () => {
    await page.getByTestId('login-password').fill(PASSWORD)
    const issued = page.waitForResponse((r) => r.url().endsWith('/v1/auth/tokens') && r.status() === 201)
    await page.getByTestId('login-submit').click()
    token = ((await (await issued).json()) as { token: string }).token
    await page.locator('[data-topic="behind-login"]').waitFor({ timeout: UI_TIMEOUT_MS })
    expect(await page.getByTestId('principal').textContent()).toContain('User:admin')
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }))
    expect(stored).not.toContain(token)
    expect(stored).not.toContain(PASSWORD)
    const whoami = await fetch(`http://127.0.0.1:${broker.port}/v1/auth/whoami`, { headers: { authorization: `Bearer ${token}` } })
    expect(whoami.status).toBe(200)
  })

  it('logs out: the token is revoked and the login page is back', async () => {
    await page.getByTestId('logout').click()
    await page.getByTestId('login-form').waitFor({ timeout: UI_TIMEOUT_MS })
    const whoami = await fetch(`http://127.0.0.1:${broker.port}/v1/auth/whoami`, { headers: { authorization: `Bearer ${token}` } })
    expect(whoami.status).toBe(401)
    expect(pageErrors).toEqual([])
  })
})
