// Ops `describeUsers` and `alterUsers`: SCRAM users, as Kafka's DescribeUserScramCredentials and
// AlterUserScramCredentials manage them. The password never travels: the client salts and hashes
// it (SaltedPassword = PBKDF2(password, salt, iterations)) and sends the salt, the iteration count
// and the salted password; the broker derives and stores StoredKey and ServerKey (../scram.ts).
// Altering needs Alter on the cluster, describing Describe on it. Answers per user.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { isScramMechanism, SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN, scramHashBytes, type ScramMechanism } from '../scram.js'
import { type FieldReader, invalidField, parseOp } from './fields.js'

export interface DescribeUsersRequest {
  /** Users to describe; absent: every user. */
  users?: string[]
}

export interface DescribeUsersResponse {
  users: { user: string; mechanisms: { mechanism: string; iterations: number }[]; error?: WireError }[]
}

export interface AlterUsersRequest {
  /** Credentials to set (a user is made by its first credential). */
  upsertions: { user: string; mechanism: ScramMechanism; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }[]
  /** Credentials to delete (a user with none left is gone). */
  deletions: { user: string; mechanism: ScramMechanism }[]
}

export interface AlterUsersResponse {
  /** One per upsertion then one per deletion, in order. */
  results: { user: string; error?: WireError }[]
}

/** Most users in one request. */
export const USERS_PER_REQUEST_MAX = 1000

/** Longest user name on the wire (the broker's own bound, security.limits.userNameCharsMax, may be lower). */
export const USER_NAME_CHARS_MAX = 1024
/** Bytes of a credential's salt (Kafka's clients use 32 random bytes or more). */
export const SCRAM_SALT_BYTES_MIN = 16
export const SCRAM_SALT_BYTES_MAX = 64

function userName(value: string, path: string): string {
  if (value.length > USER_NAME_CHARS_MAX) throw invalidField(path, `at most ${USER_NAME_CHARS_MAX} characters`, value)
  return value
}

function mechanism(f: FieldReader, path: string): ScramMechanism {
  const value = f.str('mechanism')
  if (!isScramMechanism(value)) throw invalidField(`${path}.mechanism`, 'SCRAM-SHA-256 or SCRAM-SHA-512', value)
  return value
}

function upsertion(f: FieldReader, path: string): AlterUsersRequest['upsertions'][number] {
  const user = userName(f.str('user'), `${path}.user`)
  const m = mechanism(f, path)
  const iterations = f.int('iterations', { min: SCRAM_ITERATIONS_MIN, max: SCRAM_ITERATIONS_MAX })
  const salt = f.bin('salt')
  if (salt.length < SCRAM_SALT_BYTES_MIN || salt.length > SCRAM_SALT_BYTES_MAX) {
    throw invalidField(`${path}.salt`, `${SCRAM_SALT_BYTES_MIN} to ${SCRAM_SALT_BYTES_MAX} bytes`, `${salt.length} bytes`)
  }
  const saltedPassword = f.bin('saltedPassword')
  if (saltedPassword.length !== scramHashBytes(m)) {
    throw invalidField(`${path}.saltedPassword`, `${scramHashBytes(m)} bytes (${m}'s hash)`, `${saltedPassword.length} bytes`)
  }
  return { user, mechanism: m, iterations, salt, saltedPassword }
}

/** `users` absent: every user. */
export function parseDescribeUsersRequest(frame: RequestFrame): Parsed<DescribeUsersRequest> {
  return parseOp(frame, (f) => {
    const users = f.optionalStrings('users')
    if (users === undefined) return {}
    if (users.length > USERS_PER_REQUEST_MAX) throw invalidField('users', `at most ${USERS_PER_REQUEST_MAX} items`, `${users.length} items`)
    users.forEach((u, i) => userName(u, `users[${i}]`))
    return { users }
  })
}

/** Either list may be absent (empty); together they name at least one and at most USERS_PER_REQUEST_MAX credentials. */
export function parseAlterUsersRequest(frame: RequestFrame): Parsed<AlterUsersRequest> {
  return parseOp(frame, (f) => {
    const upsertions = f.has('upsertions') ? f.maps('upsertions', (item, i) => upsertion(item, `upsertions[${i}]`), { allowEmpty: true }) : []
    const deletions = f.has('deletions') ? f.maps('deletions', (item, i) => ({
      user: userName(item.str('user'), `deletions[${i}].user`), mechanism: mechanism(item, `deletions[${i}]`),
    }), { allowEmpty: true }) : []
    const count = upsertions.length + deletions.length
    if (count === 0) throw invalidField('upsertions', 'at least one upsertion or deletion', 'none')
    if (count > USERS_PER_REQUEST_MAX) throw invalidField('upsertions', `at most ${USERS_PER_REQUEST_MAX} upsertions and deletions together`, `${count}`)
    return { upsertions, deletions }
  })
}
