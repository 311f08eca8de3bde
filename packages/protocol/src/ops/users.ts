// Ops `describeUsers` and `alterUsers`: SCRAM users, as Kafka's DescribeUserScramCredentials and
// AlterUserScramCredentials manage them. The password never travels: the client salts and hashes
// it (SaltedPassword = PBKDF2(password, salt, iterations)) and sends the salt, the iteration count
// and the salted password; the broker derives and stores StoredKey and ServerKey (../scram.ts).
// Altering needs Alter on the cluster, describing Describe on it. Answers per user.
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface DescribeUsersRequest {
  /** Users to describe; absent: every user. */
  users?: string[]
}

export interface DescribeUsersResponse {
  users: { user: string; mechanisms: { mechanism: string; iterations: number }[]; error?: WireError }[]
}

export interface AlterUsersRequest {
  /** Credentials to set (a user is made by its first credential). */
  upsertions: { user: string; mechanism: string; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }[]
  /** Credentials to delete (a user with none left is gone). */
  deletions: { user: string; mechanism: string }[]
}

export interface AlterUsersResponse {
  /** One per upsertion then one per deletion, in order. */
  results: { user: string; error?: WireError }[]
}

/** Most users in one request. */
export const USERS_PER_REQUEST_MAX = 1000

export function parseDescribeUsersRequest(frame: RequestFrame): Parsed<DescribeUsersRequest> {
  return parseOp(frame, () => { throw new Error('parseDescribeUsersRequest: not built yet (issue 19)') })
}

export function parseAlterUsersRequest(frame: RequestFrame): Parsed<AlterUsersRequest> {
  return parseOp(frame, () => { throw new Error('parseAlterUsersRequest: not built yet (issue 19)') })
}
