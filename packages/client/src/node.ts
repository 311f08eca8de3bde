/// <reference types="node" />
// The Node entry of @faecie/client (package.json `exports`, condition "node"): the `ws` transport
// (with bufferutil), the native CRC-32C of @faecie/protocol/node, and the native snappy, lz4 and
// zstd codecs where their packages load. Everything else is the same client as in browsers.
import '@faecie/protocol/node'
import { registerNodeCodecs } from './codecs-node.js'
import { nodeTransport } from './transport-node.js'
import { setDefaultTransport } from './transport.js'

export * from './index.js'
export { nodeTransport } from './transport-node.js'
export { registerNodeCodecs, type NodeCodecReport } from './codecs-node.js'

setDefaultTransport(nodeTransport)
registerNodeCodecs()
