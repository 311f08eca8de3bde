// What a netns topology leaves behind when its process ends without close(): nothing when the process
// exits or is ended by SIGTERM (the exit hook of test/support/temp-dir.ts closes it), and, when it is
// killed with SIGKILL (no hook runs), namespaces and a link that the next topology made on the
// machine removes before building its own (their names carry the dead owner's pid).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, onTestProcessExit } from '../../support/temp-dir.js'
import { waitFor } from '../../support/wait-for.js'
import { leftovers } from './netns-names.js'
import { NetnsTopology } from './netns-topology.js'
import { netnsUnavailable } from './topologies.js'

const reason = netnsUnavailable()
if (reason !== undefined) console.warn(`netns cleanup tests skipped: ${reason}`)

/** A process that builds a topology, prints its tag, then exits (`exit`) or waits to be killed (`wait`). */
const OWNER = `
import { NetnsTopology } from ${JSON.stringify(fileURLToPath(new URL('./netns-topology.ts', import.meta.url)))}
const topology = NetnsTopology.create({ brokerIds: [1, 2] })
process.stdout.write(topology.tag + '\\n')
if (process.argv[2] === 'exit') process.exit(0)
setInterval(() => {}, 60_000)
`

describe.skipIf(reason !== undefined)('netns topology of a process that ends without close()', () => {
  let script: string
  const children: ChildProcess[] = []

  beforeAll(() => {
    const dir = makeTempDir('netns-owner')
    script = join(dir, 'owner.mjs')
    buildSync({ stdin: { contents: OWNER, loader: 'ts', resolveDir: dir }, bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'warning' })
    onTestProcessExit(() => children.forEach((child) => child.kill('SIGKILL')))
  })

  afterAll(() => children.forEach((child) => child.kill('SIGKILL')))

  /** Starts an owner that waits, and its tag once its topology is built. */
  async function waitingOwner(): Promise<{ child: ChildProcess; tag: string }> {
    const child = spawn(process.execPath, [script, 'wait'], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (text: string) => { out += text })
    const tag = await waitFor('the owner process built its topology', () => {
      if (child.exitCode !== null) throw new Error(`owner exited ${child.exitCode}`)
      return out.includes('\n') ? out.trim() : undefined
    })
    expect(leftovers(tag)).toHaveLength(5)
    return { child, tag }
  }

  async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }

  it('removes everything when the process exits', () => {
    const run = spawnSync(process.execPath, [script, 'exit'], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    const tag = run.stdout.trim()
    expect(tag).toMatch(/^fz\d+t0$/)
    expect(leftovers(tag)).toEqual([])
  })

  it('removes everything when the process gets SIGTERM', async () => {
    const { child, tag } = await waitingOwner()
    await end(child, 'SIGTERM')
    expect(leftovers(tag)).toEqual([])
  })

  it('after SIGKILL, the next topology made removes what the dead process left', async () => {
    const { child, tag } = await waitingOwner()
    await end(child, 'SIGKILL')
    expect(leftovers(tag)).toHaveLength(5)
    const next = NetnsTopology.create({ brokerIds: [1] })
    try {
      expect(leftovers(tag)).toEqual([])
    } finally {
      await next.close()
    }
  })
})
