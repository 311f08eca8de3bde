// How a broker of a cluster reaches etcd securely (issue 19): the `--etcd-*` flags of `faecie broker`,
// beside the other cluster flags (cluster-config.ts), and the "etcd" object of --config:
//
//   --etcd-ca FILE              PEM CA that signed etcd's server certificate (https:// endpoints)
//   --etcd-cert FILE --etcd-key FILE   client certificate for etcd's --client-cert-auth
//   --etcd-user NAME            etcd's own authentication (`etcdctl auth enable`), with the password
//   --etcd-password-file FILE   as the first line of FILE (or env FAECIE_ETCD_PASSWORD)
//
//   --config: { "etcd": { "ca": FILE, "cert": FILE, "key": FILE, "user": NAME, "passwordFile": FILE } }
//
// Only names are read here: the files and the password are read when the broker connects
// (cluster/etcd-access.ts), where a missing or unreadable one fails the start (exit code 1) like the
// --tls-* files. What must be configured with `--auth scram` is server/secure-defaults.ts's.

/** What the broker presents to etcd; undefined: none of the flags was given. */
export interface EtcdAccessConfig {
  /** --etcd-ca: trust for https:// endpoints; undefined: the system's CAs. */
  caFile: string | undefined
  /** --etcd-cert and --etcd-key: a client certificate (both or neither). */
  certFile: string | undefined
  keyFile: string | undefined
  /** --etcd-user: etcd's user name, its password read at connect. */
  user: { name: string; passwordFile: string | undefined } | undefined
}

export const ETCD_FLAG_OPTIONS = {
  'etcd-ca': { type: 'string' },
  'etcd-cert': { type: 'string' },
  'etcd-key': { type: 'string' },
  'etcd-user': { type: 'string' },
  'etcd-password-file': { type: 'string' },
} as const

export const ETCD_USAGE = `  --etcd-ca FILE            CA of etcd's server certificate, for https:// endpoints (default: the system's)
  --etcd-cert FILE --etcd-key FILE  client certificate for etcd's --client-cert-auth
  --etcd-user NAME          log in to etcd as NAME (etcd auth enabled), the password being the first line of
  --etcd-password-file FILE (or env FAECIE_ETCD_PASSWORD)`

export type EtcdFlags = { [K in keyof typeof ETCD_FLAG_OPTIONS]?: string }

/** The keys of the "etcd" object of --config, by flag. */
const FILE_KEYS: Record<keyof EtcdFlags, string> = {
  'etcd-ca': 'ca', 'etcd-cert': 'cert', 'etcd-key': 'key', 'etcd-user': 'user', 'etcd-password-file': 'passwordFile',
}

/** The etcd access settings (flags win over `file`, the "etcd" object of --config); `fail` makes a usage error. */
export function parseEtcdFlags(flags: EtcdFlags, file: Record<string, unknown>, endpoints: string[], fail: (message: string) => Error): EtcdAccessConfig | undefined {
  const known = new Set(Object.values(FILE_KEYS))
  for (const key of Object.keys(file)) {
    if (!known.has(key)) throw fail(`etcd.${key} in --config is not a setting (known: ${[...known].join(', ')})`)
  }
  const value = (flag: keyof EtcdFlags): string | undefined => {
    const given: unknown = flags[flag] ?? file[FILE_KEYS[flag]]
    if (given === undefined) return undefined
    if (typeof given !== 'string' || given.trim() === '') throw fail(`--${flag} (etcd.${FILE_KEYS[flag]} in --config) must be a non-empty string`)
    return given
  }
  const caFile = value('etcd-ca')
  const certFile = value('etcd-cert')
  const keyFile = value('etcd-key')
  const userName = value('etcd-user')
  const passwordFile = value('etcd-password-file')
  if ((certFile === undefined) !== (keyFile === undefined)) throw fail('--etcd-cert and --etcd-key go together')
  if (passwordFile !== undefined && userName === undefined) throw fail('--etcd-password-file needs --etcd-user')
  const https = endpoints.filter((url) => url.startsWith('https:'))
  // One etcd client has one kind of channel: TLS to every endpoint, or to none.
  if (https.length > 0 && https.length < endpoints.length) {
    throw fail(`--cluster mixes http:// and https:// etcd endpoints (${endpoints.join(', ')}): use https:// for all of them, or http:// for all`)
  }
  if (https.length === 0 && (caFile !== undefined || certFile !== undefined)) {
    throw fail(`--etcd-ca, --etcd-cert and --etcd-key need https:// etcd endpoints; --cluster names ${endpoints.join(', ')}`)
  }
  if (caFile === undefined && certFile === undefined && userName === undefined) return undefined
  return { caFile, certFile, keyFile, user: userName === undefined ? undefined : { name: userName, passwordFile } }
}
