// The `kafka-tools` workload (issue 17): one client, two brokers. Kafka's own perf tools
// (ProducerPerformance, ConsumerPerformance: the classes behind kafka-producer-perf-test.sh and
// kafka-consumer-perf-test.sh, from the same Kafka jars the compatibility tests use) drive faecie's
// Kafka listener and then Apache Kafka's broker, in the same run: 100-byte records, 1 partition,
// acks 1 and acks all, then the acks-1 records read back by ConsumerPerformance (a consumer group,
// the classic protocol, Kafka's default). Both brokers run with their default settings: faecie's
// topics flush `always` (fdatasync before the acknowledgement), Kafka's leave flushing to the OS.
// Both brokers stay up for the whole workload and the runs alternate between them (the order
// flips every run), so that a noisy machine weighs on both alike. Topics are made and deleted with
// Kafka's TopicCommand, the same client again.
import { measure, type SuiteContext } from '../suite/context.js'
import { CONSUME_VARIANT, FAECIE_KAFKA_LISTENER, KAFKA_BROKER, KAFKA_TOOLS_ACKS, KAFKA_TOOLS_PRODUCER_PROPS, KAFKA_TOOLS_WORKLOAD, produceVariant } from '../suite/kafka-tools-report.js'
import { parseConsumerPerformance, parseProducerPerformance } from '../suite/parsers.js'
import { cpuMs, runTool, tail } from '../suite/processes.js'
import type { Figures } from '../suite/results.js'
import { startFaecieBroker } from './faecie.js'
import { installKafka, javaArgs, startKafka } from './kafka-server.js'

/** ConsumerPerformance gives up after this long without a record. */
const CONSUMER_IDLE_MS = 30_000
/** Making or deleting a topic with TopicCommand (a JVM of its own) is stopped past this. */
const TOPIC_COMMAND_TIMEOUT_MS = 120_000

interface Side {
  system: string
  bootstrap: string
  /** The broker's process, whose CPU time each run reads from /proc. */
  pid: number
  /** Topic names on this broker: `perf-N`. */
  topics: number
}

/** Which brokers take part: `--only faecie` or `--only kafka` runs one side alone. */
export interface KafkaToolsSides {
  faecie: boolean
  kafka: boolean
}

export async function benchKafkaTools(context: SuiteContext, sides: KafkaToolsSides): Promise<void> {
  const { profile, results } = context
  const classpath = await installKafka(context.cacheDir, context.log)
  const java = (main: string, args: string[], timeoutMs: number): Promise<string> =>
    runTool('java', javaArgs(classpath, main, args), timeoutMs).then((run) => {
      // Without a logger bound, SLF4J's notices (and ConsumerPerformance's column header, printed
      // before it fails) would fill the tail that says why a tool failed.
      const why = (): string => tail(run.output.split('\n').filter((line) => !line.startsWith('SLF4J') && !line.startsWith('start.time, ')).join('\n'))
      if (run.timedOut) throw new Error(`${main} timed out after ${timeoutMs} ms: ${why()}`)
      if (run.code !== 0) throw new Error(`${main} exited with ${String(run.code)}: ${why()}`)
      return run.output
    })
  const stops: (() => Promise<void>)[] = []
  const brokers: Side[] = []
  try {
    if (sides.faecie) {
      const faecie = await startFaecieBroker(context.repoRoot)
      stops.push(() => faecie.process.stop())
      if (faecie.kafkaBootstrap === undefined) throw new Error('the faecie broker logged no `kafka listening` line')
      brokers.push({ system: FAECIE_KAFKA_LISTENER, bootstrap: faecie.kafkaBootstrap, pid: faecie.process.pid, topics: 0 })
    }
    if (sides.kafka) {
      const kafka = await startKafka(classpath)
      stops.push(() => kafka.process.stop())
      brokers.push({ system: KAFKA_BROKER, bootstrap: kafka.bootstrap, pid: kafka.process.pid, topics: 0 })
    }
    const topicCommand = (side: Side, args: string[]): Promise<string> =>
      java('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', side.bootstrap, ...args], TOPIC_COMMAND_TIMEOUT_MS)
    /** The figures of `work`, with the broker's CPU time per record over it (robust on a shared machine, unlike the rate). */
    const withBrokerCpu = async (side: Side, records: number, work: () => Promise<Figures>): Promise<Figures> => {
      const before = cpuMs(side.pid)
      const figures = await work()
      const after = cpuMs(side.pid)
      return before === undefined || after === undefined ? figures : { ...figures, brokerCpuUsPerRecord: Math.round(((after - before) * 1000) / records * 100) / 100 }
    }
    const producerPerf = async (side: Side, topic: string, acks: string): Promise<Figures> => {
      const output = await java('org.apache.kafka.tools.ProducerPerformance', ['--topic', topic, '--num-records', String(profile.kafkaToolsRecords),
        '--record-size', '100', '--throughput', '-1', '--command-property', `bootstrap.servers=${side.bootstrap}`, `acks=${acks}`, ...KAFKA_TOOLS_PRODUCER_PROPS], profile.toolTimeoutMs)
      const figures = parseProducerPerformance(output)
      if (figures === undefined) throw new Error(`no result line from ProducerPerformance: ${tail(output)}`)
      return figures
    }
    const consumerPerf = async (side: Side, topic: string): Promise<Figures> => {
      const output = await java('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', side.bootstrap, '--topic', topic,
        '--num-records', String(profile.kafkaToolsRecords), '--timeout', String(CONSUMER_IDLE_MS)], profile.toolTimeoutMs)
      const figures = parseConsumerPerformance(output)
      if (figures === undefined) throw new Error(`no result from ConsumerPerformance: ${tail(output)}`)
      return figures
    }
    for (let run = 0; run < profile.runs; run++) {
      // Every other run starts with the other broker.
      const order = run % 2 === 0 ? brokers : [...brokers].reverse()
      for (const acks of KAFKA_TOOLS_ACKS) {
        for (const side of order) {
          const topic = `perf-${++side.topics}`
          try {
            await topicCommand(side, ['--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1'])
          } catch (err) {
            results.fail(KAFKA_TOOLS_WORKLOAD, side.system, produceVariant(acks), `could not make the topic: ${String(err)}`)
            continue
          }
          const label = `run ${run + 1} of ${profile.runs}`
          let produced = false
          await measure(context, { workload: KAFKA_TOOLS_WORKLOAD, system: side.system, variant: `${produceVariant(acks)}` }, async () => {
            context.log(`    (${label}, ${side.bootstrap}, topic ${topic})`)
            const figures = await withBrokerCpu(side, profile.kafkaToolsRecords, () => producerPerf(side, topic, acks))
            produced = true
            return figures
          }, 1)
          if (produced && acks === '1') {
            await measure(context, { workload: KAFKA_TOOLS_WORKLOAD, system: side.system, variant: CONSUME_VARIANT }, () => withBrokerCpu(side, profile.kafkaToolsRecords, () => consumerPerf(side, topic)), 1)
          }
          await topicCommand(side, ['--delete', '--topic', topic]).catch((err: unknown) => context.log(`    could not delete ${topic}: ${tail(String(err), 2)}`))
        }
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
}
