// The read budget: reservations wait first come first served while they do not fit, an empty budget
// always grants, a nested budget needs room in its parent too, and an aborted waiter is dropped.
import { describe, expect, it } from 'vitest'
import { ByteBudget } from './byte-budget.js'

describe('ByteBudget', () => {
  it('grants in order while there is room, and an oversized reservation when nothing is held', async () => {
    const budget = new ByteBudget(100)
    const a = await budget.reserve(60)
    let bGranted = false
    const b = budget.reserve(60).then((r) => { bGranted = true; return r })
    const c = budget.reserve(10)
    await Promise.resolve()
    expect(bGranted).toBe(false)
    expect(budget.waiting).toBe(2)
    a.release()
    a.release()
    const [rb, rc] = await Promise.all([b, c])
    expect(budget.used).toBe(70)
    rb.release()
    rc.release()
    const huge = await budget.reserve(500)
    expect(budget.used).toBe(500)
    huge.resize(20)
    expect(budget.used).toBe(20)
    huge.release()
    expect(budget.used).toBe(0)
  })

  it('takes a nested reservation out of the parent too, and frees an aborted waiter', async () => {
    const broker = new ByteBudget(100)
    const s1 = new ByteBudget(80, broker)
    const s2 = new ByteBudget(80, broker)
    const held = await s1.reserve(80)
    expect(broker.used).toBe(80)
    const controller = new AbortController()
    const waiting = s2.reserve(50, controller.signal)
    await Promise.resolve()
    expect(broker.waiting).toBe(1)
    controller.abort(new Error('session closed'))
    await expect(waiting).rejects.toThrow('session closed')
    expect(s2.used).toBe(0)
    expect(broker.waiting).toBe(0)
    held.release()
    expect(broker.used).toBe(0)
    const again = await s2.reserve(50)
    expect(broker.used).toBe(50)
    again.release()
  })
})
