// Client quotas (issue 19; Kafka's KIP-13, KIP-124 and KIP-219): the rates each quota entity
// (quota-config.ts resolves which) has used, measured as Kafka measures them, and the throttle time
// a request that takes an entity over its quota earns. Nothing here refuses anything: the
// transports (gateway/session.ts, kafka/connection.ts) answer at once with the throttle time and
// then stop reading the connection for that long (quota-charge.ts).
//
// A rate is Kafka's sampled Rate: `quotaWindows` samples of `quotaWindowMs` each (Kafka's
// quota.window.num 11 x quota.window.size.seconds 1). A value is added to the newest sample, which
// is replaced by a new one once it is a window old; a sample older than all the windows together is
// forgotten. The rate is the sum of the samples over the time since the oldest began, that time
// counted as at least (quotaWindows - 1) whole windows (so a new entity is not judged on a few
// milliseconds). After recording, a rate over the bound earns (Kafka's ClientQuotaManager.throttleTime)
//     throttleTimeMs = round((observed - bound) / bound * windowSizeMs)
// the delay that brings the observed rate down to the bound if nothing more came meanwhile, at most
// quotaThrottleTimeMsMax. The clock is injected: the unit tests drive it by hand.
import type { QuotaConfig, QuotaType, ResolvedQuota } from './quota-config.js'
import { hasQuotas, QUOTA_TYPES, resolveQuota } from './quota-config.js'

/** The bounds of quota accounting (security.limits, server/security-config.ts). */
export interface QuotaLimits {
  /** One sample's span (Kafka's quota.window.size.seconds, in ms). */
  quotaWindowMs: number
  /** Samples kept (Kafka's quota.window.num). */
  quotaWindows: number
  /** The longest throttle one request earns. */
  quotaThrottleTimeMsMax: number
  /** Entities whose rates are kept at once; the least recently charged is forgotten first. */
  quotaEntitiesMax: number
}

interface Sample {
  startMs: number
  value: number
}

/** Kafka's sampled Rate: values per second over the last `windows` windows of `windowMs`. */
export class SampledRate {
  readonly #windowMs: number
  readonly #windows: number
  readonly #samples: Sample[] = []

  constructor(windowMs: number, windows: number) {
    if (!(windowMs > 0 && Number.isSafeInteger(windows) && windows >= 2)) throw new RangeError(`bad quota windows: ${windows} x ${windowMs} ms`)
    this.#windowMs = windowMs
    this.#windows = windows
  }

  record(value: number, nowMs: number): void {
    this.#purge(nowMs)
    let current = this.#samples.at(-1)
    if (current === undefined || nowMs - current.startMs >= this.#windowMs) {
      if (this.#samples.length >= this.#windows) this.#samples.shift()
      current = { startMs: nowMs, value: 0 }
      this.#samples.push(current)
    }
    current.value += value
  }

