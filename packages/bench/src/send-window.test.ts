// The send window: never more than its limit in flight, every acknowledgement counted, the first
// failure thrown once everything in flight has settled.
import { describe, expect, it } from 'vitest'
import { SendWindow } from './send-window.js'

function pending(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

describe('SendWindow', () => {
  it('holds the loop at its limit and counts what is acknowledged', async () => {
    const acked: number[] = []
    const window = new SendWindow(2, (count) => acked.push(count))
    const a = pending()
    const b = pending()
    window.add(a.promise, 3, 0)
    window.add(b.promise, 5, 0)
    let roomy = false
    const room = window.room().then(() => { roomy = true })
    await Promise.resolve()
    expect(roomy).toBe(false)
    a.resolve()
    await room
    expect(acked).toEqual([3])
    b.resolve()
    await window.drain()
    expect(acked).toEqual([3, 5])
  })

  it('stops on the first failure and throws it after the rest settle', async () => {
    const window = new SendWindow(4, () => undefined)
    const a = pending()
    const b = pending()
    window.add(a.promise, 1, 0)
    window.add(b.promise, 1, 0)
    a.reject(new Error('first'))
    b.reject(new Error('second'))
    await expect(window.drain()).rejects.toThrow('first')
    expect(window.failed).toBe(true)
  })
})
