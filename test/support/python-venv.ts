// A Python virtual environment with Confluent's Kafka client (`confluent-kafka` from PyPI, librdkafka
// inside its wheel) for the tests that run Python clients against the broker's Kafka listener. It is
// made once per machine in the tests' cache, beside Kafka's jars (kafka-jars.ts):
//
//   ~/.cache/faecie-test/python-confluent-kafka-VERSION/    (FAECIE_TEST_CACHE overrides ~/.cache/faecie-test)
//
// Missing python3 (or its venv module, a separate package on Debian) is installed from Debian
// (debian-install.ts). The venv is made and filled in a temp dir beside its place and renamed into
// place once `import confluent_kafka` works in it, so a half-made one is never taken for a complete
// one and two test processes cannot mix their installs. pip takes wheels only: a source build would
// need librdkafka's headers, and the point is the wheel's own librdkafka.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ensureInstalled } from './debian-install.js'

/** The one version of confluent-kafka the tests use (pinned: a new release must not change a test's outcome). */
export const CONFLUENT_KAFKA_VERSION = '2.16.1'
/** pip on a cold cache downloads some 4 MB, and PyPI may be slow; the tests' hooks allow for it. */
export const PYTHON_VENV_TIMEOUT_MS = 10 * 60_000
/** Making the venv itself (copying pip into it). */
const VENV_CREATE_TIMEOUT_MS = 3 * 60_000
/** The check that a venv works (starting Python and importing the client). */
const IMPORT_CHECK_TIMEOUT_MS = 60_000

function cacheRoot(): string {
  const fromEnv = process.env.FAECIE_TEST_CACHE
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'faecie-test')
}

/** A python3 that can make a venv with pip in it (`venv` and `ensurepip` importable). */
function findPython(): string | undefined {
  const found = spawnSync('which', ['python3'], { encoding: 'utf8' })
  const python = found.status === 0 ? found.stdout.trim() : ''
  if (python === '') return undefined
  const check = spawnSync(python, ['-c', 'import venv, ensurepip'], { encoding: 'utf8', timeout: IMPORT_CHECK_TIMEOUT_MS })
  return check.status === 0 ? python : undefined
}

/** The path of python3, installing Debian's python3 and python3-venv when there is none (or no venv module). */
export function ensurePython(): string {
  return ensureInstalled('python3 with venv (the confluent-kafka tests)', ['python3', 'python3-venv'], findPython)
}

function works(venv: string): boolean {
  const python = join(venv, 'bin', 'python')
  if (!existsSync(python)) return false
  const check = spawnSync(python, ['-c', `import confluent_kafka; from importlib.metadata import version; assert version('confluent-kafka') == '${CONFLUENT_KAFKA_VERSION}'`], {
    encoding: 'utf8', timeout: IMPORT_CHECK_TIMEOUT_MS,
  })
  return check.status === 0
}

/**
 * The path of the venv's python, with confluent-kafka importable, made (python3 installed from
 * Debian if missing, confluent-kafka fetched from PyPI) when not cached. Throws with what was tried.
 */
export function ensureConfluentKafkaPython(): string {
  const venv = join(cacheRoot(), `python-confluent-kafka-${CONFLUENT_KAFKA_VERSION}`)
  if (works(venv)) return join(venv, 'bin', 'python')
  const python = ensurePython()
  mkdirSync(cacheRoot(), { recursive: true })
  const work = mkdtempSync(join(cacheRoot(), 'python-venv-'))
  const made = join(work, 'venv')
  try {
    process.stderr.write(`making a Python venv with confluent-kafka ${CONFLUENT_KAFKA_VERSION} from PyPI in ${venv}\n`)
    const run = (file: string, args: string[], timeoutMs: number, what: string): void => {
      try {
        execFileSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } })
      } catch (err) {
        throw new Error(`could not ${what} (${file} ${args.join(' ')}): ${(err as Error).message}`)
      }
    }
    run(python, ['-m', 'venv', made], VENV_CREATE_TIMEOUT_MS, 'make a Python venv')
    run(join(made, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--only-binary', ':all:', `confluent-kafka==${CONFLUENT_KAFKA_VERSION}`],
      PYTHON_VENV_TIMEOUT_MS, `install confluent-kafka ${CONFLUENT_KAFKA_VERSION} from PyPI`)
    if (!works(made)) throw new Error(`pip installed confluent-kafka ${CONFLUENT_KAFKA_VERSION} in ${made}, but Python cannot import it`)
    try {
      // A broken copy (left by a killed run before the rename, or a changed Python) makes way for the new one.
      if (!works(venv)) rmSync(venv, { recursive: true, force: true })
      renameSync(made, venv)
    } catch (err) {
      // Another test process put its working venv there first: use that one.
      if (!works(venv)) throw err
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (!works(venv)) throw new Error(`the venv ${venv} was made, but confluent-kafka does not import from it once moved into place`)
  return join(venv, 'bin', 'python')
}
