// The login throttle on a hand-driven clock: delays doubling per failure up to the cap, failures
// forgotten after loginFailureMemoryMs, at most loginFailureAddressesMax addresses (the oldest go),
// a success clearing nothing, and an aborted wait ending at once.
import { describe, expect, it } from 'vitest'
import { ManualClock, flushPromises } from '../../../../test/support/manual-clock.js'
import { LoginThrottle, type LoginThrottleLimits } from './login-throttle.js'

const LIMITS: LoginThrottleLimits = { loginFailureDelayMs: 100, loginFailureDelayMsMax: 1000, loginFailureMemoryMs: 60_000, loginFailureAddressesMax: 3 }

function throttle(limits: Partial<LoginThrottleLimits> = {}): { throttle: LoginThrottle; clock: ManualClock } {
  const clock = new ManualClock(5_000)
  return { throttle: new LoginThrottle({ ...LIMITS, ...limits }, clock), clock }
}

/** Starts a failure's wait; `settled()` tells whether it is over yet. */
function fail(t: LoginThrottle, address: string, signal?: AbortSignal): { settled: () => boolean; done: Promise<unknown> } {
  let settled = false
  const done = t.failed(address, signal).then(() => 'waited', (err: unknown) => err).finally(() => { settled = true })
  return { settled: () => settled, done }
}

describe('LoginThrottle', () => {
  it('answers each failure of an address after twice the delay of the one before, up to the cap', async () => {
    const { throttle: t, clock } = throttle()
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      delays.push(t.nextDelayMs('10.0.0.1'))
      const wait = fail(t, '10.0.0.1')
      const delayMs = delays[i]!
      await clock.advance(delayMs - 1)
      expect(wait.settled()).toBe(false)
      await clock.advance(1)
      expect(wait.settled()).toBe(true)
      expect(await wait.done).toBe('waited')
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000])
    expect(t.failures('10.0.0.1')).toBe(6)
    // Another address starts from the first delay.
    expect(t.nextDelayMs('10.0.0.2')).toBe(100)
  })

  it('forgets an address loginFailureMemoryMs after its last failure', async () => {
    const { throttle: t, clock } = throttle()
    void fail(t, 'a')
    void fail(t, 'a')
    await clock.advance(30_000)
    void fail(t, 'a')
    await clock.advance(59_999)
    expect(t.failures('a')).toBe(3)
    await clock.advance(1)
    expect(t.failures('a')).toBe(0)
    expect(t.size).toBe(0)
    expect(t.nextDelayMs('a')).toBe(100)
  })

  it('remembers at most loginFailureAddressesMax addresses, forgetting the one whose last failure is oldest', async () => {
    const { throttle: t, clock } = throttle()
    for (const address of ['a', 'b', 'c']) {
      void fail(t, address)
      await clock.advance(10)
    }
    void fail(t, 'a') // a is now the most recent
    await clock.advance(10)
    void fail(t, 'd')
    expect(t.size).toBe(3)
    expect(t.failures('b')).toBe(0)
    expect(t.failures('a')).toBe(2)
    expect(t.failures('c')).toBe(1)
    expect(t.failures('d')).toBe(1)
    // Many addresses at once: the table stays at its bound.
    for (let i = 0; i < 1000; i++) void fail(t, `spray-${i}`)
    expect(t.size).toBe(3)
    await clock.advance(1000)
  })

  it('does not clear an address\'s failures on a success', async () => {
    const { throttle: t, clock } = throttle()
    void fail(t, 'a')
    void fail(t, 'a')
    t.succeeded('a')
    expect(t.successes).toBe(1)
    expect(t.nextDelayMs('a')).toBe(400)
    await clock.advance(1000)
  })

  it('ends the wait at once, with the signal\'s reason, when the signal aborts', async () => {
    const { throttle: t, clock } = throttle()
    const controller = new AbortController()
    const wait = fail(t, 'a', controller.signal)
    await clock.advance(50)
    expect(wait.settled()).toBe(false)
    controller.abort(new Error('session closed'))
    await flushPromises()
    expect(wait.settled()).toBe(true)
    expect(((await wait.done) as Error).message).toBe('session closed')
    expect(clock.pending).toBe(0)
    // An already aborted signal: no timer at all, but the failure still counts.
    const late = fail(t, 'a', controller.signal)
    await flushPromises()
    expect(late.settled()).toBe(true)
    expect(clock.pending).toBe(0)
    expect(t.failures('a')).toBe(2)
  })
})
