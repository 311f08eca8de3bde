// `pnpm test:faults ...`: bundles test/faults/main.ts (TypeScript, with @faecie/* taken from the
// packages' sources as vitest.config.ts does) with esbuild into node_modules/.cache/test-faults.mjs,
// then runs it with the same arguments. The brokers it starts run the built JavaScript: the package
// script runs `pnpm run build` first. The bundle sits two directories below the repository, as the
// test/support files it bundles do, so their `new URL('../..', import.meta.url)` still names the repository.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const src = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))
const outfile = src('node_modules/.cache/test-faults.mjs')
const aliases = {
  '@faecie/protocol': 'packages/protocol/src/index.ts',
  '@faecie/protocol/node': 'packages/protocol/src/node.ts',
  '@faecie/client': 'packages/client/src/node.ts',
  '@faecie/client/node': 'packages/client/src/node.ts',
  '@faecie/client/browser': 'packages/client/src/index.ts',
}

await build({
  entryPoints: [src('test/faults/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  // Our own packages from their sources; every other package bundled from where its importer finds it
  // (pnpm's links), so the bundle needs nothing resolved at run time but node's own modules.
  plugins: [{
    name: 'faecie-sources',
    setup(b) {
      b.onResolve({ filter: /^@faecie\// }, (args) => {
        const path = aliases[args.path]
        if (path === undefined) return { errors: [{ text: `no source alias for ${args.path}` }] }
        return { path: src(path) }
      })
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') ? { external: true } : undefined))
    },
  }],
  // ws loads these optional native helpers only if present.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS packages in an ESM bundle call require() for node's modules: give them one.
  banner: { js: "import { createRequire as __faecieCreateRequire } from 'node:module'; globalThis.require ??= __faecieCreateRequire(import.meta.url);" },
})

const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(run.status ?? 1)
