#!/usr/bin/env node
// The `faecie` command: `faecie broker | topics | groups | partitions | cluster | produce | consume | perf | users | acls`, each with --help. Standard
// output carries nothing but what was asked for (records, topic names, descriptions, help);
// confirmations, progress and errors go to stderr. Exit codes: 0 done, 1 an error (unknown topic,
// broker unreachable within --connect-timeout-ms, a record not delivered), 2 a bad command line,
// 130 a second Ctrl-C. The client commands load @faecie/client only; `faecie broker` loads the
// broker lazily (commands/broker.ts).
import { UsageError } from './args.js'
import { brokerCommand } from './commands/broker.js'
import { CLUSTER_ACTIONS, clusterCommand } from './commands/cluster.js'
import { consumeCommand } from './commands/consume.js'
import { GROUP_ACTIONS, groupsCommand } from './commands/groups.js'
import { PARTITION_ACTIONS, partitionsCommand } from './commands/partitions.js'
import { perfCommand } from './commands/perf.js'
import { produceCommand } from './commands/produce.js'
import { TOPIC_ACTIONS, topicsCommand } from './commands/topics.js'
import { USER_ACTIONS, usersCommand } from './commands/users.js'
import { ACL_ACTIONS, aclsCommand } from './commands/acls.js'
import { errorText } from './connect.js'
import { LineWriter } from './output.js'
import { didYouMean } from './suggest.js'
import { cliVersion } from './version.js'

export const USAGE = `Usage: faecie <command> [options]

Commands:
  broker     run a broker in this process (faecie broker --help)
  topics     create, list, describe, alter and delete topics (faecie topics --help)
  groups     list, describe, reset the offsets of and delete consumer groups (faecie groups --help)
  partitions repair a damaged partition (faecie partitions --help)
  cluster    describe the cluster, move replicas, drain a broker, elect leaders (faecie cluster --help)
  produce    send standard input to a topic, one record per line (faecie produce --help)
  consume    print a topic's records, one per line (faecie consume --help)
  perf       load generators: produce, consume and end-to-end latency figures (faecie perf --help)
  users      create, list, delete SCRAM users and change their passwords (faecie users --help)
  acls       add, list and remove ACLs (faecie acls --help)

The client commands find the broker at --broker ws://HOST:PORT, else $FAECIE_BROKER, else
ws://127.0.0.1:8092; a comma-separated list (ws://h1:8092,ws://h2:8092) names several brokers of
a cluster, any of which will do to start. \`faecie --version\` prints the version.`

/** After the command is done, how long open handles may keep the process before it exits anyway. */
const EXIT_GRACE_MS = 3_000

type Command = (argv: string[], out: LineWriter) => Promise<number>

const COMMANDS: Record<string, Command> = {
  topics: topicsCommand,
  groups: groupsCommand,
  partitions: partitionsCommand,
  cluster: clusterCommand,
  produce: produceCommand,
  consume: consumeCommand,
  perf: perfCommand,
  users: usersCommand,
  acls: aclsCommand,
}

/** Runs one command line; resolves with the exit code. */
/** Options every client command takes, which may also come before the command's name. */
const LEADING_OPTIONS = new Set(['--broker', '--bootstrap-server', '--connect-timeout-ms'])

/** `faecie --broker X topics list` as `faecie topics list --broker X`. */
function commandFirst(argv: string[]): string[] {
  const leading: string[] = []
  let i = 0
  while (i + 1 < argv.length && LEADING_OPTIONS.has(argv[i]!)) {
    leading.push(argv[i]!, argv[i + 1]!)
    i += 2
  }
  if (leading.length === 0 || i >= argv.length || argv[i] === 'broker') return argv
  return [...argv.slice(i), ...leading]
}

export async function main(argv: string[], out: LineWriter): Promise<number> {
  const [name, ...rest] = commandFirst(argv)
  if (name === '--help' || name === '-h' || name === 'help') {
    out.write(USAGE)
    return 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out.write(cliVersion())
    return 0
  }
  const command = name === undefined ? undefined : COMMANDS[name]
  if (command === undefined) {
    const what = name === undefined ? 'a command is needed' : `unknown command ${JSON.stringify(name)}${didYouMean(name, ['broker', ...Object.keys(COMMANDS)])}`
    process.stderr.write(`faecie: ${what}\n\n${USAGE}\n`)
    return 2
  }
  // `faecie topics create: ...`: errors name the action too.
  const actionsOf: Record<string, string[]> = { topics: TOPIC_ACTIONS, groups: GROUP_ACTIONS, partitions: PARTITION_ACTIONS, cluster: CLUSTER_ACTIONS,
    users: USER_ACTIONS, acls: ACL_ACTIONS }
  const actions = actionsOf[name!] ?? []
  const label = actions.includes(rest[0] ?? '') ? `${name} ${rest[0]}` : name
  try {
    return await command(rest, out)
  } catch (err) {
    process.stderr.write(`faecie ${label}: ${errorText(err)}\n`)
    if (err instanceof UsageError) {
      process.stderr.write(`Run \`faecie ${label} --help\` for the options.\n`)
      return 2
    }
    if (process.env.FAECIE_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`)
    return 1
  }
}

async function run(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === 'broker') {
    // The broker owns the process: it returns once a signal has stopped it.
    process.exit(await brokerCommand(argv.slice(1)))
  }
  const out = new LineWriter()
  const code = await main(argv, out)
  await out.end()
  process.exitCode = code
  // Sockets finish closing (and with --acks 0 finish sending) on their own; this only bounds it.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
}

run().catch((err: unknown) => {
  process.stderr.write(`faecie: ${String((err as Error)?.stack ?? err)}\n`)
  process.exit(1)
})
