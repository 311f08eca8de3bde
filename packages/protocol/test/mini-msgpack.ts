// A small MessagePack decoder written from the specification (github.com/msgpack/msgpack/spec.md)
// for the tests, sharing nothing with msgpackr: if it reads what encodeFrame writes, so can any
// other MessagePack library. It knows only the standard formats; extensions make it throw.

export function miniDecode(bytes: Uint8Array): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

  function take(n: number): Uint8Array {
    if (pos + n > bytes.length) throw new Error('truncated')
    const out = bytes.subarray(pos, pos + n)
    pos += n
    return out
  }
  function u(n: 1 | 2 | 4 | 8): number {
    if (pos + n > bytes.length) throw new Error('truncated')
    const v = n === 1 ? dv.getUint8(pos) : n === 2 ? dv.getUint16(pos) : n === 4 ? dv.getUint32(pos) : Number(dv.getBigUint64(pos))
    pos += n
    return v
  }
  function i(n: 1 | 2 | 4 | 8): number {
    if (pos + n > bytes.length) throw new Error('truncated')
    const v = n === 1 ? dv.getInt8(pos) : n === 2 ? dv.getInt16(pos) : n === 4 ? dv.getInt32(pos) : Number(dv.getBigInt64(pos))
    pos += n
    return v
  }
  function array(n: number): unknown[] {
    const out: unknown[] = []
    for (let k = 0; k < n; k++) out.push(read())
    return out
  }
  function map(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (let k = 0; k < n; k++) {
      const key = read()
      if (typeof key !== 'string') throw new Error('non-string key')
      out[key] = read()
    }
    return out
  }
  function read(): unknown {
    const t = u(1)
    if (t <= 0x7f) return t
    if (t >= 0xe0) return t - 0x100
    if (t >= 0x80 && t <= 0x8f) return map(t & 0x0f)
    if (t >= 0x90 && t <= 0x9f) return array(t & 0x0f)
    if (t >= 0xa0 && t <= 0xbf) return text.decode(take(t & 0x1f))
    switch (t) {
      case 0xc0: return null
      case 0xc2: return false
      case 0xc3: return true
      case 0xc4: return take(u(1)).slice()
      case 0xc5: return take(u(2)).slice()
      case 0xc6: return take(u(4)).slice()
      case 0xca: { const v = dv.getFloat32(pos); take(4); return v }
      case 0xcb: { const v = dv.getFloat64(pos); take(8); return v }
      case 0xcc: return u(1)
      case 0xcd: return u(2)
      case 0xce: return u(4)
      case 0xcf: return u(8)
      case 0xd0: return i(1)
      case 0xd1: return i(2)
      case 0xd2: return i(4)
      case 0xd3: return i(8)
      case 0xd9: return text.decode(take(u(1)))
      case 0xda: return text.decode(take(u(2)))
      case 0xdb: return text.decode(take(u(4)))
      case 0xdc: return array(u(2))
      case 0xdd: return array(u(4))
      case 0xde: return map(u(2))
      case 0xdf: return map(u(4))
      default: throw new Error(`not a standard MessagePack type byte: 0x${t.toString(16)}`)
    }
  }
  const value = read()
  if (pos !== bytes.length) throw new Error('bytes after the value')
  return value
}
