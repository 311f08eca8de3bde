// The broker's side of controlled shutdown (controlled-shutdown.ts) over a fake watched state and a
// manual clock: it marks itself, then waits for the watched state (not a poll, not a sleep) until it
// leads nothing another broker could lead and holds no ISR seat the controller would take; the wait
// is bounded by the timeout;
// a mark that fails stops the wait at once.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ManualClock, flushPromises } from '../../../../test/support/manual-clock.js'
import { silentLogger } from '../log.js'
import { emptyClusterState, type ClusterState } from './cluster-state.js'
import { controlledShutdown, remainingWork, type ControlledShutdownResult } from './controlled-shutdown.js'
import { decidePartitionWrites, shuttingDownOf } from './controller-decisions.js'
import type { BrokerRegistration } from './metadata-store.js'
import type { PartitionState } from './partition-state.js'

class FakeWatch extends EventEmitter {
  state: ClusterState = emptyClusterState()
  set(change: (state: ClusterState) => void): void {
    change(this.state)
    this.emit('change', this.state)
  }
}

const registration = (brokerId: number, shuttingDown = false): BrokerRegistration =>
  ({ brokerId, advertisedUrl: `ws://127.0.0.1:${9000 + brokerId}`, rack: null, registeredAt: '', ...(shuttingDown ? { shuttingDown } : {}) })

function cluster(watch: FakeWatch, states: PartitionState[]): void {
  watch.set((s) => {
    for (const id of [1, 2, 3]) s.brokers.set(id, registration(id))
    s.topics.set('t', { value: { topicId: 'id-t', partitions: states.length, config: {} }, modRevision: 1 })
    s.partitions.set('t', new Map(states.map((value, p) => [p, { value, modRevision: 1 }])))
  })
}

/** The controller's pass over the fake state (what controller.ts writes), applied at once. */
function controllerPass(watch: FakeWatch): void {
  watch.set((s) => {
    const writes = decidePartitionWrites({ live: new Set(s.brokers.keys()), shuttingDown: shuttingDownOf(s.brokers), partitions: s.partitions, preferred: true })
    for (const w of writes) s.partitions.get(w.topic)!.set(w.partition, { value: w.next, modRevision: w.expected.modRevision + 1 })
  })
}

const led = (leader: number, isr = [1, 2, 3]): PartitionState => ({ leader, leaderEpoch: 0, partitionEpoch: 0, isr, replicas: [leader, ...[1, 2, 3].filter((b) => b !== leader)] })

describe('controlled shutdown, the broker side', () => {
  it('marks itself, waits for the controller to move its leaderships and ISR seats, then resolves', async () => {
    const watch = new FakeWatch()
    const clock = new ManualClock()
    cluster(watch, [led(1), led(2), led(3)])
    let marks = 0
    const member = { markShuttingDown: async () => { marks++; watch.set((s) => s.brokers.set(1, registration(1, true))); return true } }
    let result: ControlledShutdownResult | undefined
    void controlledShutdown({ brokerId: 1, member, watch, clock, timeoutMs: 30_000, logger: silentLogger() }).then((r) => { result = r })
    await flushPromises()
    expect(marks).toBe(1)
    expect(remainingWork(watch.state, 1)).toEqual({ leaderships: 1, isrSeats: 2, stranded: 0 })
    expect(result).toBeUndefined()
    controllerPass(watch)
    await flushPromises()
    expect(remainingWork(watch.state, 1)).toEqual({ leaderships: 0, isrSeats: 0, stranded: 0 })
    expect(result).toEqual({ leaderships: 0, timedOut: false })
    expect(watch.listenerCount('change')).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('does not wait for a partition whose only ISR member it is (it stays led here), only for what can move', async () => {
    const watch = new FakeWatch()
    const clock = new ManualClock()
    cluster(watch, [led(1, [1]), led(2)])
    const member = { markShuttingDown: async () => { watch.set((s) => s.brokers.set(1, registration(1, true))); return true } }
    let result: ControlledShutdownResult | undefined
    void controlledShutdown({ brokerId: 1, member, watch, clock, timeoutMs: 30_000, logger: silentLogger() }).then((r) => { result = r })
    await flushPromises()
    expect(remainingWork(watch.state, 1)).toEqual({ leaderships: 0, isrSeats: 1, stranded: 1 })
    expect(result).toBeUndefined() // its seat in t-1's ISR is still to go
    controllerPass(watch)
    await flushPromises()
    expect(watch.state.partitions.get('t')!.get(0)!.value.leader).toBe(1) // nobody else could take it
    expect(result).toEqual({ leaderships: 0, timedOut: false })
    expect(clock.pending).toBe(0)
  })

  it('waits out the timeout while the controller moves nothing, then resolves with what it still leads', async () => {
    const watch = new FakeWatch()
    const clock = new ManualClock()
    cluster(watch, [led(1), led(2)])
    const member = { markShuttingDown: async () => { watch.set((s) => s.brokers.set(1, registration(1, true))); return true } }
    let result: ControlledShutdownResult | undefined
    void controlledShutdown({ brokerId: 1, member, watch, clock, timeoutMs: 30_000, logger: silentLogger() }).then((r) => { result = r })
    await flushPromises()
    await clock.advance(29_999)
    expect(result).toBeUndefined()
    await clock.advance(1)
    expect(result).toEqual({ leaderships: 1, timedOut: true })
    expect(watch.listenerCount('change')).toBe(0)
  })

  it('stops waiting at once when the mark fails (etcd unreachable), and when it leads nothing to begin with', async () => {
    const watch = new FakeWatch()
    const clock = new ManualClock()
    cluster(watch, [led(1)])
    const failing = { markShuttingDown: () => Promise.reject(new Error('etcd unreachable')) }
    expect(await controlledShutdown({ brokerId: 1, member: failing, watch, clock, timeoutMs: 30_000, logger: silentLogger() }))
      .toEqual({ leaderships: 1, timedOut: false })
    const idle = { markShuttingDown: async () => true }
    cluster(watch, [led(2, [2, 3])])
    expect(await controlledShutdown({ brokerId: 1, member: idle, watch, clock, timeoutMs: 30_000, logger: silentLogger() }))
      .toEqual({ leaderships: 0, timedOut: false })
    expect(clock.pending).toBe(0)
  })

  it('gives up after the timeout when the mark itself hangs', async () => {
    const watch = new FakeWatch()
    const clock = new ManualClock()
    cluster(watch, [led(1)])
    let result: ControlledShutdownResult | undefined
    void controlledShutdown({ brokerId: 1, member: { markShuttingDown: () => new Promise<boolean>(() => {}) }, watch, clock, timeoutMs: 5_000,
      logger: silentLogger() }).then((r) => { result = r })
    await clock.advance(5_000)
    expect(result).toEqual({ leaderships: 1, timedOut: true })
  })
})
