// A real broker process started with `--fault-injection FILE` (issue 15), its plan rewritten by the
// test as the nemesis does (a temporary file renamed over FILE): a write error makes produces fail
// with the retriable KAFKA_STORAGE_ERROR and writes resume once it is cleared; a failing fsync on a
// flush `always` topic is never acknowledged; an fsync delay holds acknowledgements until it is
// lifted; a clock offset moves what the broker stamps and reports from Date.now (a LogAppendTime
// topic's append time on the partition thread, /health's uptime on the main thread); a malformed
// plan keeps the one before it. The flag is refused under NODE_ENV=production.
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { runBrokerToExit, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { batchOf, firstPartition, produceFrame, RawClient, readAll, type Frame } from '../support/broker-raw-client.js'
import { makeTempDir } from '../support/temp-dir.js'
import { waitFor } from '../support/wait-for.js'

/** Far beyond the test's own run time, so a moved clock cannot be mistaken for elapsed time. */
const CLOCK_OFFSET_MS = 30 * 24 * 3_600_000

let broker: BrokerProcess
let client: RawClient
let planFile: string

beforeAll(async () => {
  planFile = join(makeTempDir('fault-plan'), 'plan.json')
  broker = await startBrokerProcess({ args: ['--fault-injection', planFile] })
  client = await RawClient.connect(broker.url)
  for (const topic of ['w', 'f', 'd', 'd2']) await createTopic(topic, { flush: 'always' })
  await createTopic('stamped', { 'message.timestamp.type': 'LogAppendTime' })
})

// A test that fails half-way must not leave its fault in force for the next one.
afterEach(() => setPlan({}))

afterAll(async () => {
  await client?.close()
  await broker?.stop()
})

async function createTopic(topic: string, config: Record<string, string>): Promise<void> {
  const created = await client.request('createTopics', { topics: [{ topic, numPartitions: 1, config }] })
  expect(created.topics[0].error).toBeUndefined()
}

/** Writes the plan atomically, as the nemesis does. */
function setPlan(plan: object | string): void {
  writeFileSync(`${planFile}.tmp`, typeof plan === 'string' ? plan : JSON.stringify(plan))
  renameSync(`${planFile}.tmp`, planFile)
}

async function produce(topic: string, tag: string): Promise<Frame> {
  return firstPartition(await client.request('produce', produceFrame(topic, 0, batchOf(tag, 2))))
}

function logged(text: string): boolean {
  return broker.logs().some((line) => line.includes(text))
}

describe('--fault-injection', () => {
  it('is announced with a warning at start', () => {
    expect(logged('fault injection ON')).toBe(true)
  })

  it('writeError ENOSPC: produces fail retriably; a malformed plan keeps it; writes resume once cleared', async () => {
    expect((await produce('w', 'before')).error).toBeUndefined()
    setPlan({ writeError: 'ENOSPC' })
    let n = 0
    const refused = await waitFor('a produce refused by the injected ENOSPC', async () => {
      const tag = `during${n++}`
      const p = await produce('w', tag)
      return p.error === undefined ? undefined : { ...p.error, tag }
    })
    expect(refused).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true })
    expect(refused.message).toContain('ENOSPC')
    setPlan('{"writeError": nul')
    await waitFor('the malformed plan to be refused', () => logged('fault plan refused'))
    expect((await produce('w', 'still')).error).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR })
    setPlan({})
    const resumed = await waitFor('produces to resume once the plan is cleared', async () => {
      const p = await produce('w', 'after')
      return p.error === undefined ? p : undefined
    })
    const read = await readAll(client, 'w', 0)
    expect(read.values.slice(0, 2)).toEqual(['before-0', 'before-1'])
    expect(read.values.slice(resumed.baseOffset, resumed.baseOffset + 2)).toEqual(['after-0', 'after-1'])
    expect(read.values).not.toContain(`${refused.tag}-0`)
  })

  it('fsyncError EIO on a flush-always topic: the produce is not acknowledged; writes resume once cleared', async () => {
    expect((await produce('f', 'before')).error).toBeUndefined()
    setPlan({ fsyncError: 'EIO' })
    const acked: string[] = ['before-0', 'before-1']
    let n = 0
    // Until the partition thread sees the plan, produces are acknowledged (and recorded as such).
    const failed = await waitFor('a produce whose fsync failed', async () => {
      const tag = `during${n++}`
      const p = await produce('f', tag)
      if (p.error === undefined) acked.push(`${tag}-0`, `${tag}-1`)
      return p.error === undefined ? undefined : { tag, error: p.error }
    })
    expect(failed.error).toMatchObject({ code: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true })
    expect(failed.error.message).toContain('EIO')
    // The partition thread's log line may reach this process after the produce's answer does.
    await waitFor('the partition thread to log the failing fsync', () => logged('fault injection: fsyncs fail'))
    setPlan({})
    const resumed = await waitFor('produces to resume once fsyncs succeed again', async () => {
      const p = await produce('f', 'after')
      return p.error === undefined ? p : undefined
    })
    const read = await readAll(client, 'f', 0)
    // Every acknowledged record is there, in order, and the new ones after whatever the failure left.
    expect(read.values.filter((v) => acked.includes(v))).toEqual(acked)
    expect(read.values.slice(resumed.baseOffset, resumed.baseOffset + 2)).toEqual(['after-0', 'after-1'])
  })

  it('fsyncDelayMs: an acknowledgement waits until the delay is lifted', async () => {
    setPlan({ fsyncDelayMs: 60_000 })
    // Produce until the partition thread is seen delaying an fsync: from then on it delays them all.
    await waitFor('an fsync delayed on the partition thread', async () => {
      await Promise.race([produce('d', 'probe'), new Promise((resolve) => setTimeout(resolve, 200))])
      return logged('fault injection: fsyncs delayed')
    })
    // A produce to a fresh topic on the same thread: its fsync is delayed like every other.
    let lifted = false
    const held = produce('d2', 'held').then((p) => ({ p, lifted }))
    // Appended, not yet durable: the log end is past the high watermark.
    await waitFor('the held produce appended but not yet durable', async () => {
      const described = await client.request('describeTopics', { topics: ['d2'] })
      const row = described.topics[0].partitions[0]
      return row.logEndOffset > row.highWatermark
    })
    lifted = true
    setPlan({})
    const answer = await held
    expect(answer.p.error).toBeUndefined()
    expect(answer.lifted).toBe(true)
  })

  it('clockOffsetMs: the partition thread stamps and the main thread reports the moved time', async () => {
    const before = Date.now()
    setPlan({ clockOffsetMs: CLOCK_OFFSET_MS })
    const stamped = await waitFor('a LogAppendTime stamped with the moved clock', async () => {
      const p = await produce('stamped', 'late')
      return p.logAppendTime >= before + CLOCK_OFFSET_MS ? p : undefined
    })
    expect(stamped.error).toBeUndefined()
    const health = await waitFor('/health uptime with the moved clock', async () => {
      const h = await (await fetch(`http://127.0.0.1:${broker.port}/health`)).json() as { uptimeMs: number }
      return h.uptimeMs >= CLOCK_OFFSET_MS ? h : undefined
    })
    expect(health.uptimeMs).toBeGreaterThanOrEqual(CLOCK_OFFSET_MS)
    setPlan({})
    await waitFor('the clock back', async () => {
      const p = await produce('stamped', 'back')
      return p.logAppendTime < before + CLOCK_OFFSET_MS
    })
  })
})

describe('--fault-injection under NODE_ENV=production', () => {
  it('is refused with a clear message and exit code 2', () => {
    const dataDir = makeTempDir('fault-prod')
    const run = runBrokerToExit(['--fault-injection', join(dataDir, 'plan.json'), '--data-dir', dataDir, '--port', '0'], { env: { NODE_ENV: 'production' } })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--fault-injection is for test harnesses and is refused when NODE_ENV=production')
  })
})
