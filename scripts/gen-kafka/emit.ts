// Writes the TypeScript of one Kafka message definition: an interface per struct (every field of
// every version; a version reads and writes only its own), a default constructor per struct, and
// read/write functions taking the version. The code it writes calls the primitives of
// packages/broker/src/kafka/wire.ts.
import { camel, elementType, NO_VERSIONS, parseVersions, PRIMITIVES, type FieldSpec, type MessageSpec, type VersionRange } from './schema.js'

interface Struct { tsName: string; fields: FieldSpec[] }

const NUMBER_TYPES: Record<string, string> = {
  int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', float64: 'float64',
}

/** The TypeScript condition that `version` lies in a range (within the versions the message serves). */
function condition(range: VersionRange, served: VersionRange): string {
  if (range.max < range.min) return 'false'
  const parts: string[] = []
  if (range.min > served.min) parts.push(`version >= ${range.min}`)
  if (range.max < served.max) parts.push(`version <= ${range.max}`)
  return parts.length === 0 ? 'true' : parts.join(' && ')
}

export class MessageEmitter {
  readonly #spec: MessageSpec
  readonly #served: VersionRange
  readonly #flexible: VersionRange
  readonly #structs = new Map<string, Struct>()
  readonly #common = new Map<string, FieldSpec[]>()
  readonly #out: string[] = []

  constructor(spec: MessageSpec, served: VersionRange) {
    this.#spec = spec
    this.#served = served
    this.#flexible = parseVersions(spec.flexibleVersions)
    for (const common of spec.commonStructs ?? []) this.#common.set(common.name, common.fields)
  }

  #structOf(field: FieldSpec): Struct | undefined {
    const typeName = elementType(field.type) ?? field.type
    if (PRIMITIVES.has(typeName)) return undefined
    const fields = field.fields ?? this.#common.get(typeName)
    if (fields === undefined) throw new Error(`${this.#spec.name}: no struct ${typeName}`)
    const tsName = typeName.startsWith(this.#spec.name) ? typeName : `${this.#spec.name}${typeName}`
    let struct = this.#structs.get(tsName)
    if (struct === undefined) {
      struct = { tsName, fields }
      this.#structs.set(tsName, struct)
    }
    return struct
  }

