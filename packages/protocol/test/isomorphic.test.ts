// @faecie/protocol must run in a browser: no file in src/ but node.ts may import a `node:` module or
// a Node built-in, or use Node's globals (Buffer, process, __dirname). Bare imports are limited to
// the package's own dependencies, and relative ones carry the .js suffix NodeNext needs.
import { readFileSync, readdirSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { describe, expect, it } from 'vitest'

const SRC = new URL('../src/', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>
}

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
}

/** What is wrong with a source file for a browser; empty when nothing is. */
function browserProblems(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const problems: string[] = []
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!)
  for (const spec of specifiers) {
    if (spec.startsWith('.')) {
      if (!spec.endsWith('.js')) problems.push(`relative import without .js: ${spec}`)
    } else if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) {
      problems.push(`Node built-in: ${spec}`)
    } else if (!(spec in pkg.dependencies)) {
      problems.push(`not a dependency: ${spec}`)
    }
  }
  if (/\brequire\s*\(/.test(code)) problems.push('require()')
  if (/reference\s+types\s*=\s*["']node["']/.test(source)) problems.push('/// <reference types="node" />')
  for (const global of ['Buffer', 'process', '__dirname', '__filename', 'setImmediate']) {
    if (new RegExp(`\\b${global}\\b`).test(code)) problems.push(`Node global: ${global}`)
  }
  return problems
}

describe('browser-safe sources', () => {
  const files = sourceFiles()

  it('finds the sources', () => {
    expect(files).toContain('index.ts')
    expect(files).toContain('node.ts')
    expect(files.length).toBeGreaterThan(10)
  })

  for (const file of files.filter((f) => f !== 'node.ts')) {
    it(`${file} uses nothing Node-only`, () => {
      expect(browserProblems(readFileSync(new URL(file, SRC), 'utf8'))).toEqual([])
    })
  }

  it('would notice: node.ts itself is flagged, and so are the usual ways in', () => {
    expect(browserProblems(readFileSync(new URL('node.ts', SRC), 'utf8'))).not.toEqual([])
    expect(browserProblems("import { readFileSync } from 'fs'")).toEqual(['Node built-in: fs'])
    expect(browserProblems("export * from 'node:crypto'")).toEqual(['Node built-in: node:crypto'])
    expect(browserProblems("const z = await import('zlib')")).toEqual(['Node built-in: zlib'])
    expect(browserProblems('const b = Buffer.from([1])')).toEqual(['Node global: Buffer'])
    expect(browserProblems("import x from './x'")).toEqual(['relative import without .js: ./x'])
    expect(browserProblems('// Buffer in a comment is fine')).toEqual([])
  })

  it('index.ts does not re-export node.ts', () => {
    expect(readFileSync(new URL('index.ts', SRC), 'utf8')).not.toMatch(/node\.js/)
  })
})
