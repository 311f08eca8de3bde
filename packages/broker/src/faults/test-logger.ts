// A logger for the fault-injection unit tests that keeps what was logged (level, message, fields).
import { pino } from 'pino'
import type { Logger } from '../log.js'

export interface LoggedLine {
  level: number
  msg: string
  fields: Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function recordingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = []
  const logger = pino({ level: 'debug', base: null, timestamp: false }, {
    write(line: string) {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg: string }
      lines.push({ level, msg, fields })
    },
  })
  return { logger, lines }
}
