// How the client commands reach a broker: the addresses (--broker, else FAECIE_BROKER, else
// ws://127.0.0.1:8092; a comma-separated list names several brokers of a cluster, the client
// bootstraps from whichever answers and then talks to each partition's leader), a client whose first contact with the broker is bounded by
// --connect-timeout-ms (a broker that is down, or a port that accepts and never answers, ends the
// command with a clear message instead of a hang), the login (--user, --password-file:
// credentials.ts), and the one-line text of any error the command ends with. wss:// brokers are
// checked against the system's CAs, or those of --tls-ca (else FAECIE_TLS_CA).
import { readFileSync } from 'node:fs'
import { FaecieError, Faecie, RETRY_DEFAULTS, brokerUrl } from '@faecie/client'
import { DEFAULT_BROKER, DEFAULT_CONNECT_TIMEOUT_MS, type Flags, UsageError, parseInteger } from './args.js'
import { type Login, loginHint, loginOf } from './credentials.js'

export interface Target {
  /** The addresses as given (without the /v1/ws the client adds), in order. */
  addresses: string[]
  /** The WebSocket URLs the client bootstraps from, comma-separated (for messages). */
  url: string
  connectTimeoutMs: number
  /** Who to log in as (--user, --password-file, env); undefined: no login. */
  login?: Login | undefined
  /** The CA certificates (PEM) of --tls-ca / FAECIE_TLS_CA, for wss://. */
  tlsCa?: string
}

/** The most addresses one --broker list may name. */
export const BROKER_ADDRESSES_MAX = 64

/** The command ran into a condition it reports as is (exit code 1). */
export class CommandError extends Error {
  override readonly name = 'CommandError'
}

/** The broker named by the flags or the environment, checked. */
export function targetOf(flags: Flags): Target {
  const given = flags.string('broker') ?? flags.string('bootstrap-server')
  const fromEnv = process.env.FAECIE_BROKER
  const source = given === undefined ? 'FAECIE_BROKER' : '--broker'
  const list = given ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_BROKER)
  const addresses = list.split(',').map((a) => a.trim()).filter((a) => a !== '')
  if (addresses.length === 0) throw new UsageError(`${source}: no broker address in ${JSON.stringify(list)}`)
  if (addresses.length > BROKER_ADDRESSES_MAX) throw new UsageError(`${source}: ${addresses.length} addresses, at most ${BROKER_ADDRESSES_MAX}`)
  let urls: string[]
  try {
    urls = addresses.map((address) => brokerUrl(address))
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`)
  }
  const url = urls.join(',')
  const timeoutText = flags.string('connect-timeout-ms')
  const connectTimeoutMs = timeoutText === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : parseInteger(timeoutText, '--connect-timeout-ms', 1)
  const tlsCa = tlsCaOf(flags)
  return { addresses, url, connectTimeoutMs, login: loginOf(flags), ...(tlsCa === undefined ? {} : { tlsCa }) }
}

/** The PEM text of --tls-ca (else FAECIE_TLS_CA), or undefined; a file that cannot be read is a usage error. */
function tlsCaOf(flags: Flags): string | undefined {
  const given = flags.string('tls-ca')
  const env = process.env.FAECIE_TLS_CA
  const path = given ?? (env === undefined || env === '' ? undefined : env)
  if (path === undefined) return undefined
  const source = given === undefined ? 'FAECIE_TLS_CA' : '--tls-ca'
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new UsageError(`${source} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`${source} ${path}: no PEM certificate in it`)
  return text
}

/** The brokers' default session timeout (`--session-timeout-ms`): a killed broker stays registered this long. */
export const BROKER_SESSION_TIMEOUT_MS_DEFAULT = 6_000

/**
 * The retries of a command once connected: enough (at least ~9 s of waits, retryWindowMs) to ride
 * out a broker killed a moment ago, which stays registered, and the coordinator and leader of its
 * groups and partitions, until its session times out; then the command's group or partition is
 * found at its new broker. A broker that is down from the start still fails fast: the first
 * request is bounded by `withinConnectTimeout`.
 */
