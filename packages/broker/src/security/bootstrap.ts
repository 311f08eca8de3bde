// The bootstrap user (--bootstrap-user NAME): the way into a broker with --auth scram before any
// user exists, like Redpanda's RP_BOOTSTRAP_USER. Its password is the first line of
// --bootstrap-password-file, or else env FAECIE_BOOTSTRAP_PASSWORD; its credentials (every enabled
// mechanism, fresh salt) are derived at each start and kept in memory only, never written; it is a
// super user (security-config.ts adds it to superUsers). A stored user of the same name is replaced
// in memory for this run.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { scramCredential } from '@faecie/protocol'
import type { Logger } from '../log.js'
import type { SecurityConfig } from '../server/security-config.js'
import type { SecurityState } from './security-state.js'

export const BOOTSTRAP_PASSWORD_ENV = 'FAECIE_BOOTSTRAP_PASSWORD'
/** Bytes of a credential's salt. */
export const SCRAM_SALT_BYTES = 32

/** Reads the bootstrap password; throws an Error saying what is missing. */
export function bootstrapPassword(passwordFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  let password: string | undefined
  if (passwordFile !== undefined) {
    try {
      password = readFileSync(passwordFile, 'utf8').split(/\r?\n/)[0]
    } catch (err) {
      throw new Error(`--bootstrap-password-file ${passwordFile}: ${(err as Error).message}`)
    }
  } else {
    password = env[BOOTSTRAP_PASSWORD_ENV]
  }
  if (password === undefined || password.length === 0) {
    throw new Error(`--bootstrap-user needs a password: the first line of --bootstrap-password-file, or env ${BOOTSTRAP_PASSWORD_ENV}`)
  }
  return password
}

export async function bootstrapSecurity(config: SecurityConfig, state: SecurityState, logger: Logger): Promise<void> {
  const user = config.bootstrapUser
  if (user === undefined) return
  const password = bootstrapPassword(user.passwordFile)
  for (const mechanism of config.saslMechanisms) {
    state.setCredential(user.name, await scramCredential(mechanism, password, randomBytes(SCRAM_SALT_BYTES), config.limits.scramIterations))
  }
  logger.info({ user: user.name, mechanisms: config.saslMechanisms }, 'bootstrap user ready (a super user; its credentials are not stored)')
}
