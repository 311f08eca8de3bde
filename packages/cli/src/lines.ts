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

/** How a stdin line becomes a record: kafka-console-producer's parse.key and parse.headers. */
export interface LineFormat {
  /** Set: the text before its first occurrence is the key (key.separator). */
  keySeparator: string | undefined
  /** Set: the text before its first occurrence holds the headers (headers.delimiter). */
  headersDelimiter: string | undefined
  /** Between two headers (headers.separator). */
  headersSeparator: string
  /** Between a header's key and value (headers.key.separator); a header without it has a null value. */
  headersKeySeparator: string
}

export interface LineRecord {
  key: string | null
  value: string
  headers: Array<{ key: string; value: string | null }>
}

/**
 * One stdin line as a record, read as kafka-console-producer reads it with parse.headers and
 * parse.key: `h1:v1,h2:v2<TAB>key<TAB>value`. A line without the headers delimiter has no headers
 * of its own and one without the key separator a null key (Kafka would refuse the line; faecie
 * sends it, as it always has for keys).
 */
export function parseLine(line: string, format: LineFormat): LineRecord {
  let rest = line
  const headers: LineRecord['headers'] = []
  if (format.headersDelimiter !== undefined) {
    const at = rest.indexOf(format.headersDelimiter)
    if (at >= 0) {
      const text = rest.slice(0, at)
      rest = rest.slice(at + format.headersDelimiter.length)
      for (const item of text === '' ? [] : text.split(format.headersSeparator)) {
        const split = item.indexOf(format.headersKeySeparator)
        headers.push(split < 0 ? { key: item, value: null } : { key: item.slice(0, split), value: item.slice(split + format.headersKeySeparator.length) })
      }
    }
  }
  const { key, value } = splitKey(rest, format.keySeparator)
  return { key, value, headers }
}