  /** The time the rate is taken over (Kafka's Rate.windowSize). */
  windowSizeMs(nowMs: number): number {
    this.#purge(nowMs)
    let elapsedMs = nowMs - (this.#samples[0]?.startMs ?? nowMs)
    const fullWindows = Math.floor(elapsedMs / this.#windowMs)
    const fullWindowsMin = this.#windows - 1
    if (fullWindows < fullWindowsMin) elapsedMs += (fullWindowsMin - fullWindows) * this.#windowMs
    return elapsedMs
  }

  /** Values per second. */
  rate(nowMs: number): number {
    const sizeMs = this.windowSizeMs(nowMs)
    let total = 0
    for (const s of this.#samples) total += s.value
    return (total * 1000) / sizeMs
  }

  /** Drops samples older than all the windows together (Kafka's purgeObsoleteSamples). */
  #purge(nowMs: number): void {
    const expireMs = this.#windows * this.#windowMs
    while (this.#samples.length > 0 && nowMs - this.#samples[0]!.startMs >= expireMs) this.#samples.shift()
  }
}

/** Kafka's throttle time: the delay that brings `observed` down to `bound` over `windowSizeMs`; 0 within the bound. */
export function throttleTimeMs(observed: number, bound: number, windowSizeMs: number, maxMs: number): number {
  if (!(observed > bound)) return 0
  return Math.min(maxMs, Math.round(((observed - bound) / bound) * windowSizeMs))
}

/** What one request used of each quota type (bytes produced, bytes fetched, 1 request). */
export type QuotaUsage = Partial<Record<QuotaType, number>>

export interface ThrottleDecision {
  /** 0 when every quota the request counted against is within its bound. */
  throttleTimeMs: number
  /** The quota type that earned the longest throttle, and its entity. */
  type?: QuotaType
  entity?: string
}

export interface ClientQuotasOptions {
  nowMs?: () => number
  /** Told of every throttle (the metrics' per-principal counter). */
  onThrottle?: (principal: string, type: QuotaType, throttleTimeMs: number) => void
}

const NOT_THROTTLED: ThrottleDecision = { throttleTimeMs: 0 }

/** Every quota entity's rates, charged by requests. */
export class ClientQuotas {
  readonly config: QuotaConfig
  readonly limits: QuotaLimits
  /** False without any quota configured: charge() then does nothing. */
  readonly enabled: boolean
  readonly #nowMs: () => number
  readonly #onThrottle: ClientQuotasOptions['onThrottle']
  /** By ResolvedQuota.key, least recently charged first (a Map keeps insertion order). */
  readonly #rates = new Map<string, SampledRate>()

  constructor(config: QuotaConfig, limits: QuotaLimits, options: ClientQuotasOptions = {}) {
    this.config = config
    this.limits = limits
    this.enabled = hasQuotas(config)
    this.#nowMs = options.nowMs ?? (() => performance.now())
    this.#onThrottle = options.onThrottle
  }

  /** Rates kept (at most quotaEntitiesMax). */
  get entities(): number {
    return this.#rates.size
  }

  /**
   * Records what a request used against each quota that applies to (principal, clientId) and
   * returns the longest throttle any of them earned (Kafka takes the longest of a request's quotas).
   */
  charge(principal: string, clientId: string, usage: QuotaUsage): ThrottleDecision {
    if (!this.enabled) return NOT_THROTTLED
    const nowMs = this.#nowMs()
    let decision = NOT_THROTTLED
    for (const type of QUOTA_TYPES) {
      const value = usage[type]
      if (value === undefined) continue
      const quota = resolveQuota(this.config, type, principal, clientId)
      if (quota === undefined) continue
      const ms = this.#record(quota, value, nowMs)
      if (ms > decision.throttleTimeMs) decision = { throttleTimeMs: ms, type, entity: quota.entity }
    }
    if (decision.type !== undefined) this.#onThrottle?.(principal, decision.type, decision.throttleTimeMs)
    return decision
  }

  /** The observed rate of the entity `quota` names (tests and the bench's report). */
  rate(quota: ResolvedQuota): number {
    return this.#rates.get(quota.key)?.rate(this.#nowMs()) ?? 0
  }

  #record(quota: ResolvedQuota, value: number, nowMs: number): number {
    let rate = this.#rates.get(quota.key)
    if (rate === undefined) {
      rate = new SampledRate(this.limits.quotaWindowMs, this.limits.quotaWindows)
      // The least recently charged entity goes first: its samples are the oldest.
      if (this.#rates.size >= this.limits.quotaEntitiesMax) this.#rates.delete(this.#rates.keys().next().value!)
    } else {
      this.#rates.delete(quota.key)
    }
    this.#rates.set(quota.key, rate)
    rate.record(value, nowMs)
    return throttleTimeMs(rate.rate(nowMs), quota.bound, rate.windowSizeMs(nowMs), this.limits.quotaThrottleTimeMsMax)
  }
}
