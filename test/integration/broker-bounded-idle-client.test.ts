// An idle client and the broker's idle timeout (issue 10): the broker closes a session with no
// request in flight and no subscription after sessionIdleMsMax (close code 4007). @faecie/client
// must take that as routine: the producer's (and the admin's) next request opens a new session
// and succeeds, with no error surfacing to the application.
import { afterEach, expect, it } from 'vitest'
import { Faecie } from '../../packages/client/src/node.js'
import { scrapeSample, startWithLimits, stopStartedBrokers } from '../support/abusive-clients.js'
import { waitFor } from '../support/wait-for.js'

afterEach(stopStartedBrokers)

it('a producer and an admin closed for idling reconnect on their next request without an error', { timeout: 60_000 }, async () => {
  const broker = await startWithLimits({ helloTimeoutMs: 300, sessionIdleMsMax: 300 })
  const faecie = new Faecie({ brokers: [broker.url], clientId: 'idle-client' })
  const admin = faecie.admin()
  const producer = faecie.producer()
  try {
    await admin.createTopics({ topics: [{ topic: 'idle', numPartitions: 1 }] })
    const first = await producer.send({ topic: 'idle', messages: [{ value: 'before' }] })
    expect(first[0]!.baseOffset).toBe(0)
    const idleClosed = async (): Promise<number> => await scrapeSample(broker.port, 'faecie_sessions_closed_total', { reason: 'idle_timeout' }) ?? 0
    // Both sessions (the producer's and the admin's) go idle and are closed by the broker.
    await waitFor('the idle sessions closed by the broker', async () => await idleClosed() >= 2)

    const second = await producer.send({ topic: 'idle', messages: [{ value: 'after' }] })
    expect(second[0]!.baseOffset).toBe(1)
    const offsets = await admin.fetchTopicOffsets('idle')
    expect(offsets.map((o) => o.high)).toEqual([2])
  } finally {
    await producer.disconnect()
    await admin.disconnect()
  }
})
