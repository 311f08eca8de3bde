// The browser transport: the platform's global WebSocket (also Deno, Bun and Node 22+). Binary
// messages arrive as ArrayBuffers (binaryType 'arraybuffer'), which are wrapped, not copied.
import { CLOSE_ABNORMAL, CLOSE_PROTOCOL_ERROR, type Transport, type TransportFactory } from './transport.js'

export const browserTransport: TransportFactory = (url, handlers) => {
  const WebSocketImpl = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket
  if (WebSocketImpl === undefined) throw new Error('This platform has no global WebSocket; use the Node entry of @faecie/client.')
  const socket = new WebSocketImpl(url)
  socket.binaryType = 'arraybuffer'
  let closed = false
  socket.onopen = () => handlers.onOpen()
  socket.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data
    if (data instanceof ArrayBuffer) {
      handlers.onMessage(new Uint8Array(data))
    } else {
      socket.close(CLOSE_PROTOCOL_ERROR, 'text frames are not part of the protocol')
    }
  }
  // An error event is always followed by a close event, which carries what there is to know.
  socket.onerror = () => undefined
  socket.onclose = (event: CloseEvent) => {
    if (closed) return
    closed = true
    handlers.onClose(event.code || CLOSE_ABNORMAL, event.reason)
  }
  const transport: Transport = {
    send(data) {
      socket.send(data)
    },
    get bufferedBytes() {
      return socket.bufferedAmount
    },
    close(code, reason) {
      socket.close(code, reason)
    },
  }
  return transport
}
