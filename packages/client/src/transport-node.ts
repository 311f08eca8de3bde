/// <reference types="node" />
// The Node transport: the `ws` package, which uses `bufferutil` (installed beside it as an optional
// dependency) to mask and unmask frames natively: measured here, that triples its throughput.
// permessage-deflate is off: record batches are compressed by the producer when at all, and
// deflating msgpack frames costs CPU on both ends for little. wss:// takes the config's `tls` (the CA
// to trust, a client certificate); the hostname is checked against the certificate as ever.
import { randomFillSync } from 'node:crypto'
import WebSocket from 'ws'
import { CLOSE_ABNORMAL, CLOSE_PROTOCOL_ERROR, type Transport, type TransportFactory } from './transport.js'

/** Random bytes for masks, drawn 4 at a time, as ws does by itself. */
const maskPool = Buffer.alloc(8192)
let maskPoolPos = maskPool.length

/**
 * ws's random masks, except never all zeros: ws sends a zero-masked message without copying it,
 * and a transport must copy or send the bytes before send() returns (the connection reuses them).
 */
function generateMask(mask: Buffer): void {
  if (maskPoolPos + 4 > maskPool.length) {
    randomFillSync(maskPool)
    maskPoolPos = 0
  }
  maskPool.copy(mask, 0, maskPoolPos, maskPoolPos + 4)
  maskPoolPos += 4
  if ((mask[0]! | mask[1]! | mask[2]! | mask[3]!) === 0) mask[0] = 1
}

export const nodeTransport: TransportFactory = (url, handlers, options) => {
  const tls = options.tls
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: options.messageBytesMax, generateMask,
    ...(tls === undefined ? {} : { ...(tls.ca === undefined ? {} : { ca: tls.ca as string | Buffer | Array<string | Buffer> }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert as string | Buffer }), ...(tls.key === undefined ? {} : { key: tls.key as string | Buffer }) }) })
  let closed = false
  const close = (code: number, reason: string): void => {
    if (closed) return
    closed = true
    handlers.onClose(code, reason)
  }
  socket.on('open', () => handlers.onOpen())
  socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) {
      socket.close(CLOSE_PROTOCOL_ERROR, 'text frames are not part of the protocol')
      return
    }
    // binaryType is 'nodebuffer': one Buffer per message. Hand on a plain Uint8Array view of it.
    const buffer = data as Buffer
    handlers.onMessage(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength))
  })
  // 'error' comes before 'close' (or instead of it when the connection never opened); a close
  // without a reason gives the error's (a failed TLS handshake: which certificate was refused).
  let lastError: string | undefined
  socket.on('error', (err: Error) => {
    lastError = err.message
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.CLOSED) close(CLOSE_ABNORMAL, err.message)
  })
  socket.on('close', (code: number, reason: Buffer) => close(code, reason.length === 0 && lastError !== undefined ? lastError : reason.toString('utf8')))
  const transport: Transport = {
    send(data) {
      socket.send(data, { binary: true })
    },
    get bufferedBytes() {
      return socket.bufferedAmount
    },
    close(code, reason) {
      if (socket.readyState === WebSocket.CONNECTING) {
        // ws throws on close() before the handshake; terminate() aborts it.
        socket.terminate()
        close(code ?? CLOSE_ABNORMAL, reason ?? 'closed before it opened')
      } else {
        socket.close(code, reason)
      }
    },
  }
  return transport
}
