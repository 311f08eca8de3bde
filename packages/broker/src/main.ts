// The broker process: `node packages/broker/dist/main.js [flags]` (or `faecie broker [flags]`, which
// loads this module lazily and calls runBroker). Flags and the config file: server/config.ts. It logs
// JSON lines (pino) on stdout, among them `broker listening` with the port and URL. SIGTERM or SIGINT
// drains and stops the broker cleanly (in a cluster: leaving it first), exit code 0; a second signal exits at once with code 1. Bad
// flags, or a non-loopback --host without --auth scram nor --insecure: a message on stderr, exit code 2.
// With TLS, SIGHUP reloads the certificate and key. A failure to start, or one the broker cannot survive: 1.
import './server/threadpool.js'
import './server/v8-heap.js'
import '@faecie/protocol/node'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createLogger } from './log.js'
import { parseBrokerArgs, USAGE, UsageError } from './server/config.js'
import { Broker } from './server/broker.js'
import { checkDataDir, DataDirError } from './server/data-dir-check.js'
import { DataDirLockedError } from './server/data-dir-lock.js'
import { ClusterIdMismatchError } from './server/meta-file.js'
import { BrokerIdTakenError } from './cluster/metadata-store.js'
import { EtcdUnavailableError } from './cluster/cluster-runtime.js'
import { refuseInsecureBind } from './server/secure-defaults.js'
import { TlsFileError } from './server/tls-context.js'

/** Runs a broker until a signal stops it; resolves with the process's exit code. */
export async function runBroker(argv: string[]): Promise<number> {
  let config
  try {
    config = parseBrokerArgs(argv)
    if (config !== 'help') refuseInsecureBind(config)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`faecie broker: ${err.message}\n${USAGE}\n`)
    return 2
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const root = createLogger()
  const logger = root.child({ module: 'broker' })
  let fatal: ((err: Error) => void) | undefined
  let broker: Broker
  try {
    checkDataDir(config.dataDir)
    broker = await Broker.start(config, root, (err) => fatal?.(err))
  } catch (err) {
    // The machine's answer (a port in use, a data dir locked or unusable) needs no stack trace.
    const expected = err instanceof DataDirError || err instanceof DataDirLockedError || err instanceof ClusterIdMismatchError ||
      err instanceof BrokerIdTakenError || err instanceof EtcdUnavailableError || err instanceof TlsFileError || typeof (err as NodeJS.ErrnoException).syscall === 'string'
    logger.fatal(expected ? { error: (err as Error).message, code: (err as NodeJS.ErrnoException).code } : { err }, 'broker failed to start')
    process.stderr.write(`faecie broker: failed to start: ${(err as Error).message}\n`)
    return 1
  }
  return new Promise<number>((resolve) => {
    let signals = 0
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting')
        resolve(1)
        return
      }
      broker.stop(signal).then(() => resolve(0), (err: unknown) => {
        logger.error({ err }, 'broker did not stop cleanly')
        resolve(1)
      })
    }
    fatal = (err) => {
      logger.fatal({ err }, 'broker cannot go on')
      broker.stop('fatal error').finally(() => resolve(1))
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    // SIGHUP reloads the TLS certificate and key (with TLS only: otherwise it ends the process as ever).
    if (config.security.tls !== undefined) process.on('SIGHUP', () => { broker.reloadTls() })
  })
}

function isMain(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  runBroker(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`faecie broker: ${String((err as Error)?.stack ?? err)}\n`)
      process.exit(1)
    },
  )
}
