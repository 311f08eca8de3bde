// Test support: a session lease (broker-session.ts SessionLease) whose keep-alives stay pending
// until the test answers or fails them, on the test's clock (a ManualClock), so a BrokerSession's fencing can be driven
// step by step (broker-session.test.ts, and the reconciler's fencing in reconciler.test.ts).
import type { MonotonicClock, SessionLease } from './broker-session.js'

export class ScriptedLease implements SessionLease {
  readonly id = '7'
  /** Keep-alives sent and not answered yet, with the time each was sent. */
  readonly pending: { sentMs: number; answer: (renewed: boolean) => void; fail: (err: Error) => void }[] = []
  revoked = 0

  constructor(readonly clock: Pick<MonotonicClock, 'now'>) {}

  keepAliveOnce(): Promise<boolean> {
    return new Promise((resolve, reject) => this.pending.push({ sentMs: this.clock.now(), answer: resolve, fail: reject }))
  }

  async revoke(): Promise<void> {
    this.revoked++
  }

  /** Answers every pending keep-alive (renewed, or etcd no longer has the lease), then lets what follows run. */
  async answerAll(renewed = true): Promise<void> {
    for (const p of this.pending.splice(0)) p.answer(renewed)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
