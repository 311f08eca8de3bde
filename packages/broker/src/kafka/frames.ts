// Kafka's framing on TCP: every request and response is a 4-byte big-endian size, then that many
// bytes. The size is checked against the broker's frameBytesMax (gateway/limits.ts) before a byte of
// the frame is buffered: a negative size, one over the limit (a 2 GiB prefix, or an HTTP request's
// "GET " read as a size), or one too small to hold a request header ends the connection.
//
//   | size: int32 | request header (api key int16, version int16, correlation id int32, ...) | body |
import { ErrorCode, FaecieError } from '@faecie/protocol'

/** A request header's fixed part: api key, api version, correlation id. */
export const REQUEST_HEADER_FIXED_BYTES = 8

export class KafkaFrameError extends FaecieError {
  constructor(message: string) {
    super(ErrorCode.INVALID_REQUEST, message)
  }
}

/** Cuts a TCP byte stream into frames, holding at most one frame's bytes (plus one chunk) at a time. */
export class KafkaFrameReader {
  readonly #frameBytesMax: number
  #chunks: Buffer[] = []
  #buffered = 0
  /** The size of the frame being read, once its prefix has arrived. */
  #size: number | undefined

  constructor(frameBytesMax: number) {
    this.#frameBytesMax = frameBytesMax
  }

  /** Bytes held for frames not yet complete. */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /** Adds bytes read from the socket; returns the frames they complete. Throws KafkaFrameError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    const frames: Buffer[] = []
    for (;;) {
      if (this.#size === undefined) {
        if (this.#buffered < 4) break
        const size = this.#take(4).readInt32BE(0)
        if (size < REQUEST_HEADER_FIXED_BYTES || size > this.#frameBytesMax) {
          throw new KafkaFrameError(`frame size ${size} is outside ${REQUEST_HEADER_FIXED_BYTES}..${this.#frameBytesMax} bytes (frameBytesMax)`)
        }
        this.#size = size
      }
      if (this.#buffered < this.#size) break
      frames.push(this.#take(this.#size))
      this.#size = undefined
    }
    return frames
  }

  /** Removes `count` buffered bytes from the front (copied only when they span chunks). */
  #take(count: number): Buffer {
    const first = this.#chunks[0]!
    let out: Buffer
    if (first.length >= count) {
      out = first.subarray(0, count)
      if (first.length === count) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(count)
    } else {
      out = Buffer.allocUnsafe(count)
      let filled = 0
      while (filled < count) {
        const chunk = this.#chunks[0]!
        const used = Math.min(chunk.length, count - filled)
        chunk.copy(out, filled, 0, used)
        filled += used
        if (used === chunk.length) this.#chunks.shift()
        else this.#chunks[0] = chunk.subarray(used)
      }
    }
    this.#buffered -= count
    return out
  }
}
