/// <reference types="node" />
// The Node entry of @faecie/client (package.json `exports`, condition "node"): the `ws` transport
// (with bufferutil), the native CRC-32C of @faecie/protocol/node, and the native snappy, lz4 and
// zstd codecs where their packages load, and an AsyncLocalStorage handler scope (consumer/handler-
// scope.ts: a disconnect() awaited inside eachMessage, after its awaits too, does not wait for that
// handler). Everything else is the same client as in browsers.
import { AsyncLocalStorage } from 'node:async_hooks'
import '@faecie/protocol/node'
import { registerNodeCodecs } from './codecs-node.js'
import { setHandlerScope } from './consumer/handler-scope.js'
import { nodeTransport } from './transport-node.js'
import { setDefaultTransport } from './transport.js'

export * from './index.js'
export { nodeTransport } from './transport-node.js'
export { registerNodeCodecs, type NodeCodecReport } from './codecs-node.js'

setDefaultTransport(nodeTransport)
registerNodeCodecs()
const handlerOwners = new AsyncLocalStorage<object>()
setHandlerScope({ run: (owner, fn) => handlerOwners.run(owner, fn), owner: () => handlerOwners.getStore() })
