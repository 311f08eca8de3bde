// The broker session's fencing on a manual clock, against a scripted lease: fenced one timeout after
// the last keep-alive that succeeded was *sent* (not answered), unfenced when a later one succeeds,
// lost for good when etcd says the lease is gone, and revoked on close.
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../../../test/support/manual-clock.js'
import { silentLogger } from '../log.js'
import { BrokerSession } from './broker-session.js'
import { ScriptedLease } from './test-lease.js'

const TIMEOUT_MS = 6000
const INTERVAL_MS = 2000

let session: BrokerSession | undefined
afterEach(async () => { await session?.close() })

async function started(wall?: { nowMs: number }): Promise<{ clock: ManualClock; lease: ScriptedLease; events: string[]; session: BrokerSession }> {
  const clock = new ManualClock(1_000)
  const lease = new ScriptedLease(clock)
  const s = new BrokerSession({ granter: async () => lease, sessionTimeoutMs: TIMEOUT_MS, clock, logger: silentLogger(),
    ...(wall === undefined ? {} : { wallNow: () => wall.nowMs }) })
  const events: string[] = []
  for (const event of ['fenced', 'unfenced', 'lost']) s.on(event, () => events.push(`${event}@${clock.now()}`))
  await s.start()
  session = s
  return { clock, lease, events, session: s }
}

describe('BrokerSession', () => {
  it('sends a keep-alive every third of the timeout and stays live while they succeed', async () => {
    const { clock, lease, events, session } = await started()
    for (let i = 1; i <= 10; i++) {
      await clock.advance(INTERVAL_MS)
      expect(lease.pending.map((p) => p.sentMs)).toEqual([1_000 + i * INTERVAL_MS])
      await lease.answerAll()
      expect(session.lastRenewalSentMs).toBe(1_000 + i * INTERVAL_MS)
    }
    expect(session.state).toBe('live')
    expect(events).toEqual([])
  })

  it('fences itself one timeout after the last successful keep-alive was sent, though its answer came late', async () => {
    const { clock, lease, events, session } = await started()
    await clock.advance(INTERVAL_MS) // keep-alive sent at 3000
    await clock.advance(INTERVAL_MS - 1) // its answer arrives at 4999: counts from 3000
    await lease.answerAll()
    // Every later keep-alive fails to get through.
    await clock.advance(1)
    lease.pending.splice(0).forEach((p) => p.fail(new Error('unavailable')))
    await clock.advance(TIMEOUT_MS - INTERVAL_MS - 1) // 8999
    expect(events).toEqual([])
    expect(session.fenced).toBe(false)
    await clock.advance(1) // 9000 = 3000 + 6000
    expect(events).toEqual(['fenced@9000'])
    expect(session.state).toBe('fenced')
  })

  it('liveNow reads the clock itself: false a timeout after the last renewal sent, before any timer has run', async () => {
    const { clock, lease, events, session } = await started()
    await clock.advance(INTERVAL_MS) // keep-alive sent at 3000
    await lease.answerAll()
    expect(session.liveNow()).toBe(true)
    // As after SIGSTOP: time jumps, and code runs before the fence timer does.
    clock.nowMs = 3_000 + TIMEOUT_MS - 1
    expect(session.liveNow()).toBe(true)
    clock.nowMs = 3_000 + TIMEOUT_MS
    expect(session.state).toBe('live')
    expect(events).toEqual([])
    expect(session.liveNow()).toBe(false)
    clock.nowMs = 3_000 // a closed session is never live
    await session.close()
    expect(session.liveNow()).toBe(false)
  })

  it('liveNow is false once the wall clock says a timeout passed, though the monotonic one stood still (a suspended machine)', async () => {
    const wall = { nowMs: 1_700_000_000_000 }
    const { clock, lease, session } = await started(wall)
    await clock.advance(INTERVAL_MS)
    wall.nowMs += INTERVAL_MS
    await lease.answerAll()
    expect(session.liveNow()).toBe(true)
    wall.nowMs += TIMEOUT_MS // suspended: the monotonic clock did not move
    expect(session.liveNow()).toBe(false)
    wall.nowMs -= TIMEOUT_MS // and a wall clock set back changes nothing the monotonic one says
    expect(session.liveNow()).toBe(true)
    clock.nowMs += TIMEOUT_MS
    expect(session.liveNow()).toBe(false)
  })

  it('counts from the grant\'s sending when no keep-alive ever succeeds', async () => {
    const { clock, events } = await started()
    await clock.advance(TIMEOUT_MS - 1)
    expect(events).toEqual([])
    await clock.advance(1)
    expect(events).toEqual([`fenced@${1_000 + TIMEOUT_MS}`])
  })

  it('is unfenced by a keep-alive that succeeds after the fence, and not by a stale answer sent before it', async () => {
    const { clock, lease, events, session } = await started()
    await clock.advance(INTERVAL_MS) // sent at 3000, never answered yet
    await clock.advance(TIMEOUT_MS - INTERVAL_MS) // 7000: fenced (6000 after the grant at 1000)
    expect(events).toEqual(['fenced@7000'])
    await lease.answerAll() // the keep-alive sent at 3000 succeeds now, but 3000 + 6000 > 7000
    expect(events).toEqual(['fenced@7000', 'unfenced@7000'])
    expect(session.state).toBe('live')
    await clock.advance(TIMEOUT_MS) // nothing answered since: fenced at 9000
    expect(events).toEqual(['fenced@7000', 'unfenced@7000', 'fenced@9000'])
    // The keep-alive sent at 9000 answers at 15000: 9000 + 6000 is not after now, so still fenced.
    await clock.advance(15_000 - clock.now())
    expect(lease.pending.map((p) => p.sentMs)).toEqual([9_000])
    await lease.answerAll()
    expect(session.state).toBe('fenced')
    // The next one, sent at 17000, answers: live again.
    await clock.advance(INTERVAL_MS)
    expect(lease.pending.map((p) => p.sentMs)).toEqual([17_000])
    await lease.answerAll()
    expect(events).toEqual(['fenced@7000', 'unfenced@7000', 'fenced@9000', 'unfenced@17000'])
  })

  it('is lost for good when etcd says the lease is gone: fenced, then lost, and no more keep-alives', async () => {
    const { clock, lease, events, session } = await started()
    await clock.advance(INTERVAL_MS)
    await lease.answerAll(false)
    expect(events).toEqual(['fenced@3000', 'lost@3000'])
    expect(session.state).toBe('lost')
    await clock.advance(10 * TIMEOUT_MS)
    expect(lease.pending).toEqual([])
    expect(clock.pending).toBe(0)
  })

  it('revokes its lease on close and leaves no timer behind', async () => {
    const { clock, lease, session } = await started()
    await session.close()
    expect(lease.revoked).toBe(1)
    expect(clock.pending).toBe(0)
  })

  it('refuses a timeout that is not whole seconds of at least 2', () => {
    const clock = new ManualClock()
    for (const sessionTimeoutMs of [1000, 2500, 0]) {
      expect(() => new BrokerSession({ granter: async () => new ScriptedLease(clock), sessionTimeoutMs, clock, logger: silentLogger() }))
        .toThrow('whole seconds, at least 2000 ms')
    }
  })
})
