/// <reference types="node" />
// Node-only entry point of @faecie/protocol: installs the native CRC-32C from @node-rs/crc32 when it
// is present (about 4.6 GB/s here, against a few hundred MB/s for the portable table). Importing this
// module is the only thing that needs doing; browsers never load it.
import { createRequire } from 'node:module'
import { installCrc32c, type Crc32c } from './crc32c.js'

interface NativeCrc32 {
  crc32c(input: Uint8Array, initialState?: number | null): number
}

function loadNative(): NativeCrc32 | undefined {
  try {
    return createRequire(import.meta.url)('@node-rs/crc32') as NativeCrc32
  } catch {
    return undefined
  }
}

/** The native CRC-32C over `data[start, end)`, or undefined when @node-rs/crc32 is not installed. */
export function nativeCrc32c(): Crc32c | undefined {
  const native = loadNative()
  if (native === undefined) return undefined
  return (data, start = 0, end = data.length, crc = 0) => {
    // @node-rs/crc32 takes any Uint8Array, a plain one or a view at an offset, not only a Buffer,
    // and a running CRC of 2^31 or more (test/crc32c.test.ts checks both against the portable one).
    const view = start === 0 && end === data.length ? data : data.subarray(start, end)
    return native.crc32c(view, crc) >>> 0
  }
}

const impl = nativeCrc32c()
if (impl !== undefined) installCrc32c(impl)

export { crc32cImplementation } from './crc32c.js'
