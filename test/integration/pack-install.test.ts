// faecie as a user installs it, from the tarballs `pnpm pack` makes (issue 12). Once, for every case:
// pack @faecie/protocol, @faecie/client and faecie (the command, with the broker, bench and console
// inside: packages/cli/scripts/pack-layout.mjs); make a project in a temp dir outside the workspace
// whose package.json names the two library tarballs, and install it with plain npm (third-party
// packages come from the registry, ours only from the tarballs: npm would fail to find them
// anywhere else); install the command's tarball globally into a temp prefix. Then:
// - the project's program (pack-install/app.ts), compiled by tsc, produces and consumes against a
//   real broker process;
// - the program and every entry point (pack-install/entries.ts) type-check, .d.ts files included,
//   under moduleResolution node, node16, nodenext and bundler;
// - Vite bundles a page (pack-install/web/) that runs in headless Chromium against the broker;
// - `faecie --version`, `faecie broker`, `faecie topics create|list` and `faecie perf` run from PATH,
//   and the broker they started says its version in /health and serves the console at /ui.
import { execFile, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { ensureChromium } from '../support/chromium.js'
import { spawnCli } from '../support/cli-process.js'
import { makeTempDir, removeTempDir } from '../support/temp-dir.js'

const run = promisify(execFile)
const REPO = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURE = fileURLToPath(new URL('./pack-install', import.meta.url))
const TSC = join(REPO, 'node_modules/typescript/bin/tsc')
const VITE = join(REPO, 'packages/console/node_modules/vite/bin/vite.js')
/** The packages users install, by folder under packages/. */
const PUBLISHED = ['protocol', 'client', 'cli'] as const
const VERSION = (JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string }).version
const TYPES_NODE_VERSION = (JSON.parse(readFileSync(join(REPO, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string }).version
/** Hang guard for npm installs (registry downloads on a cold cache). */
const INSTALL_TIMEOUT_MS = 5 * 60_000

/** The same settings for every npm run: quiet, no audit, never the workspace's configuration. */
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' }

let root: string
let tarballs: Record<(typeof PUBLISHED)[number], string>
let project: string
let prefix: string
let broker: BrokerProcess

async function pack(name: (typeof PUBLISHED)[number], into: string): Promise<string> {
  const before = new Set(readdirSync(into))
  await run('pnpm', ['pack', '--pack-destination', into], { cwd: join(REPO, 'packages', name), timeout: 120_000 })
  const made = readdirSync(into).filter((f) => f.endsWith('.tgz') && !before.has(f))
  expect(made, `pnpm pack in packages/${name}`).toHaveLength(1)
  return join(into, made[0]!)
}

/** The consumer project: the fixture's sources, the two library tarballs and @types/node. */
async function installProject(): Promise<void> {
  mkdirSync(project)
  cpSync(FIXTURE, project, { recursive: true })
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'pack-install-user', private: true, type: 'module',
    dependencies: { '@faecie/client': `file:${tarballs.client}`, '@faecie/protocol': `file:${tarballs.protocol}` },
    devDependencies: { '@types/node': TYPES_NODE_VERSION },
  }, null, 2))
  await run('npm', ['install', '--prefer-offline', '--no-package-lock'], { cwd: project, env: NPM_ENV, timeout: INSTALL_TIMEOUT_MS })
}

async function installCommand(): Promise<void> {
  await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', tarballs.cli], { cwd: root, env: NPM_ENV, timeout: INSTALL_TIMEOUT_MS })
}

beforeAll(async () => {
  root = makeTempDir('pack')
  const packed = join(root, 'tarballs')
  mkdirSync(packed)
  tarballs = { protocol: '', client: '', cli: '' }
  // One at a time: each pnpm run reads the whole workspace.
  for (const name of PUBLISHED) tarballs[name] = await pack(name, packed)
  project = join(root, 'project')
  prefix = join(root, 'prefix')
  await Promise.all([installProject(), installCommand()])
  broker = await startBrokerProcess()
}, 2 * INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await broker?.stop()
  if (root !== undefined) removeTempDir(root)
})

