// The failover timing on a fake clock: the kill comes after the warm sends, failed sends after it are
// sent again, and the time runs from the kill to the first acknowledgement.
import { describe, expect, it } from 'vitest'
import { failoverOnce } from './failover.js'

/** A fake system: sends take `sendMs`; after the kill, the first `downSends` sends fail after `failMs`. */
function fakeSystem(options: { sendMs: number; failMs: number; downSends: number }) {
  let clockMs = 1000
  let killed = false
  let sends = 0
  let failures = 0
  const events: string[] = []
  return {
    events,
    now: () => clockMs,
    sleep: async (ms: number) => { clockMs += ms },
    kill: () => { killed = true; events.push(`kill after ${sends} sends`) },
    send: async () => {
      sends++
      if (killed && failures < options.downSends) {
        failures++
        clockMs += options.failMs
        throw new Error('connection lost')
      }
      clockMs += options.sendMs
    },
  }
}

describe('failoverOnce', () => {
  it('kills after the warm sends and times the kill to the first acknowledgement after it', async () => {
    const system = fakeSystem({ sendMs: 2, failMs: 300, downSends: 3 })
    const timing = await failoverOnce({ ...system, warmSends: 5, timeoutMs: 10_000, retryPauseMs: 50 })
    expect(system.events).toEqual(['kill after 5 sends'])
    expect(timing).toEqual({ failoverMs: 3 * 300 + 3 * 50 + 2, failedSends: 3 })
  })

  it('finds the leader before the clock starts: that lookup is not counted', async () => {
    const system = fakeSystem({ sendMs: 2, failMs: 300, downSends: 1 })
    const beforeKill = async (): Promise<void> => { system.events.push('leader looked up'); await system.sleep(40) }
    const timing = await failoverOnce({ ...system, beforeKill, warmSends: 3, timeoutMs: 10_000, retryPauseMs: 10 })
    expect(system.events).toEqual(['leader looked up', 'kill after 3 sends'])
    expect(timing.failoverMs).toBe(300 + 10 + 2)
  })

  it('counts a send that never failed: the time is that of one send', async () => {
    const system = fakeSystem({ sendMs: 7, failMs: 300, downSends: 0 })
    expect(await failoverOnce({ ...system, warmSends: 1, timeoutMs: 10_000, retryPauseMs: 50 })).toEqual({ failoverMs: 7, failedSends: 0 })
  })

  it('gives up past the timeout with the last error', async () => {
    const system = fakeSystem({ sendMs: 2, failMs: 1000, downSends: 100 })
    await expect(failoverOnce({ ...system, warmSends: 1, timeoutMs: 5_000, retryPauseMs: 0 })).rejects.toThrow(/no send acknowledged within 6000 ms of the kill \(6 failed; last: connection lost\)/)
  })

  it('fails when a send fails before the kill', async () => {
    const system = fakeSystem({ sendMs: 2, failMs: 1, downSends: 1 })
    const kill = (): void => { throw new Error('must not be called') }
    await expect(failoverOnce({ ...system, kill, warmSends: 2, timeoutMs: 5_000, retryPauseMs: 0, send: async () => { throw new Error('no leader yet') } })).rejects.toThrow('no leader yet')
  })
})
