// The client's `tls` option (wss:// in Node): checked at construction, and handed to the transport
// with every socket it opens (the Node transport gives it to ws; browsers ignore it).
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config.js'
import type { TransportFactory, TransportOptions } from '../src/transport.js'

describe('tls in the client config', () => {
  it('passes ca, cert and key to the transport with every socket', () => {
    const seen: TransportOptions[] = []
    const transport: TransportFactory = (_url, _handlers, options) => {
      seen.push(options)
      return { send: () => undefined, bufferedBytes: 0, close: () => undefined }
    }
    const tls = { ca: 'CA PEM', cert: new Uint8Array([1]), key: 'KEY PEM' }
    const config = resolveConfig({ brokers: ['wss://127.0.0.1:8092'], transport, tls })
    const handlers = { onOpen: () => undefined, onMessage: () => undefined, onClose: () => undefined }
    config.transport(config.brokers[0]!, handlers, { messageBytesMax: 10 })
    config.transport(config.brokers[0]!, handlers, { messageBytesMax: 10 })
    expect(seen).toEqual([{ messageBytesMax: 10, tls }, { messageBytesMax: 10, tls }])
  })

  it('leaves the transport as it is without tls', () => {
    const transport: TransportFactory = () => ({ send: () => undefined, bufferedBytes: 0, close: () => undefined })
    expect(resolveConfig({ brokers: ['ws://127.0.0.1:8092'], transport }).transport).toBe(transport)
  })

  it('refuses values that are not PEM text or bytes, and a cert without its key', () => {
    const transport: TransportFactory = () => ({ send: () => undefined, bufferedBytes: 0, close: () => undefined })
    const bad = [{ ca: 42 }, { ca: ['ok', 7] }, { cert: 'c' }, { key: 'k' }, { cert: {}, key: 'k' }] as unknown as Array<{ ca?: string }>
    for (const tls of bad) expect(() => resolveConfig({ brokers: ['wss://h:1'], transport, tls }), JSON.stringify(tls)).toThrow(TypeError)
    expect(() => resolveConfig({ brokers: ['wss://h:1'], transport, tls: null as unknown as { ca?: string } })).toThrow(/tls must be an object/)
  })
})
