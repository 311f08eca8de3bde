// The public face of @faecie/protocol. Pure and isomorphic: nothing here imports `node:` modules.
export * from './crc32c.js'
export * from './batch-header.js'
export * from './errors.js'