export const CLI_RETRY = { retries: 8, initialRetryTimeMs: 250, maxRetryTimeMs: 2_000 }

/**
 * A client for one command (retries: CLI_RETRY). The producer and consumer pass the client's usual
 * retry budget back in for their own work.
 */
export function clientFor(target: Target, options: { metadataMaxAgeMs?: number } = {}): Faecie {
  return new Faecie({
    brokers: target.addresses,
    clientId: 'faecie-cli',
    connectTimeoutMs: target.connectTimeoutMs,
    retry: CLI_RETRY,
    ...(target.login === undefined ? {} : { sasl: target.login }),
    ...(target.tlsCa === undefined ? {} : { tls: { ca: target.tlsCa } }),
    ...options,
  })
}

/** The retry budget for producing and consuming once connected: the client's defaults. */
export const STEADY_RETRY = { ...RETRY_DEFAULTS }

/**
 * Waits for `work` (the command's first request, which opens the session) at most the connect
 * timeout; past it, or when the connection cannot be made, fails with a message naming the broker.
 */
export async function withinConnectTimeout<T>(target: Target, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreachable(target, `no answer within ${target.connectTimeoutMs} ms`)), target.connectTimeoutMs)
  })
  try {
    return await Promise.race([work, deadline])
  } catch (err) {
    if (err instanceof FaecieError && isConnectionError(err)) throw unreachable(target, err.message)
    throw err
  } finally {
    clearTimeout(timer)
  }
}

function isConnectionError(err: FaecieError): boolean {
  return ['NETWORK_EXCEPTION', 'REQUEST_TIMED_OUT', 'TOO_MANY_SESSIONS', 'ORIGIN_NOT_ALLOWED', 'UNSUPPORTED_VERSION'].includes(err.errorName)
}

function unreachable(target: Target, detail: string): CommandError {
  const where = target.addresses.length > 1 ? `any of the brokers at ${target.url}` : `the broker at ${target.url}`
  return new CommandError(`cannot reach ${where}: ${detail} (is it running? start one with \`faecie broker\`, or point --broker or FAECIE_BROKER at it; the CLI speaks faecie's WebSocket protocol, on the broker's --port, default 8092, not Kafka's on --kafka-port, default 9092)`)
}

/** The one line an error is reported with, after the command's name. */
export function errorText(err: unknown): string {
  if (err instanceof FaecieError) {
    const hint = loginHint(err)
    return `${err.message}${hint === undefined ? '' : ` (${hint})`} [${err.errorName}]`
  }
  if (err instanceof Error) return err.message
  return String(err)
}

/**
 * The partition numbers of `topic`, asked of the broker within the connect timeout. An unknown
 * topic, or a `partition` it does not have, ends the command before it reads or writes anything.
 */
export async function partitionsOf(faecie: Faecie, target: Target, topic: string, partition?: number): Promise<number[]> {
  const admin = faecie.admin()
  try {
    const { topics } = await withinConnectTimeout(target, admin.fetchTopicMetadata({ topics: [topic] }))
    const partitions = (topics.find((t) => t.topic === topic)?.partitions ?? []).map((p) => p.partition).sort((a, b) => a - b)
    if (partitions.length === 0) throw unknownTopic(topic)
    if (partition !== undefined && !partitions.includes(partition)) {
      throw new CommandError(`topic ${topic} has no partition ${partition} (it has ${partitions.length}: 0 to ${partitions.length - 1})`)
    }
    return partitions
  } catch (err) {
    if (err instanceof FaecieError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION') throw unknownTopic(topic)
    throw err
  } finally {
    await admin.disconnect()
  }
}

function unknownTopic(topic: string): CommandError {
  return new CommandError(`unknown topic ${topic}: it does not exist (create it with \`faecie topics create --topic ${topic}\`) [UNKNOWN_TOPIC_OR_PARTITION]`)
}
