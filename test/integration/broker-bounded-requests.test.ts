// What requests in flight hold is bounded by more than their frames' bytes (issue 10): a produce
// naming 9,999 partitions of one small record each is a ~1 MB frame, but the broker holds ~6 KB for
// every partition while it is in flight (a message to a partition thread, promises, the answer).
// Each request is counted as its frame plus REQUEST_ITEM_BYTES per topic and partition against
// sessionRequestBytesMax and requestBytesInFlightMax, so sessions pipelining such frames stop being
// read instead of growing the broker (before: 20 such frames, on one session or two, took it up by
// 1.2 GB; now ~250 MB).
import { afterEach, expect, it } from 'vitest'
import { encodeFrame, PROTOCOL_VERSION } from '@faecie/protocol'
import {
  brokerRssBytes, health, openNonReadingWebSocket, ordinaryTraffic, roundTrip, startWithLimits, stopStartedBrokers, watchBroker,
} from '../support/abusive-clients.js'
import { batchOf, RawClient } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const MiB = 1024 * 1024
const RSS_MARGIN_BYTES = 160 * MiB
const LIMITS = { sessionRequestBytesMax: 64 * MiB, requestBytesInFlightMax: 128 * MiB }
/** What the broker counts for each partition a request names (gateway/limits.ts), about what it holds. */
const REQUEST_ITEM_BYTES = 6 * 1024

afterEach(stopStartedBrokers)

it('bounds what pipelined requests naming thousands of partitions hold', { timeout: 180_000 }, async () => {
  const broker = await startWithLimits(LIMITS)
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 'wide', numPartitions: 1024 }, { topic: 'steady' }] })
  await roundTrip(client, 'steady', 'warm')
  const SESSIONS = 2
  const FRAMES = 10
  const ITEMS = 9_999
  // Past its bound a session stops being read, but every session may always have one request in
  // flight, and one more arrives before it stops: each holds at most about three requests' worth.
  const requestBytes = ITEMS * REQUEST_ITEM_BYTES
  const rssMax = brokerRssBytes(broker.pid) + SESSIONS * 3 * requestBytes + RSS_MARGIN_BYTES
  const watch = watchBroker(broker, rssMax)

  const batch = batchOf('w', 1)
  const frames = [encodeFrame({ id: 0, op: 'hello', protocolVersion: PROTOCOL_VERSION }).slice()]
  for (let id = 1; id <= FRAMES; id++) {
    frames.push(encodeFrame({ id, op: 'produce', acks: 1, topics: [{ topic: 'wide',
      partitions: Array.from({ length: ITEMS }, (_, i) => ({ partition: i % 1024, records: batch })) }] }).slice())
  }
  const abuse = (async () => {
    // The abusers read nothing, but their answers are small: what they hold is their requests.
    const sockets = await Promise.all(Array.from({ length: SESSIONS }, () => openNonReadingWebSocket(broker.port, frames)))
    const appended = SESSIONS * FRAMES * Math.floor(ITEMS / 1024)
    await waitFor('every frame appended', async () => {
      const answer = await client.request('listOffsets', { topics: [{ topic: 'wide', partitions: [{ partition: 1023, timestamp: -1 }] }] })
      return (answer.topics[0].partitions[0].offset as number) >= appended
    }, { timeoutMs: 150_000, intervalMs: 200 })
    for (const socket of sockets) socket.destroy()
  })()
  const rounds = await ordinaryTraffic(client, 'steady', abuse)
  await abuse
  const { rssPeakBytes, problems } = await watch.stop()
  expect(problems).toEqual([])
  expect(rssPeakBytes).toBeLessThanOrEqual(rssMax)
  expect(rounds).toBeGreaterThan(0)
  await waitFor('the abusers gone', async () => (await health(broker.port)).sessions === 1)
  await roundTrip(client, 'steady', 'after')
  await client.close()
})
