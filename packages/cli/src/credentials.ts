// The login of the client commands, for a broker started with --auth scram: the user (--user, else
// env FAECIE_USER), the password (the first line of --password-file, else env FAECIE_PASSWORD; never
// a flag of its own, which anyone could read in the process list) and the mechanism
// (--sasl-mechanism, default SCRAM-SHA-512). Half a login (a user without a password, or the other
// way round) is a usage error; neither means no login, as before. Also the hints that turn the
// client's login errors into what to type. The flags themselves are among args.ts's common ones.
import { readFileSync } from 'node:fs'
import { ErrorCode, type FaecieError } from '@faecie/client'
import { DEFAULT_SASL_MECHANISM, type Flags, PASSWORD_ENV, USER_ENV, UsageError } from './args.js'

const MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512']

export interface Login {
  mechanism: string
  username: string
  password: string
}

/** The login the flags and the environment give, checked; undefined for none. */
export function loginOf(flags: Flags, env: NodeJS.ProcessEnv = process.env): Login | undefined {
  const flagUser = flags.string('user')
  const username = flagUser ?? nonEmpty(env[USER_ENV])
  const file = flags.string('password-file')
  const password = file === undefined ? nonEmpty(env[PASSWORD_ENV]) : firstLine(file)
  const mechanismText = flags.string('sasl-mechanism')
  if (username === undefined && password === undefined) {
    if (mechanismText !== undefined) throw new UsageError(`--sasl-mechanism needs --user (or $${USER_ENV}) and a password`)
    return undefined
  }
  if (username === undefined || username === '') {
    throw new UsageError(`a password was given (${file === undefined ? `$${PASSWORD_ENV}` : '--password-file'}) but no user: add --user NAME or set $${USER_ENV}`)
  }
  if (password === undefined) {
    throw new UsageError(`${flagUser === undefined ? `$${USER_ENV}` : '--user'} ${username} needs a password: --password-file FILE (its first line) or $${PASSWORD_ENV}`)
  }
  const mechanism = (mechanismText ?? DEFAULT_SASL_MECHANISM).toUpperCase()
  if (!MECHANISMS.includes(mechanism)) throw new UsageError(`--sasl-mechanism must be one of ${MECHANISMS.join(', ')}, not ${JSON.stringify(mechanismText)}`)
  return { mechanism, username, password }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function firstLine(file: string): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`--password-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  const line = text.split(/\r?\n/)[0] ?? ''
  if (line === '') throw new UsageError(`--password-file ${file}: its first line is empty (the password is the first line)`)
  return line
}

/** What to do about a login error, or undefined for other errors. */
export function loginHint(err: FaecieError): string | undefined {
  if (err.code === ErrorCode.AUTHENTICATION_REQUIRED) {
    return `the broker requires a login: pass --user NAME and --password-file FILE (or set $${USER_ENV} and $${PASSWORD_ENV})`
  }
  if (err.code === ErrorCode.SECURITY_DISABLED) return `the broker does not authenticate: leave out --user, --password-file, $${USER_ENV} and $${PASSWORD_ENV}`
  if (err.code === ErrorCode.SASL_AUTHENTICATION_FAILED) return 'check the user name, the password and --sasl-mechanism'
  return undefined
}
