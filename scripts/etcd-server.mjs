// What the tests' etcd fixture (test/support/etcd-process.ts) and `pnpm cluster`
// (scripts/dev-cluster.mjs) share about running Debian's etcd-server (3.4) as a one-member cluster
// on loopback: where the binary is, its command line, and when it is ready. Plain JavaScript so
// that the dev script runs with node alone; installing the package is each caller's (the tests
// take a lock so that parallel test files run apt once; the dev script runs apt itself).
import { join } from 'node:path'
import { accessSync, constants } from 'node:fs'

/** The Debian package that provides the binary. */
export const ETCD_PACKAGE = 'etcd-server'
/** Where Debian's etcd-server puts the binary; FAECIE_ETCD overrides it. */
export const ETCD_PATHS = ['/usr/bin/etcd', '/usr/local/bin/etcd']

/** @param {string} path */
export function executable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The etcd binary: $FAECIE_ETCD when set (undefined if it is not executable), else the first of
 * ETCD_PATHS that exists; undefined when there is none.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | undefined}
 */
export function findEtcdBinary(env = process.env) {
  const given = env['FAECIE_ETCD']
  if (given !== undefined && given !== '') return executable(given) ? given : undefined
  return ETCD_PATHS.find(executable)
}

/**
 * The command line of a one-member etcd cluster named `name`, its data in `<dataDir>/member`,
 * clients on `clientUrl` and its peer port on `peerUrl` (both http://127.0.0.1:PORT).
 * @param {{ name: string, dataDir: string, clientUrl: string, peerUrl: string, logLevel?: string }} options
 * @returns {string[]}
 */
export function etcdArgs({ name, dataDir, clientUrl, peerUrl, logLevel = 'warn' }) {
  return [
    '--name', name,
    '--data-dir', join(dataDir, 'member'),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    // 'new' is ignored once the data dir holds a member: a restart on the same dir rejoins it.
    '--initial-cluster-state', 'new',
    '--log-level', logLevel,
    '--logger', 'zap',
  ]
}

/**
 * etcd's environment: Debian builds etcd for arm64, which etcd itself calls unsupported and refuses
 * to run on unless ETCD_UNSUPPORTED_ARCH names it. Left alone elsewhere (an empty value makes etcd
 * warn about it).
 * @param {NodeJS.ProcessEnv} [env]
 */
export function etcdEnv(env = process.env) {
  if (env['ETCD_UNSUPPORTED_ARCH'] !== undefined || process.arch !== 'arm64') return { ...env }
  return { ...env, ETCD_UNSUPPORTED_ARCH: 'arm64' }
}

/**
 * True when etcd at `clientUrl` answers its /health endpoint as healthy.
 * @param {string} clientUrl
 * @returns {Promise<boolean>}
 */
export async function etcdHealthy(clientUrl) {
  try {
    const response = await fetch(`${clientUrl}/health`)
    return response.ok && /** @type {{ health?: string }} */ (await response.json()).health === 'true'
  } catch {
    return false
  }
}

/** True when etcd's log says it could not bind a port (another process took it). */
export function portTaken(/** @type {string} */ log) {
  return /address already in use/.test(log)
}