describe('the tarballs', () => {
  it('carry a README, the license, and types and an import for every export', () => {
    for (const name of PUBLISHED) {
      const tarball = tarballs[name]
      const files = new Set(execFileSyncText('tar', ['tzf', tarball]).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')))
      expect(files, name).toContain('README.md')
      expect(files, name).toContain('LICENSE')
      const manifest = JSON.parse(execFileSyncText('tar', ['xzf', tarball, '-O', 'package/package.json'])) as Manifest
      expect(manifest.version, name).toBe(VERSION)
      expect(manifest.license, name).toBe('Apache-2.0')
      expect(JSON.stringify(manifest), `${name}: no workspace: ranges left`).not.toContain('workspace:')
      for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target === 'string') continue // ./package.json
        expect(files, `${name} ${entry} types`).toContain(target.types.replace(/^\.\//, ''))
        expect(files, `${name} ${entry} default`).toContain(target.default.replace(/^\.\//, ''))
      }
      if (manifest.types !== undefined) expect(files, `${name} types`).toContain(manifest.types.replace(/^\.\//, ''))
      for (const bin of Object.values(manifest.bin ?? {})) expect(files, `${name} bin`).toContain(bin.replace(/^\.\//, ''))
    }
  })
})

describe('@faecie/client installed from its tarball with npm', () => {
  it('produces and consumes against a real broker', async () => {
    await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--outDir', 'out'], { cwd: project, env: NPM_ENV }).catch(failWithOutput('tsc'))
    const { stdout } = await run(process.execPath, ['out/app.js', broker.url, 'from-tarball'], { cwd: project, timeout: 60_000 }).catch(failWithOutput('app.js'))
    expect(JSON.parse(stdout)).toEqual([{ offset: 0, key: 'k1', value: 'hello' }, { offset: 1, key: null, value: 'world' }])
  })

  for (const mode of ['node', 'node16', 'nodenext', 'bundler'] as const) {
    it(`type-checks, its .d.ts files included, under moduleResolution ${mode}`, async () => {
      const config = join(project, `tsconfig.${mode}.json`)
      const module = mode === 'node16' ? 'node16' : mode === 'nodenext' ? 'nodenext' : 'esnext'
      writeFileSync(config, JSON.stringify({
        compilerOptions: {
          target: 'ES2022', lib: ['ES2022'], module, moduleResolution: mode, types: ['node'],
          strict: true, skipLibCheck: false, noEmit: true,
        },
        files: ['app.ts', 'entries.ts'],
      }))
      await run(process.execPath, [TSC, '-p', config], { cwd: project }).catch(failWithOutput(`tsc under moduleResolution ${mode}`))
    })
  }

  it('bundles with Vite and runs in headless Chromium', async () => {
    await run(process.execPath, [VITE, 'build', 'web', '--outDir', '../web-dist', '--emptyOutDir', '--logLevel', 'warn'], { cwd: project, timeout: 120_000 })
      .catch(failWithOutput('vite build'))
    const pages = await serveFolder(join(project, 'web-dist'))
    const pageBroker = await startBrokerProcess({ args: ['--allowed-origins', pages.origin] })
    let browser: Browser | undefined
    try {
      browser = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (err) => errors.push(err.message))
      await page.goto(`${pages.origin}/index.html?broker=${encodeURIComponent(pageBroker.url)}&topic=vite`)
      await page.waitForFunction('window.faecieResult !== undefined', undefined, { timeout: 30_000 }).catch((err: Error) => {
        throw new Error(`the bundled page did not finish: ${errors.join('; ') || err.message}`)
      })
      expect(await page.evaluate('window.faecieResult')).toEqual({ value: 'from the browser' })
    } finally {
      await browser?.close()
      await pageBroker.stop()
      await pages.close()
    }
  })
})

describe('the faecie command installed globally from its tarball', () => {
  /** Runs `faecie` as a shell finds it: the temp prefix's bin first, no workspace folder on PATH. */
  const faecie = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    run('faecie', args, { env: commandEnv(), timeout: 60_000 }).catch(failWithOutput(`faecie ${args.join(' ')}`))

  it('prints its version', async () => {
    expect((await faecie(['--version'])).stdout.trim()).toBe(VERSION)
  })

  it('runs a broker that the client commands and perf tools reach, with its version in /health and the console at /ui', async () => {
    const started = await spawnInstalledBroker(join(root, 'installed-data'))
    try {
      const url = `ws://127.0.0.1:${started.port}`
      const created = await faecie(['topics', 'create', '--topic', 'installed', '--partitions', '2', '--broker', url])
      expect(created.stdout + created.stderr).toContain('installed')
      expect((await faecie(['topics', 'list', '--broker', url])).stdout.split('\n')).toContain('installed')
      const health = (await (await fetch(`http://127.0.0.1:${started.port}/health`)).json()) as { version?: string }
      expect(health.version).toBe(VERSION)
      const consolePage = await fetch(`http://127.0.0.1:${started.port}/ui/`)
      expect(consolePage.status).toBe(200)
      expect(await consolePage.text()).toContain('<title>faecie console</title>')
      const perf = await faecie(['perf', 'produce', '--topic', 'installed', '--records', '200', '--record-size', '10', '--broker', url])
      expect((JSON.parse(perf.stdout) as { records: number }).records).toBe(200)
    } finally {
      await started.stop()
    }
  })
})

interface Manifest {
  version: string
  license: string
  types?: string
  bin?: Record<string, string>
  exports?: Record<string, string | { types: string; default: string }>
}

function execFileSyncText(file: string, args: string[]): string {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

function commandEnv(): NodeJS.ProcessEnv {
  return { ...NPM_ENV, PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':') }
}

/** A failed child process as an error that shows what it printed. */
function failWithOutput(what: string): (err: Error & { stdout?: string; stderr?: string }) => never {
  return (err) => {
    throw new Error(`${what} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  }
}

/**
 * `faecie broker` from PATH on a free port; its port comes from the `broker listening` log line. It
 * runs as a CLI process of test/support/cli-process.ts: killed however the test process ends.
 */
async function spawnInstalledBroker(dataDir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const started = spawnCli(['broker', '--port', '0', '--data-dir', dataDir, '--partition-threads', '1', '--kafka-port', '0'], {
    command: { file: 'faecie', args: [] }, env: commandEnv() as Record<string, string>,
  })
  const listening = (line: string): boolean => line.includes('"broker listening"')
  const stop = async (): Promise<void> => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM')
    await started.exited
  }
  try {
    const lines = await started.waitFor((seen) => seen.some(listening), 60_000)
    return { port: (JSON.parse(lines.find(listening)!) as { port: number }).port, stop }
  } catch (err) {
    started.child.kill('SIGKILL')
    await started.exited
    throw new Error(`\`faecie broker\` did not listen: ${(err as Error).message}\n${started.output().join('\n')}`)
  }
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css' }

/** Serves a folder's files on a free port of 127.0.0.1. */
async function serveFolder(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!)
    let body: Buffer
    try {
      if (path.includes('..')) throw new Error('outside')
      body = readFileSync(join(dir, path))
    } catch {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
