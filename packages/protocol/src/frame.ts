// The frame envelope: what every WebSocket message of faecie's protocol looks like, before any op's
// own fields. One binary message is one MessagePack map (msgpack.ts):
//
//   client -> broker  request   {id, op, ...fields}            id: the client's number for the
//                                                               request, a safe integer >= 0
//   broker -> client  response  {id, ...result}                id of the request it answers
//                     error     {id, error: {code, name, message, retriable}}
//                     push      {sub, ...}                     a subscription's data, no id
//
// Responses may come in any order; the id matches them to requests. Record data travels in op
// fields as msgpack bin holding whole RecordBatch v2 batches back to back.
//
// Each op's own fields live in src/ops/<op>.ts (ops/hello.ts, ops/produce.ts, ...), one file per op,
// each exporting its request and response types and a parse function built on parseRequestEnvelope.
// This file knows only the envelope.
import { ErrorCode, FaecieError, errorInfo, isWireError, type WireError } from './errors.js'

/** The version of this envelope and of the ops; agreed in `hello`. */
export const PROTOCOL_VERSION = 1

export interface RequestFrame {
  id: number
  op: string
  [field: string]: unknown
}

export interface ResponseFrame {
  id: number
  error?: undefined
  [field: string]: unknown
}

export interface ErrorFrame {
  id: number
  error: WireError
}

export interface PushFrame {
  sub: number
  [field: string]: unknown
}

/** The result of a parse: the value, or the error to answer with (and the id, when one was readable). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: FaecieError; id?: number }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

/** A request or response id: a safe integer, zero or more. */
export function isFrameId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

export interface ParseRequestOptions {
  /** Ops the receiver serves; any other op is answered with UNKNOWN_OP. */
  knownOps?: ReadonlySet<string>
}

/**
 * Checks the envelope of a decoded request. Without a readable id the request can't be answered:
 * INVALID_FRAME, and the receiver decides whether to close. With an id but no op string:
 * INVALID_REQUEST, answered to that id. An op outside `knownOps`: UNKNOWN_OP.
 */
export function parseRequestEnvelope(value: unknown, options: ParseRequestOptions = {}): Parsed<RequestFrame> {
  if (!isRecord(value)) {
    return { ok: false, error: new FaecieError(ErrorCode.INVALID_FRAME, 'A request must be a map.') }
  }
  const { id, op } = value
  if (!isFrameId(id)) {
    return {
      ok: false,
      error: new FaecieError(ErrorCode.INVALID_FRAME, 'A request needs an id: a safe integer, zero or more.'),
    }
  }
  if (typeof op !== 'string' || op.length === 0) {
    return { ok: false, id, error: new FaecieError(ErrorCode.INVALID_REQUEST, 'A request needs an op: a string.') }
  }
  if (options.knownOps !== undefined && !options.knownOps.has(op)) {
    return { ok: false, id, error: new FaecieError(ErrorCode.UNKNOWN_OP, `Unknown op: ${op.slice(0, 64)}.`) }
  }
  return { ok: true, value: value as RequestFrame }
}

/**
 * The error response for request `id`. A FaecieError goes out as it is; anything else is a bug on
 * this side and goes out as UNKNOWN_SERVER_ERROR without its message (log it where it happened:
 * internals are not the client's business).
 */
export function errorResponse(id: number, err: unknown): ErrorFrame {
  if (err instanceof FaecieError) return { id, error: err.toWire() }
  const info = errorInfo(ErrorCode.UNKNOWN_SERVER_ERROR)!
  return { id, error: { code: info.code, name: info.name, message: info.message, retriable: info.retriable } }
}

export function isErrorFrame(value: unknown): value is ErrorFrame {
  return isRecord(value) && isFrameId(value.id) && isWireError(value.error)
}

export function isResponseFrame(value: unknown): value is ResponseFrame {
  return isRecord(value) && isFrameId(value.id) && value.error === undefined
}

export function isPushFrame(value: unknown): value is PushFrame {
  return isRecord(value) && isFrameId(value.sub) && value.id === undefined
}

/** What a client receives, sorted: a response, an error response, or a push. */
export type ServerFrame =
  | { kind: 'response'; frame: ResponseFrame }
  | { kind: 'error'; frame: ErrorFrame; error: FaecieError }
  | { kind: 'push'; frame: PushFrame }

/** Sorts a decoded server frame; anything that is none of the three is INVALID_FRAME. */
export function parseServerFrame(value: unknown): Parsed<ServerFrame> {
  if (isErrorFrame(value)) return { ok: true, value: { kind: 'error', frame: value, error: FaecieError.fromWire(value.error) } }
  if (isResponseFrame(value)) return { ok: true, value: { kind: 'response', frame: value } }
  if (isPushFrame(value)) return { ok: true, value: { kind: 'push', frame: value } }
  const id = isRecord(value) && isFrameId(value.id) ? value.id : undefined
  const error = new FaecieError(ErrorCode.INVALID_FRAME, 'A server frame must carry an id or a sub.')
  return id === undefined ? { ok: false, error } : { ok: false, id, error }
}
