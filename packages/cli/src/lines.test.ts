// The stdin line splitter fed whole, byte by byte and in every two-piece split, and the key split.
import { describe, expect, it } from 'vitest'
import { LineSplitter, parseLine, splitKey, type LineFormat } from './lines.js'

function splitAll(chunks: string[]): string[] {
  const splitter = new LineSplitter()
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()]
}

describe('LineSplitter', () => {
  const text = 'first\r\nsecond\n\nfourth: with a colon\nunterminated'
  const expected = ['first', 'second', '', 'fourth: with a colon', 'unterminated']

  it('splits whole text, text fed one character at a time, and every two-piece split alike', () => {
    expect(splitAll([text])).toEqual(expected)
    expect(splitAll([...text])).toEqual(expected)
    for (let at = 0; at <= text.length; at++) expect(splitAll([text.slice(0, at), text.slice(at)])).toEqual(expected)
  })

  it('gives no extra empty line after a final newline, and none for empty input', () => {
    expect(splitAll(['a\nb\n'])).toEqual(['a', 'b'])
    expect(splitAll([''])).toEqual([])
    expect(splitAll(['\n'])).toEqual([''])
  })

  it('joins a long line that spans many chunks', () => {
    const long = 'x'.repeat(100_000)
    const chunks = long.match(/.{1,1000}/g)!
    expect(splitAll([...chunks, '\nnext'])).toEqual([long, 'next'])
  })
})

describe('splitKey', () => {
  it('splits at the first separator; a line without it, or no separator asked for, has a null key', () => {
    expect(splitKey('k:v:w', ':')).toEqual({ key: 'k', value: 'v:w' })
    expect(splitKey(':v', ':')).toEqual({ key: '', value: 'v' })
    expect(splitKey('plain', ':')).toEqual({ key: null, value: 'plain' })
    expect(splitKey('k:v', undefined)).toEqual({ key: null, value: 'k:v' })
    expect(splitKey('k=>v', '=>')).toEqual({ key: 'k', value: 'v' })
  })
})

describe('parseLine', () => {
  const none: LineFormat = { keySeparator: undefined, headersDelimiter: undefined, headersSeparator: ',', headersKeySeparator: ':' }
  const both: LineFormat = { ...none, keySeparator: '\t', headersDelimiter: '\t' }

  it('reads headers, then the key, then the value, as kafka-console-producer does', () => {
    expect(parseLine('h1:v1,h2:v2\tuser-1\tclicked', both)).toEqual({
      key: 'user-1', value: 'clicked', headers: [{ key: 'h1', value: 'v1' }, { key: 'h2', value: 'v2' }],
    })
    expect(parseLine('a:1:2,flag\tk\tv', both).headers).toEqual([{ key: 'a', value: '1:2' }, { key: 'flag', value: null }])
    expect(parseLine('h=1;g=2|k=v', { keySeparator: '=', headersDelimiter: '|', headersSeparator: ';', headersKeySeparator: '=' }))
      .toEqual({ key: 'k', value: 'v', headers: [{ key: 'h', value: '1' }, { key: 'g', value: '2' }] })
  })

  it('takes the whole line as the value when nothing is parsed', () => {
    expect(parseLine('a:b\tc', none)).toEqual({ key: null, value: 'a:b\tc', headers: [] })
  })

  it('gives no headers to a line without the delimiter, and none for an empty header part', () => {
    expect(parseLine('just a value', { ...none, headersDelimiter: '\t' })).toEqual({ key: null, value: 'just a value', headers: [] })
    expect(parseLine('\tk\tv', both)).toEqual({ key: 'k', value: 'v', headers: [] })
  })
})
