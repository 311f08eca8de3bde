// `faecie users create|list|delete|passwd`: SCRAM users on the command line, as Kafka's
// kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[password=...]' manages them. A new password
// is read from the first line of --new-password-file, never from the command line (argv is visible
// to every user of the machine); the client salts and hashes it, and only the salted hash travels.
// The user managed is --name, so that --user and --password-file stay the login of the command
// itself. One mechanism per call (default SCRAM-SHA-512), as Kafka's tool takes one. What was asked
// for goes to stdout; confirmations to stderr.
import { readFileSync } from 'node:fs'
import type { Admin } from '@faecie/client'
import { COMMON_USAGE, UsageError } from '../args.js'
import { CommandError } from '../connect.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'
import { columns } from './groups.js'

export const USERS_USAGE = `Usage: faecie users <action> [options]

Actions:
  create --name U --new-password-file F [--mechanism M] [--iterations N]
  passwd --name U --new-password-file F [--mechanism M] [--iterations N]
  list [--name U]... [--format text|json]
  delete --name U [--mechanism M]

  --name U                the user managed (its principal is User:U)
  --new-password-file F   create and passwd: the password is the first line of F (never on the
                          command line); it is salted and hashed here, only the hash is sent
  --mechanism M           SCRAM-SHA-256 or SCRAM-SHA-512 (default SCRAM-SHA-512); delete without
                          it deletes every credential of the user
  --iterations N          create and passwd: PBKDF2 iterations, 4096 to 16384 (default 4096)
  --format text|json      list: text (default) or one JSON object

create refuses a user that has a credential for the mechanism already (use passwd); passwd
refuses a user that does not exist. Needs Alter on the cluster (list: Describe), as in Kafka.

${COMMON_USAGE}`

const OPTIONS = {
  name: { type: 'string', multiple: true },
  'new-password-file': { type: 'string' },
  mechanism: { type: 'string' },
  iterations: { type: 'string' },
  format: { type: 'string' },
} as const

const ACTION_FLAGS: Record<string, string[]> = {
  create: ['name', 'new-password-file', 'mechanism', 'iterations'],
  passwd: ['name', 'new-password-file', 'mechanism', 'iterations'],
  list: ['name', 'format'],
  delete: ['name', 'mechanism'],
}

export const USER_ACTIONS = Object.keys(ACTION_FLAGS)

export function usersCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'users', usage: USERS_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: ACTIONS }, argv, out)
}

/** The first line of the file: a password. */
export function readPasswordFile(path: string, flag: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new UsageError(`${flag} ${path}: ${(err as Error).message}`)
  }
  const password = text.split(/\r?\n/)[0] ?? ''
  if (password.length === 0) throw new UsageError(`${flag} ${path}: the first line (the password) is empty`)
  return password
}

function oneName(flags: Parameters<Action>[0]): string {
  const names = flags.strings('name')
  if (names.length !== 1 || names[0] === '') throw new UsageError('--name is required, once')
  return names[0]!
}

function mechanismOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const upper = text.toUpperCase()
  if (upper !== 'SCRAM-SHA-256' && upper !== 'SCRAM-SHA-512') throw new UsageError(`--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512, not ${JSON.stringify(text)}`)
  return upper
}

/** create and passwd: the same upsert, after checking whether the user exists. */
function setPassword(mustExist: boolean): Action {
  return (flags) => {
    const user = oneName(flags)
    const password = readPasswordFile(flags.requiredString('new-password-file'), '--new-password-file')
    const mechanism = mechanismOf(flags.string('mechanism')) ?? 'SCRAM-SHA-512'
    const iterations = flags.integer('iterations', 4096, 16384)
    return async (admin) => {
      const [described] = await admin.describeUsers({ users: [user] })
      const exists = described !== undefined && described.error === undefined
      if (mustExist && !exists) throw new CommandError(`User ${user} does not exist (faecie users create makes it).`)
      if (!mustExist && described?.mechanisms.some((m) => m.mechanism === mechanism) === true) {
        throw new CommandError(`User ${user} has a ${mechanism} credential already (faecie users passwd changes it).`)
      }
      await admin.upsertUser({ user, password, mechanism, ...(iterations === undefined ? {} : { iterations }) })
      process.stderr.write(`${mustExist ? 'Changed the password of' : 'Created'} user ${user} (${mechanism}).\n`)
      return 0
    }
  }
}

const list: Action = (flags, out) => {
  const users = flags.strings('name')
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  return async (admin: Admin) => {
    const described = await admin.describeUsers(users.length === 0 ? {} : { users })
    const missing = described.filter((u) => u.error !== undefined)
    const found = described.filter((u) => u.error === undefined)
    if (format === 'json') {
      out.write(JSON.stringify({ users: found.map((u) => ({ user: u.user, mechanisms: u.mechanisms })) }))
    } else {
      const rows = found.map((u) => [u.user, u.mechanisms.map((m) => `${m.mechanism}(iterations=${m.iterations})`).join(',')])
      for (const line of columns([['USER', 'MECHANISMS'], ...rows])) out.write(line)
    }
    for (const u of missing) process.stderr.write(`User ${u.user} does not exist.\n`)
    return missing.length === 0 ? 0 : 1
  }
}

const remove: Action = (flags) => {
  const user = oneName(flags)
  const mechanism = mechanismOf(flags.string('mechanism'))
  return async (admin) => {
    await admin.deleteUser({ user, ...(mechanism === undefined ? {} : { mechanism }) })
    process.stderr.write(`Deleted ${mechanism === undefined ? 'user' : `the ${mechanism} credential of user`} ${user}.\n`)
    return 0
  }
}

const ACTIONS: Record<string, Action> = { create: setPassword(false), passwd: setPassword(true), list, delete: remove }
