// The `faecie` tarball's manifest (scripts/pack-layout.mjs): it lists every third-party package the
// bundled workspace packages import, with their ranges, and the packages users install share one
// version, which `faecie --version`, `hello` and `/health` print.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script (it runs at pack time, before any TypeScript build), untyped.
import { BUNDLED_PACKAGES, missingDependencies } from '../scripts/pack-layout.mjs'

const manifest = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../${name}/package.json`, import.meta.url), 'utf8')) as Record<string, unknown>

const missing = missingDependencies as (cli?: Record<string, unknown>, read?: (name: string) => Record<string, unknown>) => string[]

describe('the faecie package manifest', () => {
  it('lists every third-party dependency of the packages its tarball bundles', () => {
    expect(missing()).toEqual([])
  })

  it('names a dependency it lacks, and one listed with another range', () => {
    const cli = manifest('cli') as { dependencies: Record<string, string> }
    const { fastify: _dropped, ...rest } = cli.dependencies
    expect(missing({ ...cli, dependencies: { ...rest, ws: '^7.0.0' } })).toEqual([
      'ws@^8.23.0 (dependencies of @faecie/client)',
      'fastify@^5.12.8 (dependencies of @faecie/broker)',
      'ws@^8.23.0 (dependencies of @faecie/broker)',
    ])
  })

  it('accepts an optional dependency of one package that another needs outright', () => {
    const read = (name: string): Record<string, unknown> =>
      name === 'protocol' ? { optionalDependencies: { 'left-pad': '^1.0.0' } } : name === 'broker' ? { dependencies: { 'left-pad': '^1.0.0' } } : {}
    expect(missing({ dependencies: { 'left-pad': '^1.0.0' } }, read)).toEqual([])
    expect(missing({ optionalDependencies: { 'left-pad': '^1.0.0' } }, read)).toEqual(['left-pad@^1.0.0 (dependencies of @faecie/broker)'])
  })

  it('gives the command and every package it bundles one version', () => {
    const versions = Object.fromEntries(['cli', ...(BUNDLED_PACKAGES as string[])].map((name) => [name, manifest(name).version]))
    expect(new Set(Object.values(versions)), JSON.stringify(versions)).toHaveLength(1)
  })
})
