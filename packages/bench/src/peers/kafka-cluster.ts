// Apache Kafka with three brokers for the replication workload: KRaft with one dedicated controller
// (node 0) and brokers 1..N, each its own JVM with a small heap, on 127.0.0.1, ports chosen free at
// start and kept across a restart, log dirs in one temp dir of the suite, all formatted for one
// cluster id. A dedicated controller (as Kafka advises in production) keeps a broker's kill -9 a
// broker failure only, like faecie's, whose coordination lives in etcd. The session timeout
// (`broker.session.timeout.ms`, the controller's; default 9 s) and the brokers' heartbeat interval
// (`broker.heartbeat.interval.ms`, default 2 s) can be set: they bound how soon a dead leader is fenced.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Started, freePort, headAndTail, removeTempDir, startProcess, tempDir, waitForPort } from '../suite/processes.js'
import { formatStorage, newClusterId, serverArgs } from './kafka-server.js'

const START_TIMEOUT_MS = 120_000
/** Heaps: enough for one partition's traffic, small enough for four JVMs beside faecie on 2 cores. */
const BROKER_HEAP = ['-Xmx512M', '-Xms512M'] as const
const CONTROLLER_HEAP = ['-Xmx256M', '-Xms256M'] as const
const CONTROLLER_ID = 0

export interface KafkaClusterOptions {
  brokers: number
  /** broker.session.timeout.ms on the controller; Kafka's default (9000) when absent. */
  sessionTimeoutMs?: number
  /** broker.heartbeat.interval.ms on the brokers; Kafka's default (2000) when absent. */
  heartbeatIntervalMs?: number
}

export interface KafkaCluster {
  /** host:port of every broker, comma-separated (bootstrap.servers). */
  bootstrap: string
  brokerIds: number[]
  /** SIGKILL to broker `id`; resolves once it is gone. */
  kill9(id: number): Promise<void>
  /** Starts broker `id` again on its port and log dir; resolves once it listens. */
  restart(id: number): Promise<void>
  stop(): Promise<void>
}

interface Node {
  properties: string
  port: number
  heap: readonly string[]
  process?: Started
}

const common = (dir: string, controllerPort: number): string[] => [
  `controller.quorum.voters=${CONTROLLER_ID}@127.0.0.1:${controllerPort}`,
  'controller.listener.names=CONTROLLER',
  `log.dirs=${dir}`,
]

export async function startKafkaCluster(classpath: string, options: KafkaClusterOptions): Promise<KafkaCluster> {
  if (!(Number.isInteger(options.brokers) && options.brokers >= 1 && options.brokers <= 9)) throw new RangeError('brokers must be 1 to 9')
  const root = tempDir('kafka-cluster')
  const controllerPort = await freePort()
  const controller: Node = { properties: join(root, 'controller.properties'), port: controllerPort, heap: CONTROLLER_HEAP }
  writeFileSync(controller.properties, [
    'process.roles=controller', `node.id=${CONTROLLER_ID}`, ...common(join(root, 'controller-log'), controllerPort),
    `listeners=CONTROLLER://127.0.0.1:${controllerPort}`, 'listener.security.protocol.map=CONTROLLER:PLAINTEXT',
    ...(options.sessionTimeoutMs === undefined ? [] : [`broker.session.timeout.ms=${options.sessionTimeoutMs}`]), '',
  ].join('\n'))
  const brokerIds = Array.from({ length: options.brokers }, (_, i) => i + 1)
  const brokers = new Map<number, Node>()
  const replicas = String(Math.min(3, options.brokers))
  for (const id of brokerIds) {
    const port = await freePort()
    const node: Node = { properties: join(root, `broker-${id}.properties`), port, heap: BROKER_HEAP }
    writeFileSync(node.properties, [
      'process.roles=broker', `node.id=${id}`, ...common(join(root, `broker-${id}-log`), controllerPort),
      `listeners=PLAINTEXT://127.0.0.1:${port}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'num.partitions=1', `offsets.topic.replication.factor=${replicas}`, `transaction.state.log.replication.factor=${replicas}`,
      'transaction.state.log.min.isr=1', `share.coordinator.state.topic.replication.factor=${replicas}`,
      'group.initial.rebalance.delay.ms=0', 'auto.create.topics.enable=false',
      ...(options.heartbeatIntervalMs === undefined ? [] : [`broker.heartbeat.interval.ms=${options.heartbeatIntervalMs}`]), '',
    ].join('\n'))
    brokers.set(id, node)
  }
  const nodeOf = (id: number): Node => {
    const node = brokers.get(id)
    if (node === undefined) throw new RangeError(`no Kafka broker ${id}`)
    return node
  }
  const start = async (node: Node): Promise<void> => {
    const started = startProcess('java', serverArgs(classpath, node.properties, node.heap[0]!, node.heap[1]!))
    node.process = started
    try {
      await waitForPort(node.port, START_TIMEOUT_MS, () => started.child.exitCode !== null)
    } catch (err) {
      await started.stop()
      throw new Error(`${(err as Error).message}: ${headAndTail(started.output())}`)
    }
  }
  const stop = async (): Promise<void> => {
    // Brokers first (their controlled shutdown needs the controller), then the controller.
    await Promise.all([...brokers.values()].map((node) => node.process?.stop()))
    await controller.process?.stop()
    removeTempDir(root)
  }
  try {
    const clusterId = newClusterId()
    await Promise.all([controller, ...brokers.values()].map((node) => formatStorage(classpath, node.properties, clusterId)))
    await start(controller)
    await Promise.all([...brokers.values()].map(start))
  } catch (err) {
    await stop()
    throw err
  }
  return {
    bootstrap: [...brokers.values()].map((node) => `127.0.0.1:${node.port}`).join(','),
    brokerIds,
    async kill9(id) {
      const started = nodeOf(id).process
      if (started === undefined || started.child.exitCode !== null || started.child.signalCode !== null) throw new Error(`Kafka broker ${id} is not running`)
      started.child.kill('SIGKILL')
      await started.exited
    },
    restart: (id) => start(nodeOf(id)),
    stop,
  }
}
