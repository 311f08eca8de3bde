// How the HTTP API answers errors: every failure is a FaecieError (the protocol's code, name,
// message and retriable flag) sent as `{ "error": { code, name, message, retriable } }` with the HTTP
// status of the table below. Fastify's own errors (bad JSON, a body over the limit, a wrong content
// type, an unknown route) are turned into protocol errors first, so a client always reads one shape.
//
//   400  INVALID_REQUEST, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG, ... (bad input)
//   401  AUTHENTICATION_REQUIRED (no credentials, or a password over plain http from another
//        host), SASL_AUTHENTICATION_FAILED (wrong password, unknown token); with WWW-Authenticate
//   403  ORIGIN_NOT_ALLOWED, TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED (an ACL refused the principal)
//   404  UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND, and unknown routes
//   409  TOPIC_ALREADY_EXISTS, NON_EMPTY_GROUP
//   413  MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, FRAME_TOO_LARGE
//   415  a body that is not application/json (INVALID_REQUEST)
//   416  OFFSET_OUT_OF_RANGE (the offset is outside [logStartOffset, highWatermark])
//   421  NOT_LEADER_OR_FOLLOWER (a cluster's broker that does not lead the partition), with
//        `leaderUrl` and `partitions` beside `error` (leadership.ts)
//   429  TOO_MANY_IN_FLIGHT, TOO_MANY_SUBSCRIPTIONS, TOO_MANY_SESSIONS, THROTTLING_QUOTA_EXCEEDED
//   500  UNKNOWN_SERVER_ERROR, LOG_DAMAGED (the broker lost the records asked for)
//   503  SHUTTING_DOWN and every other retriable error (try again later)
//   400  every other non-retriable error
import { ErrorCode, FaecieError, type WireError } from '@faecie/protocol'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '../log.js'
import { MisdirectedError } from './leadership.js'

/** The HTTP status of each protocol code that does not follow the retriable rule. */
export const HTTP_STATUS_BY_CODE: ReadonlyMap<number, number> = new Map<number, number>([
  [ErrorCode.AUTHENTICATION_REQUIRED, 401],
  [ErrorCode.SASL_AUTHENTICATION_FAILED, 401],
  [ErrorCode.ORIGIN_NOT_ALLOWED, 403],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 403],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, 403],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 403],
  [ErrorCode.SECURITY_DISABLED, 400],
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 404],
  [ErrorCode.UNKNOWN_TOPIC_ID, 404],
  [ErrorCode.GROUP_ID_NOT_FOUND, 404],
  [ErrorCode.TOPIC_ALREADY_EXISTS, 409],
  [ErrorCode.NON_EMPTY_GROUP, 409],
  [ErrorCode.MESSAGE_TOO_LARGE, 413],
  [ErrorCode.RECORD_LIST_TOO_LARGE, 413],
  [ErrorCode.FRAME_TOO_LARGE, 413],
  [ErrorCode.OFFSET_OUT_OF_RANGE, 416],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, 421],
  [ErrorCode.TOO_MANY_IN_FLIGHT, 429],
  [ErrorCode.TOO_MANY_SUBSCRIPTIONS, 429],
  [ErrorCode.TOO_MANY_SESSIONS, 429],
  [ErrorCode.THROTTLING_QUOTA_EXCEEDED, 429],
  [ErrorCode.UNKNOWN_SERVER_ERROR, 500],
  [ErrorCode.LOG_DAMAGED, 500],
  [ErrorCode.SHUTTING_DOWN, 503],
])

/** The HTTP status for a protocol error. */
export function httpStatusOf(error: WireError): number {
  return HTTP_STATUS_BY_CODE.get(error.code) ?? (error.retriable ? 503 : 400)
}

/** The body of every error answer. */
export interface HttpErrorBody {
  error: WireError
}

/** A FaecieError for anything thrown while serving a request: fastify's own errors get protocol codes. */
export function toFaecieError(err: unknown, logger: Logger): { error: FaecieError; status: number } {
  if (err instanceof FaecieError) return { error: err, status: httpStatusOf(err.toWire()) }
  const fastifyError = err as Partial<FastifyError>
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_VALIDATION':
      return { error: new FaecieError(ErrorCode.INVALID_REQUEST, `Bad request body: ${fastifyError.message ?? 'unreadable'}`), status: 400 }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: new FaecieError(ErrorCode.MESSAGE_TOO_LARGE, `The request body is larger than this endpoint accepts (${fastifyError.message ?? ''}).`), status: 413 }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { error: new FaecieError(ErrorCode.INVALID_REQUEST, 'The request body must be application/json.'), status: 415 }
    default:
      break
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { error: new FaecieError(ErrorCode.INVALID_REQUEST, fastifyError.message ?? 'Bad request.'), status }
  }
  logger.error({ err }, 'unexpected error in an HTTP API handler')
  return { error: new FaecieError(ErrorCode.UNKNOWN_SERVER_ERROR), status: 500 }
}

/**
 * The challenge of a 401. Basic is not offered to a browser page's script (Sec-Fetch-Dest other
 * than "document", or X-Requested-With, which the console sends): a Basic challenge answering a
 * page's fetch() would pop up the browser's own login dialog over the console's login page.
 */
export function authChallenge(request: FastifyRequest): string {
  const dest = request.headers['sec-fetch-dest']
  const bearer = 'Bearer realm="faecie"'
  const fromScript = (dest !== undefined && dest !== 'document') || request.headers['x-requested-with'] !== undefined
  return fromScript ? bearer : `Basic realm="faecie", charset="UTF-8", ${bearer}`
}

/** Answers `err` as the API does (for hooks outside the API's context: the authentication hook). */
export function sendErrorReply(request: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger): void {
  sendError(logger)(err, request, reply)
}

/** Fastify error handler of the API's routes. */
export function sendError(logger: Logger) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const { error, status } = toFaecieError(err, logger)
    if (reply.sent || reply.raw.headersSent) return
    if (status === 401) void reply.header('www-authenticate', authChallenge(request))
    if (error instanceof MisdirectedError) {
      void reply.code(status).type('application/json').send(error.body())
      return
    }
    // NOT_LEADER_OR_FOLLOWER that did not say where the leader is: the 421 body's shape all the same.
    const extra = error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER ? { leaderUrl: null, partitions: [] } : {}
    void reply.code(status).type('application/json').send({ error: error.toWire(), ...extra } satisfies HttpErrorBody)
  }
}

/** Throws the error of a per-item answer (a topic, a partition), if it has one. */
export function throwIfError(item: { error?: WireError | undefined }): void {
  if (item.error !== undefined) throw FaecieError.fromWire(item.error)
}

/** INVALID_REQUEST naming a query parameter or body field. */
export function invalidInput(what: string, detail: string): FaecieError {
  return new FaecieError(ErrorCode.INVALID_REQUEST, `Invalid ${what}: ${detail}`)
}
