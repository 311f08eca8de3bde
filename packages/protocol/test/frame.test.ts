// The frame envelope: request parsing with the error each malformed request gets, error responses
// and their way back through msgpack to a FaecieError, and the sorting of server frames.
import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  FaecieError,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  errorResponse,
  isErrorFrame,
  isPushFrame,
  isResponseFrame,
  parseRequestEnvelope,
  parseServerFrame,
} from '../src/index.js'

function failure(value: unknown, knownOps?: ReadonlySet<string>): { code: number; id?: number } {
  const parsed = parseRequestEnvelope(value, knownOps === undefined ? {} : { knownOps })
  if (parsed.ok) throw new Error('expected the envelope to be refused')
  expect(parsed.error).toBeInstanceOf(FaecieError)
  return parsed.id === undefined ? { code: parsed.error.code } : { code: parsed.error.code, id: parsed.id }
}

describe('parseRequestEnvelope', () => {
  it('accepts {id, op, ...fields} and keeps the fields', () => {
    const parsed = parseRequestEnvelope(decodeFrame(encodeFrame({ id: 0, op: 'produce', topic: 't', acks: -1 })))
    expect(parsed).toEqual({ ok: true, value: { id: 0, op: 'produce', topic: 't', acks: -1 } })
    expect(parseRequestEnvelope({ id: 2 ** 53 - 1, op: 'hello' }).ok).toBe(true)
  })

  it('answers a request without a usable id with INVALID_FRAME and no id', () => {
    for (const id of [undefined, -1, 1.5, 2 ** 53, '1', null, Number.NaN]) {
      expect(failure({ id, op: 'hello' })).toEqual({ code: ErrorCode.INVALID_FRAME })
    }
    for (const value of [null, 7, 'x', [1, 'hello'], new Uint8Array([1])]) {
      expect(failure(value)).toEqual({ code: ErrorCode.INVALID_FRAME })
    }
  })

  it('answers a request without an op string with INVALID_REQUEST, to its id', () => {
    for (const op of [undefined, 3, '', null, ['hello']]) expect(failure({ id: 9, op })).toEqual({ code: ErrorCode.INVALID_REQUEST, id: 9 })
  })

  it('answers an op outside knownOps with UNKNOWN_OP', () => {
    const ops = new Set(['hello', 'produce'])
    expect(failure({ id: 4, op: 'fetch' }, ops)).toEqual({ code: ErrorCode.UNKNOWN_OP, id: 4 })
    expect(parseRequestEnvelope({ id: 4, op: 'hello' }, { knownOps: ops }).ok).toBe(true)
  })

  it('is at protocol version 1', () => {
    expect(PROTOCOL_VERSION).toBe(1)
  })
})

describe('error responses', () => {
  it('carry a FaecieError as it is, and come back as an equal FaecieError', () => {
    const err = new FaecieError(ErrorCode.CORRUPT_MESSAGE, 'bad CRC in batch 3')
    const frame = errorResponse(12, err)
    expect(frame).toEqual({ id: 12, error: { code: 2, name: 'CORRUPT_MESSAGE', message: 'bad CRC in batch 3', retriable: true } })
    const parsed = parseServerFrame(decodeFrame(encodeFrame(frame)))
    if (!parsed.ok || parsed.value.kind !== 'error') throw new Error('expected an error frame')
    expect(parsed.value.frame.id).toBe(12)
    expect(parsed.value.error.toWire()).toEqual(err.toWire())
  })

  it('hide the message of anything that is not a FaecieError', () => {
    const frame = errorResponse(1, new Error('password=hunter2 at /srv/x.ts:12'))
    expect(frame.error.code).toBe(ErrorCode.UNKNOWN_SERVER_ERROR)
    expect(frame.error.name).toBe('UNKNOWN_SERVER_ERROR')
    expect(frame.error.message).not.toContain('hunter2')
    expect(errorResponse(1, 'a string').error.code).toBe(ErrorCode.UNKNOWN_SERVER_ERROR)
  })
})

describe('server frames', () => {
  it('sorts responses, errors and pushes', () => {
    expect(parseServerFrame({ id: 3, offsets: [1, 2] })).toMatchObject({ ok: true, value: { kind: 'response' } })
    expect(parseServerFrame({ sub: 1, batches: new Uint8Array(0) })).toMatchObject({ ok: true, value: { kind: 'push' } })
    expect(isResponseFrame({ id: 3 })).toBe(true)
    expect(isErrorFrame({ id: 3, error: { code: 1, name: 'OFFSET_OUT_OF_RANGE', message: 'm', retriable: false } })).toBe(true)
    expect(isPushFrame({ sub: 3, id: 3 })).toBe(false)
  })

  it('calls anything else INVALID_FRAME, keeping the id when there is one', () => {
    const bad = parseServerFrame({ id: 5, error: 'not an error object' })
    expect(bad).toMatchObject({ ok: false, id: 5 })
    if (!bad.ok) expect(bad.error.code).toBe(ErrorCode.INVALID_FRAME)
    for (const value of [null, [], { sub: -1 }, { foo: 1 }, 'x']) {
      const parsed = parseServerFrame(value)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.error.code).toBe(ErrorCode.INVALID_FRAME)
    }
  })
})
