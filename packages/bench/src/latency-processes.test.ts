// `runLatency` with the consumer in a child process (latency-processes.ts, latency-child.ts), end to
// end against a real broker: few records at a low rate, push and fetch, a warm-up, and every record
// comes back (no timing is asserted: two cores are shared). The child runs from dist (`pnpm run build`),
// as does the bench's own latency process (peers/faecie-latency-peer.ts), tested last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Faecie } from '@faecie/client'
import { startBrokerProcess, type BrokerProcess } from '../../../test/support/broker-process.js'
import { runLatency } from './latency.js'
import { latencyInItsOwnProcess } from './peers/faecie.js'
import type { WorkloadContext } from './workload.js'

let broker: BrokerProcess
let context: WorkloadContext

beforeAll(async () => {
  broker = await startBrokerProcess()
  context = { newClient: () => new Faecie({ brokers: [broker.url], clientId: 'latency-test' }), connected: (work) => work }
})

afterAll(async () => {
  await broker?.stop()
})

describe('runLatency in two processes', () => {
  for (const mode of ['push', 'fetch'] as const) {
    it(`gets back every record in ${mode} mode, the warm-up not counted`, async () => {
      const topic = `latency-2p-${mode}`
      const admin = context.newClient().admin()
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] })
      await admin.disconnect()
      const result = await runLatency({ topic, records: 200, rate: 2000, recordBytes: 100, mode, timeoutMs: 30_000, processes: 2, brokers: [broker.url], warmupRecords: 20 }, context)
      expect(result.records).toBe(200)
      expect(result.p50Ms).toBeGreaterThan(0)
      expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms)
      expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs)
    })
  }

  it('runs in a fresh process of its own for the bench, the consumer in its child, and reports every figure', async () => {
    const topic = 'latency-own-process'
    const admin = context.newClient().admin()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, config: { flush: 'never' } }] })
    await admin.disconnect()
    const figures = await latencyInItsOwnProcess(broker.url, topic, { records: 200, rate: 2000, mode: 'push', processes: 2, warmupRecords: 20 }, 30_000)
    expect(figures.recordsPerSec).toBeGreaterThan(0)
    expect(figures.p50Ms).toBeGreaterThan(0)
    expect(figures.p50Ms!).toBeLessThanOrEqual(figures.p99Ms!)
    expect(figures.p999Ms!).toBeLessThanOrEqual(figures.maxMs!)
  })

  it('needs the brokers\' addresses', async () => {
    await expect(runLatency({ topic: 'x', records: 1, rate: 1, recordBytes: 100, mode: 'push', timeoutMs: 1000, processes: 2 }, context)).rejects.toThrow(/brokers/)
  })
})
