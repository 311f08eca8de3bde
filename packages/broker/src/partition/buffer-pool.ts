// Owned ArrayBuffers for produce requests on their way to a partition thread. A frame's bytes are a
// view into memory that `ws` and msgpackr reuse, so they are copied into a buffer we own whole and
// that buffer is transferred; the actor transfers it back with its answer and it returns here. Reuse
// matters: fresh off-heap buffers per request cost more in garbage collection than the copy itself.
import { strict as assert } from 'node:assert'

export interface BufferPoolOptions {
  /** Smallest buffer handed out; requests round up to a power of two from here. */
  minBytes?: number
  /** Buffers larger than this are allocated fresh and never pooled. */
  pooledBytesMax?: number
  /** Buffers kept per size class. */
  perClassMax?: number
}

export class BufferPool {
  readonly #minBytes: number
  readonly #pooledBytesMax: number
  readonly #perClassMax: number
  readonly #free = new Map<number, ArrayBuffer[]>()

  constructor(options: BufferPoolOptions = {}) {
    this.#minBytes = options.minBytes ?? 4096
    this.#pooledBytesMax = options.pooledBytesMax ?? 4 * 1024 * 1024
    this.#perClassMax = options.perClassMax ?? 64
    assert(this.#minBytes > 0 && this.#pooledBytesMax >= this.#minBytes, 'buffer pool bounds out of order')
  }

  /** Copies `bytes` into a buffer this pool owns and returns a view of exactly those bytes. */
  copy(bytes: Uint8Array): Uint8Array {
    const buffer = this.#acquire(bytes.length)
    const view = new Uint8Array(buffer, 0, bytes.length)
    view.set(bytes)
    return view
  }

  /** Gives back a buffer that came from `copy` (after a round trip through a worker). */
  release(buffer: ArrayBuffer): void {
    const size = buffer.byteLength
    if (size > this.#pooledBytesMax || size < this.#minBytes || (size & (size - 1)) !== 0) return
    let list = this.#free.get(size)
    if (list === undefined) this.#free.set(size, (list = []))
    if (list.length < this.#perClassMax) list.push(buffer)
  }

  #acquire(length: number): ArrayBuffer {
    if (length > this.#pooledBytesMax) return new ArrayBuffer(length)
    let size = this.#minBytes
    while (size < length) size *= 2
    return this.#free.get(size)?.pop() ?? new ArrayBuffer(size)
  }
}
