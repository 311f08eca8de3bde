// Structured logging for the broker: pino, as fastify uses, one child logger per module
// (`logger.child({ module: 'partition-manager' })`). Level from FAECIE_LOG_LEVEL (default info; tests
// set it to silent or warn).
import { pino, type Logger as PinoLogger } from 'pino'

export type Logger = PinoLogger

export function createLogger(bindings: Record<string, unknown> = {}, level?: string): Logger {
  return pino({ level: level ?? process.env.FAECIE_LOG_LEVEL ?? 'info', base: { pid: process.pid, ...bindings } })
}

/** A logger that drops everything, for tests that don't look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
