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

  it('tryReserve takes what fits at once and refuses the rest, never jumping the queue', async () => {
    const parent = new ByteBudget(100)
    const budget = new ByteBudget(80, parent)
    const a = budget.tryReserve(70)!
    expect([budget.used, parent.used]).toEqual([70, 70])
    expect(budget.tryReserve(20)).toBeUndefined() // over the child's 80
    const c = parent.tryReserve(30)! // 70 + 30 fits the parent
    expect(parent.tryReserve(1)).toBeUndefined()
    a.release()
    expect([budget.used, parent.used]).toEqual([0, 30])
    expect(budget.tryReserve(500)).toBeUndefined() // the parent holds 30: an oversized one needs both empty
    const waiting = parent.reserve(90)
    expect(parent.tryReserve(1)).toBeUndefined() // someone waits: no jumping ahead
    c.release()
    ;(await waiting).release()
    expect(parent.tryReserve(500)!.bytes).toBe(500)
  })
})
