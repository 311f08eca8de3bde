// The broker process itself: its flags (bad ones exit 2 with a message), --auto-create-topics, and a
// SIGTERM while requests are in flight: long polls are answered, produces in flight are answered and
// kept, sessions close with 4004, the process exits 0 and the next start needs no recovery.
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { runBrokerToExit, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { waitFor } from '../support/wait-for.js'
import { batchOf, fetchFrame, firstPartition, produceFrame, RawClient, readAll } from '../support/broker-raw-client.js'
import { writeTempFile } from '../support/temp-dir.js'

let broker: BrokerProcess | undefined

afterEach(async () => {
  await broker?.stop()
  broker = undefined
})

describe('the command line', () => {
  it('exits 2 with a message on an unknown flag or a bad value, 0 on --help', () => {
    for (const args of [['--no-such-flag'], ['--port', 'eighty'], ['--config', '/nonexistent/faecie.json']]) {
      const run = runBrokerToExit(args)
      expect(run.status, args.join(' ')).toBe(2)
      expect(run.stderr).toContain('faecie broker:')
      expect(run.stderr).toContain('Usage:')
    }
    const help = runBrokerToExit(['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--auto-create-topics')
  })
})

describe('--auto-create-topics', () => {
  it('creates a topic on its first produce or metadata request', async () => {
    broker = await startBrokerProcess({ args: ['--auto-create-topics'] })
    const client = await RawClient.connect(broker.url)
    const produced = firstPartition(await client.request('produce', produceFrame('fresh', 0, batchOf('f'))))
    expect(produced.error).toBeUndefined()
    expect(produced.baseOffset).toBe(0)
    const meta = await client.request('metadata', { topics: ['fresh', 'looked-up'] })
    expect(meta.topics.map((t: any) => [t.topic, t.partitions.length, t.error])).toEqual([['fresh', 1, undefined], ['looked-up', 1, undefined]])
    const missingPartition = firstPartition(await client.request('produce', produceFrame('fresh', 3, batchOf('f'))))
    expect(missingPartition.error.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const illegal = firstPartition(await client.request('produce', produceFrame('no good', 0, batchOf('f'))))
    expect(illegal.error.code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    await client.close()
  })
})

describe('SIGTERM', () => {
  it('drains requests in flight, closes sessions with 4004, exits 0, and restarts clean', async () => {
    // Long polls may wait five minutes here, past the test's own timeout: the poll below, answered
    // at all, was answered by the drain.
    broker = await startBrokerProcess({ args: ['--config', writeTempFile('config', 'broker.json', { limits: { maxWaitMsMax: 300_000 } })] })
    const poller = await RawClient.connect(broker.url)
    const producer = await RawClient.connect(broker.url)
    await producer.request('createTopics', { topics: [{ topic: 'drain' }, { topic: 'quiet' }] })
    const poll = poller.request('fetch', fetchFrame('quiet', 0, 0, { maxWaitMs: 300_000, minBytes: 1 }), 120_000)
    const acked: string[] = []
    let refused = 0
    let sending = true
    const pipeline = Promise.all(Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; sending; i++) {
        const tag = `l${lane}-${i}`
        let answer
        try {
          answer = await producer.request('produce', produceFrame('drain', 0, batchOf(tag, 1)), 20_000)
        } catch {
          return
        }
        if (answer.error?.code === ErrorCode.SHUTTING_DOWN) { refused++; return }
        expect(firstPartition(answer).error).toBeUndefined()
        acked.push(`${tag}-0`)
      }
    }))
    // SIGTERM once produces are flowing on every lane.
    await waitFor('produces acknowledged', () => acked.length >= 16)
    const stopped = broker.stop()
    const polled = await poll
    expect(polled.error).toBeUndefined()
    expect((await poller.closed).code).toBe(4004)
    sending = false
    await pipeline
    await stopped
    expect(broker.exitCode).toBe(0)
    expect(broker.logs().some((l) => l.includes('broker stopped'))).toBe(true)
    expect(acked.length).toBeGreaterThan(0)
    expect(refused + acked.length).toBeGreaterThan(0)

    await broker.restart()
    expect(broker.logs().filter((l) => l.includes('partition log recovered'))).toEqual([])
    const reader = await RawClient.connect(broker.url)
    const { values } = await readAll(reader, 'drain', 0)
    for (const v of acked) expect(values).toContain(v)
    await reader.close()
  })
})
