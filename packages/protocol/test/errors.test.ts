// The error table: unique codes and names, Kafka's numbers where Kafka has one, faecie's own in a
// range of their own, a message for each, every code documented in the README, and FaecieError's
// trip over the wire (including a code from a newer peer that this version doesn't know).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_TABLE, ErrorCode, FAECIE_ERROR_CODE_MIN, FaecieError, decodeFrame, encodeFrame, errorInfo } from '../src/index.js'

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('error table', () => {
  it('has unique codes and names, each with a message and a retriable flag', () => {
    expect(new Set(ERROR_TABLE.map((e) => e.code)).size).toBe(ERROR_TABLE.length)
    expect(new Set(ERROR_TABLE.map((e) => e.name)).size).toBe(ERROR_TABLE.length)
    for (const e of ERROR_TABLE) {
      expect(e.message.length).toBeGreaterThan(5)
      expect(e.message).toMatch(/\.$/)
      expect(typeof e.retriable).toBe('boolean')
      expect(Number.isInteger(e.code)).toBe(true)
    }
  })

  it('lists every ErrorCode, with the same number, and nothing else', () => {
    expect(ERROR_TABLE.map((e) => e.name).sort()).toEqual(Object.keys(ErrorCode).sort())
    for (const e of ERROR_TABLE) expect(ErrorCode[e.name]).toBe(e.code)
    for (const e of ERROR_TABLE) expect(errorInfo(e.code)).toBe(e)
    expect(errorInfo(4242)).toBeUndefined()
  })

  it("keeps Kafka's int16 range below faecie's own codes", () => {
    const own = ['INVALID_FRAME', 'FRAME_TOO_LARGE', 'UNKNOWN_OP', 'TOO_MANY_IN_FLIGHT', 'TOO_MANY_SESSIONS', 'TOO_MANY_SUBSCRIPTIONS', 'HELLO_REQUIRED', 'ORIGIN_NOT_ALLOWED', 'MAILBOX_FULL', 'SHUTTING_DOWN', 'LOG_DAMAGED', 'AUTHENTICATION_REQUIRED']
    for (const e of ERROR_TABLE) {
      if (own.includes(e.name)) expect(e.code).toBeGreaterThanOrEqual(FAECIE_ERROR_CODE_MIN)
      else expect(e.code).toBeLessThan(FAECIE_ERROR_CODE_MIN)
    }
  })

  it("uses Kafka's numbers and retriable flags for the codes the design names", () => {
    // From Kafka's protocol guide (protocol_errors); DESIGN.md section 5 names these.
    const kafka: Array<[keyof typeof ErrorCode, number, boolean]> = [
      ['UNKNOWN_SERVER_ERROR', -1, false],
      ['OFFSET_OUT_OF_RANGE', 1, false],
      ['CORRUPT_MESSAGE', 2, true],
      ['UNKNOWN_TOPIC_OR_PARTITION', 3, true],
      ['NOT_LEADER_OR_FOLLOWER', 6, true],
      ['MESSAGE_TOO_LARGE', 10, false],
      ['REBALANCE_IN_PROGRESS', 27, false],
      ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45, false],
      ['KAFKA_STORAGE_ERROR', 56, true],
      ['NON_EMPTY_GROUP', 68, false],
      ['UNSUPPORTED_COMPRESSION_TYPE', 76, false],
      ['THROTTLING_QUOTA_EXCEEDED', 89, true],
      ['UNKNOWN_TOPIC_ID', 100, true],
      ['UNSUPPORTED_ASSIGNOR', 112, false],
    ]
    for (const [name, code, retriable] of kafka) expect(errorInfo(code)).toMatchObject({ name, retriable })
  })

  it('documents every code in the README table, with its number and retriable flag, and no others', () => {
    const rows = [...README.matchAll(/^\| `([A-Z_]+)` \| (-?\d+) \| (yes|no) \|/gm)].map((m) => [m[1], Number(m[2]), m[3] === 'yes'])
    expect(rows).toEqual(ERROR_TABLE.map((e) => [e.name, e.code, e.retriable]))
  })
})

describe('FaecieError', () => {
  it('takes its name, message and retriable flag from the table', () => {
    const err = new FaecieError(ErrorCode.NOT_COORDINATOR)
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('FaecieError')
    expect(err.errorName).toBe('NOT_COORDINATOR')
    expect(err.retriable).toBe(true)
    expect(err.message).toBe(errorInfo(ErrorCode.NOT_COORDINATOR)!.message)
    const cause = new RangeError('x')
    expect(new FaecieError(ErrorCode.CORRUPT_MESSAGE, 'm', { cause }).cause).toBe(cause)
  })

  it('goes over the wire and back unchanged', () => {
    for (const e of ERROR_TABLE) {
      const err = new FaecieError(e.code, `detail for ${e.name}`)
      const back = FaecieError.fromWire(decodeFrame(encodeFrame(err.toWire())))
      expect(back.toWire()).toEqual(err.toWire())
    }
  })

  it("keeps a newer peer's unknown code, name and retriable flag", () => {
    const back = FaecieError.fromWire({ code: 1234, name: 'FUTURE_THING', message: 'later', retriable: true })
    expect(back).toMatchObject({ code: 1234, errorName: 'FUTURE_THING', message: 'later', retriable: true })
    expect(new FaecieError(1234).errorName).toBe('ERROR_1234')
  })

  it('turns a malformed error object into INVALID_FRAME', () => {
    for (const value of [null, 'x', { code: '2', name: 'A', message: '', retriable: false }, { code: 2, name: 'A', message: 'm' }]) {
      expect(FaecieError.fromWire(value).code).toBe(ErrorCode.INVALID_FRAME)
    }
  })
})
