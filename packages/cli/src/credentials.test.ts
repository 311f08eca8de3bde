// The client commands' login (credentials.ts): flags over the environment, the password file's first
// line, half a login refused with what is missing, the mechanism checked, and the hints added to
// the client's login errors.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/client'
import { writeTempFile } from '../../../test/support/temp-dir.js'
import { parseFlags } from './args.js'
import { errorText } from './connect.js'
import { loginOf } from './credentials.js'

const flags = (...argv: string[]) => parseFlags(argv, {})

describe('loginOf', () => {
  it('takes the user and the password file\'s first line, SCRAM-SHA-512 by default', () => {
    const file = writeTempFile('cli-login', 'password', 'hunter2\nignored\n')
    expect(loginOf(flags('--user', 'alice', '--password-file', file), {})).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'hunter2' })
    expect(loginOf(flags('--user', 'alice', '--password-file', file, '--sasl-mechanism', 'scram-sha-256'), {}))
      .toMatchObject({ mechanism: 'SCRAM-SHA-256' })
    const crlf = writeTempFile('cli-login', 'password', 'p w\r\n')
    expect(loginOf(flags('--user', 'alice', '--password-file', crlf), {})?.password).toBe('p w')
  })

  it('reads FAECIE_USER and FAECIE_PASSWORD, the flags winning', () => {
    const env = { FAECIE_USER: 'bob', FAECIE_PASSWORD: 'from-env' }
    expect(loginOf(flags(), env)).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'from-env' })
    const file = writeTempFile('cli-login', 'password', 'from-file')
    expect(loginOf(flags('--user', 'alice', '--password-file', file), env)).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'from-file' })
  })

  it('means no login when neither is given', () => {
    expect(loginOf(flags(), {})).toBeUndefined()
    expect(loginOf(flags(), { FAECIE_USER: '', FAECIE_PASSWORD: '' })).toBeUndefined()
  })

  it('refuses half a login, a bad password file and an unknown mechanism, saying what is missing', () => {
    expect(() => loginOf(flags('--user', 'alice'), {})).toThrow(/--user alice needs a password: --password-file FILE \(its first line\) or \$FAECIE_PASSWORD/)
    expect(() => loginOf(flags(), { FAECIE_USER: 'bob' })).toThrow(/\$FAECIE_USER bob needs a password/)
    expect(() => loginOf(flags(), { FAECIE_PASSWORD: 'x' })).toThrow(/no user: add --user NAME or set \$FAECIE_USER/)
    expect(() => loginOf(flags('--user', 'alice', '--password-file', '/nonexistent/pw'), {})).toThrow(/--password-file \/nonexistent\/pw: no such file/)
    const empty = writeTempFile('cli-login', 'password', '\nsecond line')
    expect(() => loginOf(flags('--user', 'alice', '--password-file', empty), {})).toThrow(/first line is empty/)
    const file = writeTempFile('cli-login', 'password', 'pw')
    expect(() => loginOf(flags('--user', 'alice', '--password-file', file, '--sasl-mechanism', 'PLAIN'), {})).toThrow(/--sasl-mechanism must be one of/)
    expect(() => loginOf(flags('--sasl-mechanism', 'SCRAM-SHA-256'), {})).toThrow(/--sasl-mechanism needs --user/)
  })
})

describe('login errors', () => {
  it('say which flags to give', () => {
    expect(errorText(new FaecieError(ErrorCode.AUTHENTICATION_REQUIRED, 'ws://h/v1/ws requires a login.')))
      .toMatch(/requires a login\. \(the broker requires a login: pass --user NAME and --password-file FILE .*\) \[AUTHENTICATION_REQUIRED\]$/)
    expect(errorText(new FaecieError(ErrorCode.SASL_AUTHENTICATION_FAILED, 'Login failed.'))).toMatch(/check the user name, the password and --sasl-mechanism/)
    expect(errorText(new FaecieError(ErrorCode.SECURITY_DISABLED, 'No auth.'))).toMatch(/leave out --user/)
    expect(errorText(new FaecieError(ErrorCode.NOT_CONTROLLER, 'x'))).toBe('x [NOT_CONTROLLER]')
  })
})
