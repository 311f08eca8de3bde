// The benchmark page's script: page.ts and everything it imports (the bench's workloads,
// @faecie/client's browser entry, hdr-histogram-js's browser build) bundled by esbuild into one ES
// module for Chromium. The workloads' only Node import, node:crypto's randomFillSync (payload.ts),
// is shimmed with crypto.getRandomValues; latency.ts's two-process run (latency-processes.ts, which
// forks a child, loaded only with `processes: 2`) is replaced by a module that refuses it; any other
// `node:` import fails the build, naming it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'esbuild'

const SHIM_NAMESPACE = 'faecie-bench-shim'
/** crypto.getRandomValues fills at most this many bytes a call. */
const RANDOM_BYTES_MAX = 65_536

const CRYPTO_SHIM = `
export function randomFillSync(bytes) {
  for (let i = 0; i < bytes.length; i += ${RANDOM_BYTES_MAX}) crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + ${RANDOM_BYTES_MAX})))
  return bytes
}
`

const TWO_PROCESSES_SHIM = `
export async function runLatencyInTwoProcesses() {
  throw new Error('latency in two processes forks a Node child process: not in a browser')
}
`

const nodeShims: Plugin = {
  name: 'faecie-bench-node-shims',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.path === 'node:crypto') return { path: 'crypto', namespace: SHIM_NAMESPACE }
      return { errors: [{ text: `${args.importer} imports ${args.path}, which the browser bench page cannot run (only node:crypto's randomFillSync is shimmed)` }] }
    })
    build.onResolve({ filter: /\/latency-processes\.js$/ }, () => ({ path: 'latency-processes', namespace: SHIM_NAMESPACE }))
    build.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, (args) => ({ contents: args.path === 'latency-processes' ? TWO_PROCESSES_SHIM : CRYPTO_SHIM, loader: 'js' }))
  },
}

/** page.ts next to this file (tests run the sources), else the compiled page.js (dist). */
function pageEntry(): string {
  const source = fileURLToPath(new URL('./page.ts', import.meta.url))
  return existsSync(source) ? source : fileURLToPath(new URL('./page.js', import.meta.url))
}

/** The page's script as one ES module (the client from its built dist: run `pnpm run build` first). */
export async function buildPageBundle(): Promise<string> {
  const { build } = await import('esbuild')
  try {
    const result = await build({
      entryPoints: [pageEntry()],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      plugins: [nodeShims],
    })
    return result.outputFiles[0]!.text
  } catch (err) {
    throw new Error(`the browser bench page does not bundle: ${(err as Error).message}`)
  }
}
