// PeerLinks against a real GatewayServer in cluster mode (its partitions a fake leader, test-leader.ts),
// and against small `ws` servers that misbehave: one that never answers, one that closes mid-request.
// Also the server side of the broker session: hello with `broker`, and who may fetch replicas.
import { decodeFrame, encodeFrame, ErrorCode, FaecieError, PROTOCOL_VERSION } from '@faecie/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { ManualClock } from '../../../../test/support/manual-clock.js'
import { RawClient } from '../../../../test/support/broker-raw-client.js'
import { waitFor } from '../../../../test/support/wait-for.js'
import { silentLogger } from '../log.js'
import { PeerLinks, type PeerLinksOptions } from './peer-links.js'
import { modelRecords, startTestLeader, TEST_BROKER_SECRET, type TestLeader } from './test-leader.js'

const CLUSTER = 'cluster-a'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function links(urls: Record<number, string>, options: Partial<PeerLinksOptions> = {}): { links: PeerLinks; clock: ManualClock } {
  const clock = new ManualClock(1000)
  const l = new PeerLinks({
    self: { brokerId: 2, clusterId: CLUSTER, secret: TEST_BROKER_SECRET }, urlOf: (id) => urls[id], logger: silentLogger(), clock,
    requestTimeoutMs: 5000, reconnectBackoffMinMs: 100, reconnectBackoffMaxMs: 1000, frameBytesMax: 32 * 1024 * 1024, ...options,
  })
  cleanups.push(() => l.closeAll())
  return { links: l, clock }
}

/** A leader in cluster mode with this cluster id; null: a single broker. */
async function leader(clusterId: string | null = CLUSTER): Promise<TestLeader> {
  const l = await startTestLeader({ brokerId: 1, clusterId: clusterId ?? undefined })
  cleanups.push(() => l.close())
  return l
}

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p
  } catch (err) {
    if (err instanceof FaecieError) return err.code
    throw err
  }
  throw new Error('expected a FaecieError')
}

const fetchOf = (fetchOffset: number, extra: { maxWaitMs?: number; brokerId?: number; leaderEpoch?: number } = {}) => ({
  brokerId: extra.brokerId ?? 2, maxWaitMs: extra.maxWaitMs ?? 0, minBytes: 1, maxBytes: 1024 * 1024,
  partitions: [{ topic: 't', partition: 0, fetchOffset, leaderEpoch: extra.leaderEpoch ?? 0 }],
})

