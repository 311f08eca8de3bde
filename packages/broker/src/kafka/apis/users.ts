// DescribeUserScramCredentials (v0) and AlterUserScramCredentials (v0), as kafka-configs.sh
// (--entity-type users, --add-config 'SCRAM-SHA-256=[password=...]', --delete-config, --describe)
// and the admin client send them, through the gateway's describeUsers and alterUsers ops (which
// check Describe / Alter on the cluster and keep the credentials in the cluster metadata). The
// password never travels: the client sends salt, iterations and the salted password (ops/users.ts).
//   Describe   null or no users: every user; a user named twice: DUPLICATE_RESOURCE for it (as
//              Kafka); an unknown one: the op's RESOURCE_NOT_FOUND; a refusal of the whole request:
//              the answer's error
//   Alter      one result per user named, in the order first named: the first error of its
//              credentials, or none; an unknown mechanism code is UNSUPPORTED_SASL_MECHANISM and not
//              sent; a user-and-mechanism named twice is DUPLICATE_RESOURCE (as Kafka), not sent
import { ErrorCode, isScramMechanism } from '@faecie/protocol'
import { checkItemCount, NO_RESPONSE, wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { readAlterUserScramCredentialsRequest, writeAlterUserScramCredentialsResponse, type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponse } from '../generated/alter-user-scram-credentials.js'
import { readDescribeUserScramCredentialsRequest, writeDescribeUserScramCredentialsResponse, type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse } from '../generated/describe-user-scram-credentials.js'
import { MECHANISM_CODES, mechanismName } from './acl-codes.js'
import { kafkaApi } from './context.js'

interface Outcome { errorCode: number; errorMessage: string | null }
const OK: Outcome = { errorCode: 0, errorMessage: null }

export const describeUserScramCredentials = kafkaApi<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>({
  api: KAFKA_APIS.DescribeUserScramCredentials,
  read: readDescribeUserScramCredentialsRequest,
  write: writeDescribeUserScramCredentialsResponse,
  handle: async (request, _version, ctx) => {
    const named = request.users?.map((u) => u.name) ?? []
    checkItemCount(named.length, ctx.gateway.limits)
    const counts = new Map<string, number>()
    for (const name of named) counts.set(name, (counts.get(name) ?? 0) + 1)
    const distinct = [...counts.keys()].filter((name) => counts.get(name) === 1)
    const duplicates = [...counts.keys()].filter((name) => counts.get(name)! > 1)
      .map((user) => ({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `User ${user} is named more than once.`, credentialInfos: [] }))
    if (named.length > 0 && distinct.length === 0) return { throttleTimeMs: 0, ...OK, results: duplicates }
    try {
      const answer = await OP_HANDLERS.describeUsers(named.length === 0 ? {} : { users: distinct }, ctx.op)
      if (answer === NO_RESPONSE) throw new Error('describeUsers always answers')
      const results = answer.users.map((u) => ({
        user: u.user, errorCode: u.error?.code ?? 0, errorMessage: u.error?.message ?? null,
        credentialInfos: u.mechanisms.flatMap((m) => {
          const code = isScramMechanism(m.mechanism) ? MECHANISM_CODES.get(m.mechanism) : undefined
          return code === undefined ? [] : [{ mechanism: code, iterations: m.iterations }]
        }),
      }))
      return { throttleTimeMs: 0, ...OK, results: [...results, ...duplicates] }
    } catch (err) {
      const error = wireError(err, ctx.logger)
      return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, results: [] }
    }
  },
})

export const alterUserScramCredentials = kafkaApi<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>({
  api: KAFKA_APIS.AlterUserScramCredentials,
  read: readAlterUserScramCredentialsRequest,
  write: writeAlterUserScramCredentialsResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.upsertions.length + request.deletions.length, ctx.gateway.limits)
    const outcomes = new Map<string, Outcome>()
    const note = (user: string, outcome: Outcome): void => {
      const before = outcomes.get(user)
      if (before === undefined || before.errorCode === 0) outcomes.set(user, outcome)
    }
    // Every user and mechanism named more than once, and every unknown mechanism, answered here.
    const seen = new Map<string, number>()
    const items = [...request.upsertions, ...request.deletions]
    for (const item of items) {
      note(item.name, OK)
      const key = `${item.name}\0${item.mechanism}`
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    const sendable = (item: { name: string; mechanism: number }): boolean => {
      if (mechanismName(item.mechanism) === undefined) {
        note(item.name, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: `Unknown SCRAM mechanism code ${item.mechanism}.` })
        return false
      }
      if (seen.get(`${item.name}\0${item.mechanism}`)! > 1) {
        note(item.name, { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `A credential of ${item.name} is altered more than once in one request.` })
        return false
      }
      return true
    }
    const upsertions = request.upsertions.filter(sendable).map((u) => ({ user: u.name, mechanism: mechanismName(u.mechanism)!, iterations: u.iterations,
      salt: u.salt, saltedPassword: u.saltedPassword }))
    const deletions = request.deletions.filter(sendable).map((d) => ({ user: d.name, mechanism: mechanismName(d.mechanism)! }))
    if (upsertions.length + deletions.length > 0) {
      try {
        const answer = await OP_HANDLERS.alterUsers({ upsertions, deletions }, ctx.op)
        if (answer === NO_RESPONSE) throw new Error('alterUsers always answers')
        for (const r of answer.results) note(r.user, r.error === undefined ? OK : { errorCode: r.error.code, errorMessage: r.error.message })
      } catch (err) {
        const error = wireError(err, ctx.logger)
        for (const item of [...upsertions, ...deletions]) note(item.user, { errorCode: error.code, errorMessage: error.message })
      }
    }
    return { throttleTimeMs: 0, results: [...outcomes].map(([user, outcome]) => ({ user, ...outcome })) }
  },
})
