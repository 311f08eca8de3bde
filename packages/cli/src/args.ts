// Command-line flags for every `faecie` command but `broker` (whose flags are the broker's own):
// node:util's parseArgs in strict mode, so an unknown flag, a missing value or a stray word is a
// UsageError (exit code 2, with the message and a pointer to --help), and typed getters that
// refuse a value a flag can't take, naming the flag. The flags every client command shares
// (the broker's address, the connect timeout, the login, --help) are declared here once.
import { parseArgs } from 'node:util'
import { didYouMean } from './suggest.js'

/** A mistake on the command line: the process says why on stderr and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>
export type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>

/** The broker the client commands talk to when neither --broker nor FAECIE_BROKER says otherwise. */
export const DEFAULT_BROKER = 'ws://127.0.0.1:8092'
/** How long a client command waits for the broker to answer before it gives up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
/** The login's environment variables and default mechanism (credentials.ts reads them). */
export const USER_ENV = 'FAECIE_USER'
export const PASSWORD_ENV = 'FAECIE_PASSWORD'
export const DEFAULT_SASL_MECHANISM = 'SCRAM-SHA-512'

export const COMMON_OPTIONS: OptionSpec = {
  broker: { type: 'string' },
  // Kafka's tools call it --bootstrap-server; the same flag under that name.
  'bootstrap-server': { type: 'string' },
  'connect-timeout-ms': { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  'sasl-mechanism': { type: 'string' },
  'tls-ca': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

export const COMMON_USAGE = `Common options:
  --broker ws://HOST:PORT   the broker (default: $FAECIE_BROKER, else ${DEFAULT_BROKER}); a
                            comma-separated list names several brokers of a cluster
                            (ws://h1:8092,ws://h2:8092): the client starts from any that
                            answers and talks to each partition's leader; --bootstrap-server
                            is the same flag
  --connect-timeout-ms MS   give up when the broker has not answered within MS (default ${DEFAULT_CONNECT_TIMEOUT_MS})
  --user NAME               log in as NAME (default: $${USER_ENV}), for a broker with --auth scram
  --password-file FILE      the password is FILE's first line (default: $${PASSWORD_ENV})
  --sasl-mechanism M        SCRAM-SHA-256 or SCRAM-SHA-512 (default ${DEFAULT_SASL_MECHANISM})
  --tls-ca FILE             for wss://: trust the CA certificate(s) in FILE (PEM) instead of the
                            system's (default: $FAECIE_TLS_CA)
  --help                    this text`

/** Parses a command's flags (its own and the common ones); no positional words are allowed. */
export function parseFlags(argv: string[], options: OptionSpec): Flags {
  const all = { ...COMMON_OPTIONS, ...options }
  try {
    const { values } = parseArgs({ args: joinNegativeValues(argv, all), options: all, strict: true, allowPositionals: false })
    return new Flags(values as FlagValues)
  } catch (err) {
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec((err as Error).message)?.[1]
    const hint = unknown === undefined ? '' : didYouMean(unknown.replace(/^-+/, ''), Object.keys(all), (name) => `--${name}`)
    throw new UsageError(`${(err as Error).message}${hint}`)
  }
}

/**
 * `--throughput -1` as `--throughput=-1`: parseArgs takes a value that starts with a dash for an
 * option, and negative numbers are values some flags take (as Kafka's tools accept them).
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else {
      out.push(arg)
    }
  }
  return out
}

/** Typed, checked access to parsed flags. */
export class Flags {
  constructor(readonly values: FlagValues) {}

  has(name: string): boolean {
    return this.values[name] !== undefined
  }

  bool(name: string): boolean {
    return this.values[name] === true
  }

  string(name: string): string | undefined {
    const value = this.values[name]
    if (value === undefined) return undefined
    if (typeof value !== 'string') throw new UsageError(`--${name} takes a value`)
    return value
  }

  requiredString(name: string): string {
    const value = this.string(name)
    if (value === undefined || value === '') throw new UsageError(`--${name} is required`)
    return value
  }

  strings(name: string): string[] {
    const value = this.values[name]
    if (value === undefined) return []
    return (Array.isArray(value) ? value : [value]).map((v) => {
      if (typeof v !== 'string') throw new UsageError(`--${name} takes a value`)
      return v
    })
  }

  /** An integer flag within [min, max], or undefined when absent. */
  integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const text = this.string(name)
    if (text === undefined) return undefined
    return parseInteger(text, `--${name}`, min, max)
  }

  /** One of `choices`, or undefined when absent. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const text = this.string(name)
    if (text === undefined) return undefined
    if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(text)}`)
    return text as T
  }

  /**
   * Repeated `--property name=value` flags (Kafka's console tools' `--property`) as a map, each
   * name checked against `known`; `name=` sets an empty string.
   */
  properties(known: readonly string[]): Record<string, string> {
    const out = this.keyValues('property')
    for (const name of Object.keys(out)) {
      if (!known.includes(name)) throw new UsageError(`unknown --property ${name}${didYouMean(name, known)}; known: ${known.join(', ')}`)
    }
    return out
  }

  /** Repeated `--name key=value` flags as a map; `key=` sets an empty string. */
  keyValues(name: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const item of this.strings(name)) {
      const at = item.indexOf('=')
      if (at <= 0) throw new UsageError(`--${name} takes key=value, not ${JSON.stringify(item)}`)
      out[item.slice(0, at).trim()] = item.slice(at + 1)
    }
    return out
  }
}

export function parseInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
    throw new UsageError(`${what} must be an integer ${range}, not ${JSON.stringify(text)}`)
  }
  return n
}

/**
 * Turns the escapes people type for separators (`\t`, `\n`, `\\`) into the characters, so that
 * `--key-separator '\t'` works without $'...' quoting, as Kafka's tools allow.
 */
export function unescapeSeparator(text: string): string {
  return text.replace(/\\([tn\\])/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : '\\'))
}

/** A boolean `--property` (`print.key=true`): true or false, anything else is a usage error. */
export function propertyFlag(properties: Record<string, string>, name: string): boolean | undefined {
  const value = properties[name]
  if (value === undefined) return undefined
  if (value !== 'true' && value !== 'false') throw new UsageError(`--property ${name} must be true or false, not ${JSON.stringify(value)}`)
  return value === 'true'
}
