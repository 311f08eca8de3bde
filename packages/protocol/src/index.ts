// The public face of @faecie/protocol. Pure and isomorphic: nothing here imports `node:` modules
// (a test checks it); the Node-only extras are in `@faecie/protocol/node`.
export * from './crc32c.js'
export * from './batch-header.js'
export * from './errors.js'
export * from './varint.js'
export { decodeUtf8, encodeUtf8 } from './utf8.js'
export * from './compression.js'
export * from './record-batch-encoder.js'
export * from './record-batch-decoder.js'
export * from './murmur2.js'
export * from './partitioner.js'
export * from './msgpack.js'
export * from './frame.js'
