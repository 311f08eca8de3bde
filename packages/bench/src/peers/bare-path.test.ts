// The bare path's pieces end to end (from dist: `pnpm run build`): its server with the worker
// thread, a subscriber and a producer process; every record comes back, the warm-up not counted,
// and the figures are in order (no timing is asserted). The variants' names and the run lengths.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUICK } from '../suite/profile.js'
import { type Started, killEverything, sleep, startProcess } from '../suite/processes.js'
import { barePathRun, latencyRecordsAt, latencyVariant, latencyWarmupRecordsAt } from './bare-path.js'

const dist = (name: string): string => fileURLToPath(new URL(`../../dist/peers/${name}`, import.meta.url))
let server: Started
let url: string

beforeAll(async () => {
  server = startProcess(process.execPath, [dist('bare-path-server.js'), '--port', '0'])
  for (let i = 0; i < 300 && url === undefined; i++) {
    const m = /listening (\d+)/.exec(server.output())
    if (m !== null) url = `ws://127.0.0.1:${m[1]}`
    else await sleep(50)
  }
  if (url === undefined) throw new Error(`the bare path server did not start: ${server.output()}`)
})

afterAll(async () => {
  await server?.stop()
  killEverything()
})

describe('the bare path', () => {
  it('brings every record from the producer process through the worker thread to the subscriber process', async () => {
    const result = await barePathRun(dist('bare-path-peer.js'), url, 2000, 200, 30_000)
    expect(result.records).toBe(200)
    expect(result.p50Ms).toBeGreaterThan(0)
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms)
    expect(result.p999Ms).toBeLessThanOrEqual(result.maxMs)
  })

  it('names its variants by rate and runs as long at every rate', () => {
    expect(latencyVariant(5000)).toBe('rate 5000')
    expect(latencyVariant(50000, 'push', 'flush never', '2 processes')).toBe('rate 50000, push, flush never, 2 processes')
    expect(latencyRecordsAt(QUICK, 50_000)).toBe(QUICK.latencyRecords)
    expect(latencyRecordsAt(QUICK, 5_000)).toBe(QUICK.latencyRecords / 10)
    expect(latencyWarmupRecordsAt(5_000)).toBe(2_500)
  })
})
