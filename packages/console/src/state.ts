// What every view shares: the console's client, the connection status (a view that fails to
// reach the broker reports it, and the banner shows until a request succeeds again; every view's
// data loads again once the broker is back, so no stale error box stays), the time zone times are
// shown in, and small hooks to load data (once, or polled) with its error kept for display.
import { createContext } from 'preact'
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks'
import type { ConsoleClient } from './client.js'
import { type TimeZoneMode, isDisconnect } from './format.js'

export interface ConsoleContext {
  client: ConsoleClient
  /** Called with every request outcome: a disconnect shows the banner, a success hides it. */
  reportOutcome(err: unknown): void
  /** How many times the broker came back after being unreachable: loads run again on each. */
  reconnects: number
  /** Times are shown in UTC or local time, the user's choice (kept in localStorage). */
  timeZone: TimeZoneMode
  setTimeZone(zone: TimeZoneMode): void
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined)

export function useConsole(): ConsoleContext {
  const ctx = useContext(Ctx)
  if (ctx === undefined) throw new Error('useConsole outside the console')
  return ctx
}

export interface Loaded<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload(): void
}

/** Runs `load` now, when `deps` change, on reload() and every `pollMs` if given; keeps the last data on error. */
export function useLoad<T>(load: (ctx: ConsoleContext) => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const ctx = useConsole()
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const run = (): void => {
      setLoading(true)
      loadRef.current(ctx).then(
        (value) => {
          if (!live) return
          ctx.reportOutcome(undefined)
          setData(value)
          setError(undefined)
        },
        (err: unknown) => {
          if (!live) return
          ctx.reportOutcome(err)
          setError(err)
        },
      ).finally(() => {
        if (!live) return
        setLoading(false)
        if (pollMs !== undefined) timer = setTimeout(run, pollMs)
      })
    }
    run()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [...deps, tick, ctx.reconnects])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload }
}

/** An action's state: run(fn) sets busy, keeps the error, and reports the outcome. */
export function useAction(): { busy: boolean; error: unknown; run<T>(fn: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const ctx = useConsole()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true)
    setError(undefined)
    try {
      const value = await fn()
      ctx.reportOutcome(undefined)
      return value
    } catch (err) {
      if (isDisconnect(err)) ctx.reportOutcome(err)
      setError(err)
      return undefined
    } finally {
      setBusy(false)
    }
  }, [ctx])
  return { busy, error, run, clear: () => setError(undefined) }
}
