// Splits text arriving in chunks into lines, as kafka-console-producer reads them: `\n` ends a line
// and a `\r` before it is dropped (so files written on Windows work); text after the last newline
// is a line too, once the input ends. A line that spans many chunks is kept as parts and joined
// once, so a long line costs linear time.
export class LineSplitter {
  private parts: string[] = []

  /** The lines completed by this chunk (a chunk with no newline completes none). */
  push(chunk: string): string[] {
    const lines = chunk.split('\n')
    if (lines.length === 1) {
      if (chunk !== '') this.parts.push(chunk)
      return []
    }
    const last = lines.pop()!
    if (this.parts.length > 0) {
      this.parts.push(lines[0]!)
      lines[0] = this.parts.join('')
      this.parts = []
    }
    if (last !== '') this.parts.push(last)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1)
    }
    return lines
  }

  /** The unterminated last line, if any, once the input has ended. */
  end(): string[] {
    if (this.parts.length === 0) return []
    const line = this.parts.join('')
    this.parts = []
    return [line.endsWith('\r') ? line.slice(0, -1) : line]
  }
}

/**
 * One stdin line as a record: with a separator, the text before its first occurrence is the key
 * and the rest the value; a line without it, or without a separator asked for, has a null key.
 */
export function splitKey(line: string, separator: string | undefined): { key: string | null; value: string } {
  if (separator === undefined || separator === '') return { key: null, value: line }
  const at = line.indexOf(separator)
  if (at < 0) return { key: null, value: line }
  return { key: line.slice(0, at), value: line.slice(at + separator.length) }
}
