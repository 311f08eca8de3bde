// Apache Kafka for the bench suite, measurement only: the jars of `org.apache.kafka:kafka_2.13` and
// `kafka-tools` (with their runtime dependencies), the same version the compatibility tests use
// (test/support/kafka-jars.ts): taken from the tests' cache (~/.cache/faecie-test/kafka-VERSION/libs,
// FAECIE_TEST_CACHE overrides) when it is complete, else fetched from Maven Central by Maven into a
// cache outside git (~/.cache/faecie-bench/kafka-VERSION/libs); and one broker in KRaft combined mode
// (broker + controller) on 127.0.0.1 with a temp log dir, formatted with kafka.tools.StorageTool.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { type Started, freePort, runToolOk, startProcess, tempDir, waitForPort } from '../suite/processes.js'

/** The version test/support/kafka-jars.ts fetches: bench and tests run one Kafka. */
export const KAFKA_VERSION = '4.4.0'
const MAVEN_TIMEOUT_MS = 15 * 60_000
const FORMAT_TIMEOUT_MS = 120_000
const START_TIMEOUT_MS = 120_000
/** The broker's heap, as kafka-server-start.sh sets it by default. */
const BROKER_HEAP = '-Xmx1G'

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>faecie.bench</groupId><artifactId>kafka-peer</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
  </dependencies>
</project>
`

/** Whether `libs` holds both of Kafka's jars of KAFKA_VERSION (a fetch that stopped half way does not). */
function complete(libs: string): boolean {
  if (!existsSync(libs)) return false
  const jars = readdirSync(libs)
  return [`kafka_2.13-${KAFKA_VERSION}.jar`, `kafka-tools-${KAFKA_VERSION}.jar`].every((jar) => jars.includes(jar))
}

/** The classpath of Kafka's jars: the tests' copy when complete, else the bench's own, fetched with Maven when missing. */
export async function installKafka(cacheDir: string, log: (m: string) => void): Promise<string> {
  const testCache = process.env.FAECIE_TEST_CACHE !== undefined && process.env.FAECIE_TEST_CACHE !== '' ? process.env.FAECIE_TEST_CACHE : join(homedir(), '.cache', 'faecie-test')
  const testLibs = join(testCache, `kafka-${KAFKA_VERSION}`, 'libs')
  if (complete(testLibs)) return `${testLibs}/*`
  const home = join(cacheDir, `kafka-${KAFKA_VERSION}`)
  const libs = join(home, 'libs')
  const ready = (): boolean => complete(libs)
  if (!ready()) {
    log(`  kafka: fetching kafka_2.13 and kafka-tools ${KAFKA_VERSION} from Maven Central into ${home}`)
    mkdirSync(home, { recursive: true })
    writeFileSync(join(home, 'pom.xml'), POM)
    await runToolOk('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], MAVEN_TIMEOUT_MS, { cwd: home })
    if (!ready()) throw new Error(`Maven ran but ${libs} has no kafka-tools jar`)
  }
  return `${libs}/*`
}

/** A Kafka tool's command line: `java -cp ... MAIN args`. */
export function javaArgs(classpath: string, main: string, args: readonly string[], heap = '-Xmx512M'): string[] {
  return [heap, '-Djava.awt.headless=true', '-cp', classpath, main, ...args]
}

/** Like Kafka's Uuid.randomUuid(): 16 random bytes, base64url; never starting with '-' (the tool would read it as a flag). */
export function newClusterId(): string {
  let clusterId = randomBytes(16).toString('base64url')
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url')
  return clusterId
}

/** Formats the log dirs a server's properties name, for cluster `clusterId` (kafka.tools.StorageTool). */
export async function formatStorage(classpath: string, properties: string, clusterId: string): Promise<void> {
  await runToolOk('java', javaArgs(classpath, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', properties]), FORMAT_TIMEOUT_MS)
}

/** A Kafka server's command line (`java ... kafka.Kafka PROPERTIES`) with the GC flags of kafka-server-start.sh. */
export function serverArgs(classpath: string, properties: string, heapMax: string, heapMin: string): string[] {
  return [
    heapMax, heapMin, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true', '-cp', classpath, 'kafka.Kafka', properties,
  ]
}

export interface KafkaBroker {
  bootstrap: string
  process: Started
}

export async function startKafka(classpath: string): Promise<KafkaBroker> {
  const dir = tempDir('kafka')
  const [port, controllerPort] = [await freePort(), await freePort()]
  const properties = join(dir, 'server.properties')
  writeFileSync(properties, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'logs')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n'))
  await formatStorage(classpath, properties, newClusterId())
  const started = startProcess('java', serverArgs(classpath, properties, BROKER_HEAP, '-Xms1G'))
  try {
    await waitForPort(port, START_TIMEOUT_MS, () => started.child.exitCode !== null)
  } catch (err) {
    await started.stop()
    throw new Error(`${(err as Error).message}: ${started.output().slice(-400)}`)
  }
  return { bootstrap: `127.0.0.1:${port}`, process: started }
}