  #nullable(field: FieldSpec): VersionRange {
    return field.nullableVersions === undefined ? NO_VERSIONS : parseVersions(field.nullableVersions)
  }

  #tsType(field: FieldSpec): string {
    const element = elementType(field.type)
    const nullable = field.nullableVersions !== undefined || field.default === 'null' || field.type === 'records'
    const base = (type: string, f: FieldSpec): string => {
      if (type in NUMBER_TYPES) return 'number'
      if (type === 'int64') return 'bigint'
      if (type === 'bool') return 'boolean'
      if (type === 'string') return 'string'
      if (type === 'bytes' || type === 'records' || type === 'uuid') return 'Uint8Array'
      return this.#structOf(f)!.tsName
    }
    const type = element === undefined ? base(field.type, field) : `${base(element, field)}[]`
    return nullable ? `${type} | null` : type
  }

  #default(field: FieldSpec): string {
    const given = field.default
    if (elementType(field.type) !== undefined) return given === 'null' ? 'null' : '[]'
    switch (field.type) {
      case 'int64': return `${given === undefined ? 0n : BigInt(String(given))}n`
      case 'bool': return String(given === true || given === 'true')
      case 'string': return given === 'null' ? 'null' : JSON.stringify(given === undefined ? '' : String(given))
      case 'bytes': return given === 'null' ? 'null' : 'new Uint8Array(0)'
      case 'records': return 'null'
      case 'uuid': return 'new Uint8Array(16)'
      default:
        if (field.type in NUMBER_TYPES) return String(given === undefined ? 0 : Number(given))
        return given === 'null' ? 'null' : `default${this.#structOf(field)!.tsName}()`
    }
  }

  /** An expression reading one value of `type` from reader `r`. */
  #readExpr(field: FieldSpec, type: string, compact: string): string {
    const what = JSON.stringify(`${this.#spec.name}.${field.name}`)
    const nullable = condition(this.#nullable(field), this.#served)
    const element = elementType(type)
    const sure = nullable === 'false' && field.default !== 'null' ? '!' : ''
    if (element !== undefined) {
      return `readArray(r, ${compact}, ${nullable}, ${what}, (r) => ${this.#readExpr({ ...field, nullableVersions: undefined, default: undefined }, element, compact)})${sure}`
    }
    if (type in NUMBER_TYPES) return `r.${NUMBER_TYPES[type]}()`
    if (type === 'int64') return 'r.int64()'
    if (type === 'bool') return 'r.bool()'
    if (type === 'uuid') return 'r.uuid()'
    if (type === 'string') return `readString(r, ${compact}, ${nullable}, ${what})${sure}`
    if (type === 'bytes' || type === 'records') return `readBytes(r, ${compact}, ${type === 'records' ? 'true' : nullable}, ${what})${type === 'records' ? '' : sure}`
    const struct = this.#structOf(field)!
    if (nullable !== 'false') return `(${nullable} && r.int8() < 0 ? null : read${struct.tsName}(r, version))`
    return `read${struct.tsName}(r, version)`
  }

  /** A statement writing one value `value` of `type` to writer `w`. */
  #writeStmt(field: FieldSpec, type: string, value: string, compact: string): string {
    const what = JSON.stringify(`${this.#spec.name}.${field.name}`)
    const nullable = condition(this.#nullable(field), this.#served)
    const element = elementType(type)
    if (element !== undefined) {
      return `writeArray(w, ${value}, ${compact}, ${nullable}, ${what}, (w, item) => { ${this.#writeStmt({ ...field, nullableVersions: undefined }, element, 'item', compact)} })`
    }
    if (type in NUMBER_TYPES) return `w.${NUMBER_TYPES[type]}(${value})`
    if (type === 'int64') return `w.int64(${value})`
    if (type === 'bool') return `w.bool(${value})`
    if (type === 'uuid') return `w.uuid(${value})`
    if (type === 'string') return `writeString(w, ${value}, ${compact}, ${nullable}, ${what})`
    if (type === 'bytes' || type === 'records') return `writeBytes(w, ${value}, ${compact}, ${type === 'records' ? 'true' : nullable}, ${what})`
    const struct = this.#structOf(field)!
    if (nullable !== 'false') {
      return `if (${value} === null) w.int8(-1); else { if (${nullable}) w.int8(1); write${struct.tsName}(w, version, ${value}) }`
    }
    return `write${struct.tsName}(w, version, ${value}!)`
  }

  #emitStruct(struct: Struct): void {
    const out = this.#out
    const served = this.#served
    out.push(`export interface ${struct.tsName} {`)
    for (const field of struct.fields) out.push(`  ${camel(field.name)}: ${this.#tsType(field)}`)
    out.push('}', '')
    out.push(`export function default${struct.tsName}(): ${struct.tsName} {`)
    out.push(`  return { ${struct.fields.map((f) => `${camel(f.name)}: ${this.#default(f)}`).join(', ')} }`)
    out.push('}', '')
    const flexible = condition(this.#flexible, served)
    const tagged = struct.fields.filter((f) => f.tag !== undefined).sort((a, b) => a.tag! - b.tag!)
    const regular = (f: FieldSpec): string => {
      const versions = parseVersions(f.versions)
      const taggedIn = f.taggedVersions === undefined ? NO_VERSIONS : parseVersions(f.taggedVersions)
      if (taggedIn.max >= taggedIn.min) {
        if (taggedIn.min <= versions.min && taggedIn.max >= versions.max) return 'false'
      }
      return condition(versions, served)
    }
    const compactOf = (f: FieldSpec): string => f.flexibleVersions === undefined ? 'flexible' : condition(parseVersions(f.flexibleVersions), served)
    // Reader.
    out.push(`export function read${struct.tsName}(r: KafkaReader, version: number): ${struct.tsName} {`)
    out.push(`  const flexible = ${flexible}`)
    out.push(`  const value = default${struct.tsName}()`)
    for (const f of struct.fields) {
      const cond = regular(f)
      if (cond === 'false') continue
      const read = `value.${camel(f.name)} = ${this.#readExpr(f, f.type, compactOf(f))}`
      out.push(cond === 'true' ? `  ${read}` : `  if (${cond}) ${read}`)
    }
    if (flexible !== 'false') {
      out.push(`  if (flexible) r.taggedFields((tag, r) => {`)
      out.push('    switch (tag) {')
      for (const f of tagged) {
        const cond = condition(parseVersions(f.taggedVersions!), served)
        out.push(`      case ${f.tag}: if (!(${cond})) return false; value.${camel(f.name)} = ${this.#readExpr(f, f.type, 'true')}; return true`)
      }
      out.push('      default: return false', '    }', '  })')
    }
    out.push('  return value', '}', '')
    // Writer.
    out.push(`export function write${struct.tsName}(w: KafkaWriter, version: number, value: ${struct.tsName}): void {`)
    out.push(`  const flexible = ${flexible}`)
    for (const f of struct.fields) {
      const cond = regular(f)
      if (cond === 'false') continue
      const write = this.#writeStmt(f, f.type, `value.${camel(f.name)}`, compactOf(f))
      out.push(cond === 'true' ? `  { ${write} }` : `  if (${cond}) { ${write} }`)
    }
    if (flexible !== 'false') {
      out.push('  if (flexible) {')
      out.push('    const tagged: Array<readonly [number, (w: KafkaWriter) => void]> = []')
      for (const f of tagged) {
        const cond = condition(parseVersions(f.taggedVersions!), served)
        out.push(`    if ((${cond}) && !sameValue(value.${camel(f.name)}, ${this.#default(f)})) tagged.push([${f.tag}, (w) => { ${this.#writeStmt(f, f.type, `value.${camel(f.name)}`, 'true')} }])`)
      }
      out.push('    w.taggedFields(tagged)', '  }')
    }
    out.push('}', '')
  }

  /** The module text for this message (structs first met are emitted after their parent). */
  emit(): string {
    const top: Struct = { tsName: this.#spec.name, fields: this.#spec.fields }
    this.#structs.set(top.tsName, top)
    const done = new Set<string>()
    for (let progress = true; progress;) {
      progress = false
      for (const struct of [...this.#structs.values()]) {
        if (done.has(struct.tsName)) continue
        done.add(struct.tsName)
        progress = true
        this.#emitStruct(struct)
      }
    }
    return this.#out.join('\n')
  }
}
