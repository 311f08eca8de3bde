// Standard output for records: lines are gathered into chunks (one write per chunk, not per record)
// and written with backpressure, so a slow reader of the pipe slows the consumer instead of
// filling memory. A reader that goes away (`faecie consume ... | head -3`) closes the pipe: that
// is the end of the output, not an error, and `closed` tells the command to stop. A line is text
// (written as UTF-8) or bytes written as they are (`faecie consume --format raw`).

/** Lines gathered before a write is forced; smaller runs go out when the event loop is idle. */
const CHUNK_CHARS = 64 * 1024

export class LineWriter {
  private pending: Array<string | Uint8Array> = []
  private pendingHasBytes = false
  private pendingChars = 0
  private flushScheduled = false
  private drained: Promise<void> | undefined
  private releaseDrain: (() => void) | undefined
  private isClosed = false
  private readonly closeListeners: Array<() => void> = []

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE: the reader is gone. Anything else on stdout is just as final; stop writing either way.
      this.isClosed = true
      this.pending = []
      this.releaseDrain?.()
      for (const listener of this.closeListeners.splice(0)) listener()
      if (err.code !== 'EPIPE') process.stderr.write(`faecie: stdout: ${err.message}\n`)
    })
  }

  /** True once stdout can take no more (its reader went away). */
  get closed(): boolean {
    return this.isClosed
  }

  /** Called once when stdout closes under us. */
  onClose(listener: () => void): void {
    if (this.isClosed) listener()
    else this.closeListeners.push(listener)
  }

  /**
   * Queues one line (without its newline). Resolves at once unless stdout is backed up; then it
   * resolves when stdout has drained, and the caller should not read more until it does.
   */
  write(line: string | Uint8Array): Promise<void> | undefined {
    if (this.isClosed) return undefined
    this.pending.push(line)
    if (typeof line !== 'string') this.pendingHasBytes = true
    this.pendingChars += line.length + 1
    if (this.pendingChars >= CHUNK_CHARS) return this.flushNow()
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        void this.flushNow()
      })
    }
    return this.drained
  }

  /** Writes what is queued; resolves once stdout has taken it all. */
  async end(): Promise<void> {
    await this.flushNow()
    if (this.isClosed) return
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()))
  }

  private flushNow(): Promise<void> | undefined {
    if (this.pending.length > 0 && !this.isClosed) {
      const chunk = this.pendingHasBytes ? joinBytes(this.pending) : `${this.pending.join('\n')}\n`
      this.pending = []
      this.pendingHasBytes = false
      this.pendingChars = 0
      if (!this.stream.write(chunk) && this.drained === undefined) {
        this.drained = new Promise<void>((resolve) => {
          const release = (): void => {
            if (this.releaseDrain !== release) return
            this.stream.removeListener('drain', release)
            this.drained = undefined
            this.releaseDrain = undefined
            resolve()
          }
          this.releaseDrain = release
          this.stream.once('drain', release)
        })
      }
    }
    return this.drained
  }
}

const NEWLINE = Buffer.from('\n')

/** Lines of text and bytes as one buffer, each line followed by a newline. */
function joinBytes(lines: Array<string | Uint8Array>): Buffer {
  return Buffer.concat(lines.flatMap((line) => [typeof line === 'string' ? Buffer.from(line) : line, NEWLINE]))
}
