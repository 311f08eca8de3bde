// What the `faecie` tarball holds, staged by `prepack` (and removed by `postpack`) when
// `pnpm pack` or `pnpm publish` runs in packages/cli. @faecie/broker, @faecie/bench and the console
// are never published, and the command must install with plain npm from its tarball alone, so the
// tarball carries the built JavaScript of every workspace package the command runs, in a folder
// Node resolves by name:
//
//   lib/cli/package.json, lib/cli/dist/**.js           the command (package.json `bin`)
//   lib/node_modules/@faecie/<name>/package.json       protocol, client, broker, bench:
//   lib/node_modules/@faecie/<name>/dist/**.js         name, version, type and exports only
//   lib/node_modules/@faecie/console/dist/**           the console's built files (the broker
//                                                      serves ../../../console/dist from its dist/ui)
//
// `import '@faecie/broker'` from lib/cli/dist walks up to lib/node_modules; `import 'fastify'` from
// there walks further up to the node_modules npm installs beside the package, so every third-party
// package the bundled code imports must be a dependency of `faecie` itself, with the same range:
// staging refuses to go on otherwise (missingDependencies). pnpm's bundledDependencies would do
// this job, but pnpm refuses them under its default isolated node_modules layout; an esbuild bundle
// would break the broker's worker threads, which are started from files beside the module that
// starts them.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const CLI_DIR = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES_DIR = join(CLI_DIR, '..')
export const STAGE_DIR = join(CLI_DIR, 'lib')

/** The workspace packages inside the tarball, by folder under packages/. */
export const BUNDLED_PACKAGES = ['protocol', 'client', 'broker', 'bench']
/** Manifest fields the bundled copies keep: what Node reads to load them, and their version. */
const KEPT_FIELDS = ['name', 'version', 'type', 'main', 'types', 'exports', 'sideEffects']

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
}

/**
 * The third-party packages (`name@range`) that a bundled package depends on and the command's
 * package.json does not list with the same range: in its dependencies, or for an optional
 * dependency in either dependencies or optionalDependencies. Empty when the tarball installs
 * everything its code imports.
 */
export function missingDependencies(cliManifest = readManifest(CLI_DIR), readPackage = (name) => readManifest(join(PACKAGES_DIR, name))) {
  const missing = []
  for (const name of BUNDLED_PACKAGES) {
    const manifest = readPackage(name)
    for (const field of ['dependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (dep.startsWith('@faecie/')) continue
        // What one bundled package needs may be optional to another: then it is a dependency.
        const listed = cliManifest.dependencies?.[dep] ?? (field === 'optionalDependencies' ? cliManifest.optionalDependencies?.[dep] : undefined)
        if (listed !== range) missing.push(`${dep}@${range} (${field} of @faecie/${name})`)
      }
    }
  }
  return missing
}

/** Copies the files under `from` for which `keep(name)` holds into `to`, keeping the folders. */
function copyTree(from, to, keep) {
  if (!existsSync(from)) throw new Error(`${from} is missing: run \`pnpm run build\` before packing`)
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name), keep)
    else if (keep(entry.name)) {
      mkdirSync(to, { recursive: true })
      cpSync(join(from, entry.name), join(to, entry.name))
    }
  }
}

const isJavaScript = (name) => name.endsWith('.js')

function stagePackage(name, to) {
  const from = join(PACKAGES_DIR, name)
  const manifest = readManifest(from)
  const kept = Object.fromEntries(KEPT_FIELDS.filter((f) => manifest[f] !== undefined).map((f) => [f, manifest[f]]))
  mkdirSync(to, { recursive: true })
  writeFileSync(join(to, 'package.json'), `${JSON.stringify({ ...kept, private: true }, null, 2)}\n`)
  copyTree(join(from, 'dist'), join(to, 'dist'), isJavaScript)
}

export function stage() {
  const missing = missingDependencies()
  if (missing.length > 0) {
    throw new Error(`packages/cli/package.json must list what the bundled packages import:\n  ${missing.join('\n  ')}`)
  }
  rmSync(STAGE_DIR, { recursive: true, force: true })
  const cli = readManifest(CLI_DIR)
  mkdirSync(join(STAGE_DIR, 'cli'), { recursive: true })
  writeFileSync(join(STAGE_DIR, 'cli/package.json'), `${JSON.stringify({ name: cli.name, version: cli.version, type: 'module', private: true }, null, 2)}\n`)
  copyTree(join(CLI_DIR, 'dist'), join(STAGE_DIR, 'cli/dist'), isJavaScript)
  for (const name of BUNDLED_PACKAGES) stagePackage(name, join(STAGE_DIR, 'node_modules/@faecie', name))
  const consoleDist = join(PACKAGES_DIR, 'console/dist')
  if (!existsSync(join(consoleDist, 'index.html'))) throw new Error(`${consoleDist}/index.html is missing: run \`pnpm run build\` before packing`)
  copyTree(consoleDist, join(STAGE_DIR, 'node_modules/@faecie/console/dist'), () => true)
}

export function unstage() {
  rmSync(STAGE_DIR, { recursive: true, force: true })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const action = process.argv[2]
  if (action === 'stage') stage()
  else if (action === 'unstage') unstage()
  else throw new Error(`usage: node ${process.argv[1]} stage|unstage`)
}
