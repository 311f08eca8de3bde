// The client core must run in a browser: no file in src/ but the Node entry and its two helpers
// (node.ts, transport-node.ts, codecs-node.ts) may import a `node:` module, `ws` or a native codec,
// or use Node's globals; relative imports carry the .js suffix NodeNext needs. The browser entry
// (index.ts) must not reach a Node-only file through its imports.
import { readFileSync, readdirSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../src/', import.meta.url)
const NODE_ONLY = new Set(['node.ts', 'transport-node.ts', 'codecs-node.ts'])
const BROWSER_DEPENDENCIES = new Set(['@faecie/protocol'])

const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
const read = (file: string): string => readFileSync(new URL(file, SRC), 'utf8')

function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  return [
    ...code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!)
}

function browserProblems(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const problems: string[] = []
  for (const spec of specifiers(source)) {
    if (spec.startsWith('.')) {
      if (!spec.endsWith('.js')) problems.push(`relative import without .js: ${spec}`)
    } else if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) {
      problems.push(`Node built-in: ${spec}`)
    } else if (!BROWSER_DEPENDENCIES.has(spec)) {
      problems.push(`not browser-safe: ${spec}`)
    }
  }
  if (/\brequire\s*\(/.test(code)) problems.push('require()')
  if (/reference\s+types\s*=\s*["']node["']/.test(source)) problems.push('/// <reference types="node" />')
  for (const global of ['Buffer', '__dirname', '__filename', 'setImmediate']) {
    if (new RegExp(`\\b${global}\\b`).test(code)) problems.push(`Node global: ${global}`)
  }
  return problems
}

describe('browser-safe client core', () => {
  it('finds the sources', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'node.ts', 'connection.ts', 'producer/producer.ts', 'consumer/consumer.ts']))
  })

  for (const file of files.filter((f) => !NODE_ONLY.has(f))) {
    it(`${file} imports nothing Node-only`, () => {
      expect(browserProblems(read(file))).toEqual([])
    })
  }

  it('the browser entry reaches no Node-only file', () => {
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      for (const spec of specifiers(read(file))) {
        if (!spec.startsWith('.')) continue
        const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : ''
        visit(new URL(spec.replace(/\.js$/, '.ts'), new URL(dir, SRC)).pathname.slice(SRC.pathname.length))
      }
    }
    visit('index.ts')
    expect([...seen].filter((f) => NODE_ONLY.has(f))).toEqual([])
    expect(seen.size).toBeGreaterThan(15)
  })
})
