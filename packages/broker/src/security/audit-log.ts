// The audit log: failed logins and denied requests, as pino lines of their own logger name
// ("faecie.audit"), at most `linesPerSecondMax` a second. Past that, lines are counted, not written,
// and the next line written says how many were dropped: an attacker hammering the broker cannot
// fill its disk through the log. The clock is a parameter (tests inject theirs).
import type { Logger } from '../log.js'

export interface DeniedRequest {
  principal: string
  clientAddress: string
  operation: string
  resourceType: string
  resourceName: string
  reason: string
}

export interface FailedLogin {
  /** The user name the client gave ('' when it gave none). */
  user: string
  clientAddress: string
  mechanism: string
  listener: 'websocket' | 'http' | 'kafka'
  reason: string
}

export class AuditLog {
  readonly #logger: Logger
  readonly #linesPerSecondMax: number
  readonly #nowMs: () => number
  #windowStartMs = -Infinity
  #linesInWindow = 0
  #dropped = 0

  constructor(logger: Logger, linesPerSecondMax: number, nowMs: () => number) {
    this.#logger = logger.child({ name: 'faecie.audit' })
    this.#linesPerSecondMax = linesPerSecondMax
    this.#nowMs = nowMs
  }

  /** Lines counted but not written since the last written line. */
  get dropped(): number {
    return this.#dropped
  }

  denied(request: DeniedRequest): void {
    this.#write({ event: 'denied', ...request }, 'request denied')
  }

  loginFailed(login: FailedLogin): void {
    this.#write({ event: 'loginFailed', ...login }, 'login failed')
  }

  loginSucceeded(login: { principal: string; clientAddress: string; mechanism: string; listener: string }): void {
    this.#logger.info({ event: 'login', ...login }, 'login')
  }

  #write(fields: Record<string, unknown>, message: string): void {
    const now = this.#nowMs()
    if (now - this.#windowStartMs >= 1000) {
      this.#windowStartMs = now
      this.#linesInWindow = 0
    }
    if (this.#linesInWindow >= this.#linesPerSecondMax) {
      this.#dropped++
      return
    }
    this.#linesInWindow++
    const dropped = this.#dropped
    this.#dropped = 0
    this.#logger.warn(dropped > 0 ? { ...fields, droppedBefore: dropped } : fields, message)
  }
}
