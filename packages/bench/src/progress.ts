// Progress of a run on stderr: a bar redrawn in place (a few times a second) when stderr is a
// terminal, else one plain line every few seconds, so logs of a CI run stay readable. stdout is left
// for the result line alone.

const TTY_REDRAW_MS = 200
const LINE_EVERY_MS = 3_000
const BAR_WIDTH = 30

export interface ProgressOptions {
  /** What runs: `produce`, `consume`, `latency`. */
  label: string
  total: number
  stream?: NodeJS.WriteStream
  /** Whether to draw a bar; default: whether the stream is a TTY. */
  tty?: boolean
}

export class Progress {
  private readonly stream: NodeJS.WriteStream
  private readonly tty: boolean
  private readonly startMs = performance.now()
  private readonly timer: ReturnType<typeof setInterval>
  private done = 0

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr
    this.tty = options.tty ?? this.stream.isTTY === true
    this.timer = setInterval(() => this.draw(), this.tty ? TTY_REDRAW_MS : LINE_EVERY_MS)
    this.timer.unref()
  }

  /** `count` more records are done. */
  add(count: number): void {
    this.done += count
  }

  /** Stops the updates; the bar is finished with a newline. */
  stop(): void {
    clearInterval(this.timer)
    if (this.tty) {
      this.draw()
      this.stream.write('\n')
    }
  }

  private draw(): void {
    const { label, total } = this.options
    const seconds = (performance.now() - this.startMs) / 1000
    const rate = Math.round(this.done / Math.max(seconds, 0.001))
    const fraction = total > 0 ? Math.min(1, this.done / total) : 1
    const text = `${label}: ${this.done}/${total} records (${(fraction * 100).toFixed(1)}%), ${rate} records/s, ${seconds.toFixed(1)} s`
    if (this.tty) {
      const filled = Math.round(fraction * BAR_WIDTH)
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${text}\x1b[K`)
    } else {
      this.stream.write(`${text}\n`)
    }
  }
}
