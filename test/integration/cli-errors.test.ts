// The `faecie` CLI's failures, as child processes: each ends with a message on stderr, nothing on
// stdout, and a non-zero exit code (1 for what the broker or the network says, 2 for a bad command
// line), in bounded time: an unknown topic, a broker that refuses connections, one that accepts
// them and never answers (the connect timeout), bad flags and bad values.
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli, type CliResult } from '../support/cli-process.js'
import { closedPort } from '../support/ports.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBrokerProcess()
  const created = await runCli(['topics', 'create', '--topic', 'present', '--partitions', '2'], { env: { FAECIE_BROKER: broker.url } })
  expect(created.code, created.stderr).toBe(0)
})

afterAll(async () => {
  await broker?.stop()
})

function expectFailure(result: CliResult, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code)
  expect(result.stdout).toBe('')
  expect(result.stderr).toMatch(message)
}

describe('unknown topics', () => {
  const env = (): Record<string, string> => ({ FAECIE_BROKER: broker.url })

  it('consume, produce, describe, alter and delete refuse a topic that does not exist', async () => {
    expectFailure(await runCli(['consume', '--topic', 'absent', '--from-beginning'], { env: env() }), 1, /unknown topic absent.*UNKNOWN_TOPIC_OR_PARTITION/)
    expectFailure(await runCli(['produce', '--topic', 'absent'], { env: env(), stdin: 'lost\n' }), 1, /unknown topic absent/)
    expectFailure(await runCli(['topics', 'describe', '--topic', 'absent'], { env: env() }), 1, /^faecie topics describe: .*UNKNOWN_TOPIC_OR_PARTITION/)
    expectFailure(await runCli(['topics', 'alter', '--topic', 'absent', '--config', 'retention.ms=1000'], { env: env() }), 1, /UNKNOWN_TOPIC_OR_PARTITION/)
    expectFailure(await runCli(['topics', 'delete', '--topic', 'absent'], { env: env() }), 1, /UNKNOWN_TOPIC_OR_PARTITION/)
  })

  it('refuses a partition the topic does not have', async () => {
    expectFailure(await runCli(['consume', '--topic', 'present', '--partition', '2'], { env: env() }), 1, /has no partition 2 \(it has 2/)
    expectFailure(await runCli(['produce', '--topic', 'present', '--partition', '9'], { env: env(), stdin: 'x\n' }), 1, /has no partition 9/)
  })

  it('refuses bad topic names and config with the broker\'s reason', async () => {
    expectFailure(await runCli(['topics', 'create', '--topic', 'no spaces'], { env: env() }), 1, /INVALID_TOPIC_EXCEPTION/)
    expectFailure(await runCli(['topics', 'create', '--topic', 'cfg', '--config', 'no.such.key=1'], { env: env() }), 1, /INVALID_CONFIG/)
    expectFailure(await runCli(['topics', 'create', '--topic', 'cfg', '--config', 'cleanup.policy=compacted'], { env: env() }), 1, /cleanup\.policy/)
  })
})

describe('an unreachable broker', () => {
  it('fails fast when nothing listens on the port', async () => {
    const port = await closedPort()
    for (const args of [['topics', 'list'], ['consume', '--topic', 'present'], ['produce', '--topic', 'present']]) {
      // A connect timeout far beyond runCli's own limit: a failure at all is the refusal, not the timeout.
      const result = await runCli([...args, '--broker', `ws://127.0.0.1:${port}`, '--connect-timeout-ms', '600000'], { stdin: 'x\n', timeoutMs: 30_000 })
      expectFailure(result, 1, new RegExp(`cannot reach the broker at ws://127\\.0\\.0\\.1:${port}/v1/ws`))
    }
  })

  it('gives up after --connect-timeout-ms when the broker never answers', async () => {
    // Accepts TCP connections and never says a word: a hung broker, or something else on the port.
    const sockets = new Set<Socket>()
    const silent: Server = createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as { port: number }
    try {
      const topics = await runCli(['topics', 'list', '--broker', `127.0.0.1:${port}`, '--connect-timeout-ms', '1500'], { timeoutMs: 30_000 })
      expectFailure(topics, 1, /cannot reach the broker.*1500 ms/)
      // A lower bound the CLI guarantees (it gives up only when its 1500 ms have run out): load only
      // lengthens it. No upper bound: runCli's limit is the guard against a hang.
      expect(topics.ms).toBeGreaterThanOrEqual(1_400)
      // The default timeout (5 s) bounds a consumer too, with the address from the environment.
      const consume = await runCli(['consume', '--topic', 'x'], { env: { FAECIE_BROKER: `ws://127.0.0.1:${port}` }, timeoutMs: 30_000 })
      expectFailure(consume, 1, /cannot reach the broker.*5000 ms/)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})

describe('bad command lines', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /a command is needed/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown topics action', ['topics', 'shrink'], /unknown action "shrink"/],
    ['an unknown flag', ['consume', '--topic', 't', '--colour'], /Unknown option '--colour'/],
    ['a missing --topic', ['consume', '--from-beginning'], /--topic is required/],
    ['a flag without its value', ['produce', '--topic'], /--topic/],
    ['a stray word', ['topics', 'list', 'extra'], /extra/],
    ['a non-integer', ['consume', '--topic', 't', '--max-messages', 'ten'], /--max-messages must be an integer/],
    ['a negative partition', ['produce', '--topic', 't', '--partition=-1'], /--partition must be an integer >= 0/],
    ['--offset without --partition', ['consume', '--topic', 't', '--offset', '5'], /--offset needs --partition/],
    ['--offset with --from-beginning', ['consume', '--topic', 't', '--partition', '0', '--offset', '5', '--from-beginning'], /exclude each other/],
    ['bad acks', ['produce', '--topic', 't', '--acks', '2'], /--acks must be one of 0, 1, all/],
    ['bad compression', ['produce', '--topic', 't', '--compression', 'brotli'], /--compression must be one of/],
    ['bad format', ['consume', '--topic', 't', '--format', 'xml'], /--format must be one of text, json/],
    ['a config without =', ['topics', 'create', '--topic', 't', '--config', 'retention.ms'], /--config takes key=value/],
    ['a flag the action does not take', ['topics', 'list', '--partitions', '3'], /topics list does not take --partitions/],
    ['zero partitions', ['topics', 'create', '--topic', 't', '--partitions', '0'], /--partitions must be an integer >= 1/],
    ['a broker that is not ws://', ['topics', 'list', '--broker', 'ftp://127.0.0.1:8092'], /--broker: .*ws:\/\//],
  ]
  it.each(cases)('%s: exit 2 with the reason, before any connection', async (_, args, message) => {
    // A broker address that would fail differently (exit 1) shows that nothing was tried.
    const result = await runCli(args, { env: { FAECIE_BROKER: 'ws://127.0.0.1:1' } })
    expectFailure(result, 2, message)
  })

  it('prints help on stdout with exit 0 for every command', async () => {
    for (const args of [['--help'], ['topics', '--help'], ['topics', 'create', '--help'], ['produce', '--help'], ['consume', '-h'], ['broker', '--help']]) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout).toMatch(/^Usage: faecie/)
    }
  })
})
