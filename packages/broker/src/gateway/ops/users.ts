// Ops `describeUsers`, `alterUsers` (protocol ops/users.ts), as Kafka's DescribeUserScramCredentials
// and AlterUserScramCredentials: describing needs Describe on the cluster, altering Alter on it.
// The request carries each credential's salted password; the broker derives StoredKey and ServerKey
// (protocol scram.ts credentialFromSaltedPassword) and the store keeps those, never the password.
// Answers per item; a description never holds keys or salts, only mechanisms and iteration counts.
// The bootstrap user (--bootstrap-user) lives only in memory: changing it is refused (POLICY_VIOLATION).
import { base64Encode, credentialFromSaltedPassword, ErrorCode, FaecieError, type WireError } from '@faecie/protocol'
import type { CredentialDeletion, CredentialUpsert } from '../../coordinator/security-writes.js'
import type { OpHandler } from '../context.js'
import { checkCluster, itemWireError, storeOf } from './security-store-access.js'

export const describeUsers: OpHandler<'describeUsers'> = async (request, { gateway, session }) => {
  checkCluster(gateway, session, 'Describe')
  const users = gateway.security.state.users().map((u) => ({ user: u.name, mechanisms: u.mechanisms }))
  if (request.users === undefined) return { users }
  const byName = new Map(users.map((u) => [u.user, u]))
  return {
    users: request.users.map((name) => byName.get(name) ?? {
      user: name, mechanisms: [], error: new FaecieError(ErrorCode.RESOURCE_NOT_FOUND, `User ${name} does not exist.`).toWire(),
    }),
  }
}

export const alterUsers: OpHandler<'alterUsers'> = async (request, { gateway, session }) => {
  checkCluster(gateway, session, 'Alter')
  const { store, reservedUsers } = storeOf(gateway)
  const nameCharsMax = gateway.security.config.limits.userNameCharsMax
  const refusal = (user: string): WireError | undefined => {
    if (user.length > nameCharsMax) {
      return new FaecieError(ErrorCode.INVALID_REQUEST, `A user name has at most ${nameCharsMax} characters (security.limits.userNameCharsMax).`).toWire()
    }
    if (reservedUsers.has(user)) {
      return new FaecieError(ErrorCode.POLICY_VIOLATION, `User ${user} is this broker's bootstrap user (--bootstrap-user): its credentials ` +
        'come from its password file at each start and are never stored. Make another user.').toWire()
    }
    return undefined
  }
  // Refused items are answered here; the others go to the store in one call, in order.
  const answers: ({ user: string; error?: WireError } | undefined)[] = []
  const upsertions: CredentialUpsert[] = []
  const deletions: CredentialDeletion[] = []
  for (const u of request.upsertions) {
    const error = refusal(u.user)
    if (error !== undefined) {
      answers.push({ user: u.user, error })
      continue
    }
    const credential = await credentialFromSaltedPassword(u.mechanism, u.saltedPassword, u.salt, u.iterations)
    upsertions.push({ user: u.user, mechanism: u.mechanism, iterations: u.iterations, salt: base64Encode(credential.salt),
      storedKey: base64Encode(credential.storedKey), serverKey: base64Encode(credential.serverKey) })
    answers.push(undefined)
  }
  for (const d of request.deletions) {
    const error = refusal(d.user)
    if (error !== undefined) {
      answers.push({ user: d.user, error })
      continue
    }
    deletions.push({ user: d.user, mechanism: d.mechanism })
    answers.push(undefined)
  }
  const stored = upsertions.length + deletions.length === 0 ? [] : await store.alterUsers(upsertions, deletions)
  const storedUsers = [...upsertions.map((u) => u.user), ...deletions.map((d) => d.user)]
  let next = 0
  return {
    results: answers.map((answer) => {
      if (answer !== undefined) return answer
      const user = storedUsers[next]!
      const error = stored[next++]
      return error === null || error === undefined ? { user } : { user, error: itemWireError(error) }
    }),
  }
}