/** A ws server speaking just enough of the protocol: hello is answered, then `onRequest` decides. */
async function rawPeer(onRequest: (socket: WebSocket, frame: Record<string, unknown>) => void): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = decodeFrame(data as Buffer) as Record<string, unknown>
      if (frame.op === 'hello') {
        socket.send(encodeFrame({ id: frame.id, protocolVersion: PROTOCOL_VERSION, brokerId: 9, serverVersion: 'raw', clusterId: CLUSTER,
          limits: { frameBytesMax: 1 << 20, batchBytesMax: 1 << 19, inFlightMax: 8, subscriptionsMax: 1, maxWaitMsMax: 1000 } }))
      } else onRequest(socket, frame)
    })
  })
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const c of server.clients) c.terminate()
    server.close(() => resolve())
  }))
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}`
}

describe('PeerLinks with a broker of the same cluster', () => {
  it('says hello as a broker and fetches replicas over one session, reused', async () => {
    const l = await leader()
    l.partitions.log('t', 0).append(3)
    const { links: peers } = links({ 1: l.url })
    const first = await peers.request(1, 'replicaFetch', fetchOf(0))
    expect(first.partitions).toHaveLength(1)
    const p = first.partitions[0]!
    expect(p.error).toBeUndefined()
    expect(p.logEndOffset).toBe(3)
    expect(modelRecords(p.records)).toEqual({ baseOffset: 0, epochs: [0, 0, 0] })
    const second = await peers.request(1, 'offsetsForLeaderEpoch', { brokerId: 2, partitions: [{ topic: 't', partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] })
    expect(second.partitions[0]).toMatchObject({ leaderEpoch: 0, endOffset: 3 })
    expect(l.server.sessions.size).toBe(1)
    expect(peers.openCount).toBe(1)
    expect(l.partitions.fetches).toEqual([['t-0', 2, 0]])
  })

  it('answers per-partition errors inside the answer', async () => {
    const l = await leader()
    l.partitions.log('t', 0).currentEpoch = 4
    const { links: peers } = links({ 1: l.url })
    const older = await peers.request(1, 'replicaFetch', fetchOf(0, { leaderEpoch: 3 }))
    expect(older.partitions[0]!.error?.code).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    const missing = await peers.request(1, 'replicaFetch', { ...fetchOf(0), partitions: [{ topic: 'nope', partition: 0, fetchOffset: 0, leaderEpoch: 0 }] })
    expect(missing.partitions[0]!.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('waits at the log end until the log end moves, then answers with the new records', async () => {
    const l = await leader()
    l.partitions.log('t', 0).append(2)
    const { links: peers } = links({ 1: l.url }, { requestTimeoutMs: 60_000 })
    const polling = peers.request(1, 'replicaFetch', fetchOf(2, { maxWaitMs: 30_000 }), { timeoutMs: 60_000 })
    await waitFor('the first read of the long poll', () => l.partitions.fetches.length === 1)
    // A move of the high watermark alone does not wake a replica's long poll: a woken poll reads
    // again in the same turn of promise jobs (the fake leader answers at once), which this would see.
    for (const listener of l.partitions.listeners) listener('t-0', { logStartOffset: 0, highWatermark: 2, logEndOffset: 2 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(l.partitions.fetches).toHaveLength(1)
    l.partitions.append('t', 0, 1)
    const answer = await polling
    expect(modelRecords(answer.partitions[0]!.records)).toEqual({ baseOffset: 2, epochs: [0] })
    expect(l.partitions.fetches.map((f) => f[2])).toEqual([2, 2])
  })

  it('answers a waiting long poll at once when the broker starts draining', async () => {
    const l = await leader()
    l.partitions.log('t', 0).append(1)
    const { links: peers } = links({ 1: l.url }, { requestTimeoutMs: 60_000 })
    const polling = peers.request(1, 'replicaFetch', fetchOf(1, { maxWaitMs: 30_000 }), { timeoutMs: 60_000 })
    await waitFor('the first read of the long poll', () => l.partitions.fetches.length === 1)
    l.gateway.draining = true
    l.gateway.watch.releaseAll()
    const answer = await polling
    expect(answer.partitions[0]!.error).toBeUndefined()
    expect(answer.partitions[0]!.logEndOffset).toBe(1)
    expect(answer.partitions[0]!.records).toHaveLength(0)
    expect(l.partitions.fetches).toHaveLength(2)
  })

  it('is refused CLUSTER_AUTHORIZATION_FAILED when fetching for another broker id', async () => {
    const l = await leader()
    l.partitions.log('t', 0)
    const { links: peers } = links({ 1: l.url })
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0, { brokerId: 3 })))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
  })
})

describe('the server side of broker sessions', () => {
  it('refuses replica ops on a client session', async () => {
    const l = await leader()
    l.partitions.log('t', 0)
    const client = await RawClient.connect(l.url)
    cleanups.push(() => { void client.close() })
    const answer = await client.request('replicaFetch', fetchOf(0))
    expect(answer.error?.code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    const epochs = await client.request('offsetsForLeaderEpoch', { brokerId: 2, partitions: [{ topic: 't', partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] })
    expect(epochs.error?.code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    expect(l.partitions.fetches).toEqual([])
  })

  it('answers a broker hello of another cluster INCONSISTENT_CLUSTER_ID and closes the session', async () => {
    const l = await leader()
    const client = await RawClient.connect(l.url, { hello: false })
    const answer = await client.request('hello', { protocolVersion: PROTOCOL_VERSION, broker: { brokerId: 2, clusterId: 'other' } })
    expect(answer.error?.code).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID)
    const closed = await client.closed
    expect(closed.code).toBe(4000)
  })

  it('refuses a broker hello of the right cluster id without the cluster\'s broker secret (the id is public), and closes the session', async () => {
    const l = await leader()
    for (const broker of [{ brokerId: 2, clusterId: CLUSTER }, { brokerId: 2, clusterId: CLUSTER, secret: 'guessed' }]) {
      const client = await RawClient.connect(l.url, { hello: false })
      const answer = await client.request('hello', { protocolVersion: PROTOCOL_VERSION, broker })
      expect(answer.error?.code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
      expect((await client.closed).code).toBe(4000)
    }
    const { links: peers } = links({ 1: l.url }, { self: { brokerId: 2, clusterId: CLUSTER, secret: 'guessed' } })
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
    expect(l.partitions.fetches).toEqual([])
  })

  it('a single broker refuses broker hellos, and replica ops', async () => {
    const l = await leader(null)
    const { links: peers } = links({ 1: l.url })
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID)
    const client = await RawClient.connect(l.url)
    cleanups.push(() => { void client.close() })
    expect((await client.request('replicaFetch', fetchOf(0))).error?.code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
  })
})

describe('PeerLinks when the peer is wrong, down, silent or gone', () => {
  it('fails with the hello refusal, then backs off with BROKER_NOT_AVAILABLE until the clock says try again', async () => {
    const l = await leader('another-cluster')
    const { links: peers, clock } = links({ 1: l.url })
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID)
    await waitFor('the refused session to close', () => l.server.sessions.size === 0)
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
    await clock.advance(100)
    // One new attempt once the backoff has passed; it fails the same way, and the backoff doubles.
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID)
    await clock.advance(100)
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
    await clock.advance(100)
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.INCONSISTENT_CLUSTER_ID)
  })

  it('answers BROKER_NOT_AVAILABLE for an unknown broker and an unreachable one', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const { links: peers } = links({ 1: `ws://127.0.0.1:${port}` })
    expect(await codeOf(peers.request(7, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
  })

  it('times a silent peer out with REQUEST_TIMED_OUT and closes the link; the next request opens a new one', async () => {
    const l = await leader()
    l.partitions.log('t', 0)
    l.partitions.hang = true
    const { links: peers, clock } = links({ 1: l.url })
    const silent = peers.request(1, 'replicaFetch', fetchOf(0))
    const code = codeOf(silent)
    await waitFor('the link to open', () => peers.openCount === 1)
    await waitFor('the request to reach the leader', () => l.server.sessions.size === 1 && [...l.server.sessions][0]!.inFlight === 1)
    await clock.advance(5000)
    expect(await code).toBe(ErrorCode.REQUEST_TIMED_OUT)
    expect(peers.openCount).toBe(0)
    l.partitions.hang = false
    const again = await peers.request(1, 'replicaFetch', fetchOf(0))
    expect(again.partitions[0]!.error).toBeUndefined()
  })

  it('fails requests in flight with NETWORK_EXCEPTION when the peer closes mid-request', async () => {
    let seen = 0
    const url = await rawPeer((socket) => {
      seen++
      socket.close(1011, 'going away mid-request')
    })
    const { links: peers } = links({ 1: url })
    const a = codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))
    const b = codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))
    expect(await a).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(await b).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(seen).toBeGreaterThanOrEqual(1)
    // The link was open, so there is no backoff: the next request connects again at once.
    const c = codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))
    expect(await c).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(seen).toBeGreaterThanOrEqual(2)
  })

  it('bounds the requests in flight, and gives up an aborted one at once', async () => {
    const url = await rawPeer(() => undefined) // never answers
    const { links: peers } = links({ 1: url }, { inFlightMax: 3 })
    const controller = new AbortController()
    const first = codeOf(peers.request(1, 'replicaFetch', fetchOf(0), { signal: controller.signal }))
    const second = codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))
    // The hello is one of the three until it is answered.
    await waitFor('the link to open', () => peers.openCount === 1)
    const third = codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.TOO_MANY_IN_FLIGHT)
    controller.abort()
    expect(await first).toBe(ErrorCode.NETWORK_EXCEPTION)
    // Still counted: the peer has not answered it.
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.TOO_MANY_IN_FLIGHT)
    peers.closeAll()
    expect(await second).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(await third).toBe(ErrorCode.NETWORK_EXCEPTION)
    expect(await codeOf(peers.request(1, 'replicaFetch', fetchOf(0)))).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
  })
})
