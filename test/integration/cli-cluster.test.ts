// The CLI's cluster options against a real single broker (child processes): --broker and
// FAECIE_BROKER take a comma-separated list of brokers (an unreachable one first is stepped over),
// a bad address in the list is a usage error, `topics create --replication-factor 1` and the
// per-partition Leader / Replicas / Isr of `topics describe`, and `cluster describe` (text and JSON).
// The leadership itself (several brokers) is tested in test/cluster/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli, type CliOptions } from '../support/cli-process.js'
import { closedPort } from '../support/ports.js'

let broker: BrokerProcess
let down: string

beforeAll(async () => {
  broker = await startBrokerProcess()
  down = `ws://127.0.0.1:${await closedPort()}`
})

afterAll(async () => {
  await broker?.stop()
})

async function ok(args: string[], options: CliOptions = {}): Promise<{ lines: string[]; stderr: string }> {
  const result = await runCli(args, options)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

describe('a list of brokers', () => {
  it('--broker takes a comma-separated list and steps over a broker that is down', async () => {
    const list = `${down},${broker.url}`
    expect((await ok(['topics', 'create', '--topic', 'listed', '--partitions', '2', '--broker', list])).lines).toEqual(['Created topic listed.'])
    expect((await ok(['topics', 'list', '--broker', list])).lines).toContain('listed')
  })

  it('FAECIE_BROKER takes the list too, for produce and consume', async () => {
    const env = { FAECIE_BROKER: ` ${down} , ${broker.url} ` }
    await ok(['topics', 'create', '--topic', 'env-listed'], { env })
    await ok(['produce', '--topic', 'env-listed'], { env, stdin: 'one\ntwo\n' })
    const consumed = await ok(['consume', '--topic', 'env-listed', '--from-beginning', '--max-messages', '2'], { env })
    expect(consumed.lines).toEqual(['one', 'two'])
  })

  it('refuses a bad address in the list, naming the flag (exit 2), and an empty list', async () => {
    const bad = await runCli(['topics', 'list', '--broker', `${broker.url},ftp://nope:1`])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--broker: .*ftp:\/\/nope:1/)
    const empty = await runCli(['topics', 'list', '--broker', ' , '])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('no broker address')
  })

  it('names every broker of the list when none answers', async () => {
    const other = `ws://127.0.0.1:${await closedPort()}`
    const result = await runCli(['topics', 'list', '--broker', `${down},${other}`])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot reach any of the brokers at ${down}/v1/ws,${other}/v1/ws`)
  })
})

describe('replication on the command line', () => {
  it('creates with --replication-factor and describes each partition with its leader, replicas and ISR', async () => {
    await ok(['topics', 'create', '--topic', 'replicated', '--partitions', '2', '--replication-factor', '1', '--broker', broker.url])
    const { lines } = await ok(['topics', 'describe', '--topic', 'replicated', '--broker', broker.url])
    expect(lines[0]).toMatch(/^Topic: replicated\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: /)
    expect(lines.slice(1).map((l) => l.split('\t').slice(1, 6).join('\t'))).toEqual([
      'Topic: replicated\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0',
      'Topic: replicated\tPartition: 1\tLeader: 0\tReplicas: 0\tIsr: 0',
    ])
    const refused = await runCli(['topics', 'create', '--topic', 'x', '--replication-factor', '0', '--broker', broker.url])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--replication-factor')
  })

  it('cluster describe prints the cluster id, mode, controller, brokers and etcd', async () => {
    const json = JSON.parse((await ok(['cluster', 'describe', '--format', 'json', '--broker', broker.url])).lines[0]!) as {
      clusterId: string; mode: string; controllerId: number; brokers: Array<{ brokerId: number; url: string; rack: string | null }>; etcd: string[]
    }
    expect(json).toMatchObject({ mode: 'single', controllerId: 0, etcd: [] })
    expect(json.brokers).toHaveLength(1)
    expect(json.brokers[0]!.brokerId).toBe(0)
    const { lines } = await ok(['cluster', 'describe', '--broker', broker.url])
    expect(lines).toEqual([
      `ClusterId: ${json.clusterId}\tMode: single\tController: 0\tBrokers: 1`,
      `\tBroker: 0\tUrl: ${json.brokers[0]!.url}\tRack: -`,
      'Etcd: -',
    ])
    const help = await ok(['cluster', '--help'])
    expect(help.lines.join('\n')).toContain('describe')
  })
})
