// Apache Kafka's own classes for tests that check faecie's files with Kafka's tools (DumpLogSegments,
// in kafka-tools since Kafka 4.0): the jars of `org.apache.kafka:kafka_2.13` and `kafka-tools` with
// their runtime dependencies (kafka-clients, kafka-storage, kafka-server-common, scala-library,
// jackson, ...), fetched from Maven Central by
// Maven into a cache outside git, and Java to run them. Missing Java or Maven is installed from
// Debian (debian-install.ts); anything that cannot be had fails the test with what was tried.
//
//   ~/.cache/faecie-test/kafka-VERSION/libs/*.jar    (FAECIE_TEST_CACHE overrides ~/.cache/faecie-test)
//
// The jars are fetched into a temp dir beside `libs` and renamed into place, so a fetch that stops
// half way is never taken for a complete one, and two test processes cannot mix their downloads.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ensureInstalled } from './debian-install.js'

/** The newest Apache Kafka that Maven Central serves (issue 9 names 4.4). */
export const KAFKA_VERSION = '4.4.0'
/** Maven on a cold cache downloads some 60 MB; the tests' hooks allow for it. */
export const KAFKA_FETCH_TIMEOUT_MS = 15 * 60_000

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>faecie.test</groupId><artifactId>kafka-tools-for-tests</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
  </dependencies>
</project>
`

function which(command: string): string | undefined {
  const found = spawnSync('which', [command], { encoding: 'utf8' })
  return found.status === 0 && found.stdout.trim() !== '' ? found.stdout.trim() : undefined
}

/** The path of `java`, installing Debian's default-jre-headless when there is none. */
export function ensureJava(): string {
  return ensureInstalled('java (the Kafka DumpLogSegments test)', ['default-jre-headless'], () => which('java'))
}

function cacheRoot(): string {
  const fromEnv = process.env.FAECIE_TEST_CACHE
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'faecie-test')
}

function complete(libs: string): boolean {
  if (!existsSync(libs)) return false
  const jars = readdirSync(libs)
  return [`kafka_2.13-${KAFKA_VERSION}.jar`, `kafka-tools-${KAFKA_VERSION}.jar`].every((jar) => jars.includes(jar))
}

/** The classpath (`DIR/*`) of Kafka's jars, fetched with Maven (installed if missing) when not cached. */
export function ensureKafkaClasspath(): string {
  const home = join(cacheRoot(), `kafka-${KAFKA_VERSION}`)
  const libs = join(home, 'libs')
  if (complete(libs)) return `${libs}/*`
  const mvn = ensureInstalled('mvn (fetching Kafka jars for the DumpLogSegments test)', ['maven'], () => which('mvn'))
  mkdirSync(home, { recursive: true })
  const work = mkdtempSync(join(home, 'fetch-'))
  try {
    writeFileSync(join(work, 'pom.xml'), POM)
    process.stderr.write(`fetching org.apache.kafka:kafka_2.13 and kafka-tools ${KAFKA_VERSION} with their runtime dependencies from Maven Central into ${libs}\n`)
    try {
      execFileSync(mvn, ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${join(work, 'libs')}`, '-DincludeScope=runtime'], {
        cwd: work, stdio: ['ignore', 'inherit', 'inherit'], timeout: KAFKA_FETCH_TIMEOUT_MS,
      })
    } catch (err) {
      throw new Error(`could not fetch Kafka ${KAFKA_VERSION}'s jars from Maven Central with ${mvn}: ${(err as Error).message}`)
    }
    if (!complete(join(work, 'libs'))) throw new Error(`Maven ran but fetched no kafka_2.13 or kafka-tools ${KAFKA_VERSION} jar`)
    try {
      // An incomplete copy (left by an older version of this script) makes way for the new one.
      if (!complete(libs)) rmSync(libs, { recursive: true, force: true })
      renameSync(join(work, 'libs'), libs)
    } catch (err) {
      // Another test process put its complete copy there first: use that one.
      if (!complete(libs)) throw err
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return `${libs}/*`
}
