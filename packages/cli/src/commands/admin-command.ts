// The shape shared by the admin commands (`faecie topics ...`, `faecie groups ...`): an action word,
// flags checked against what that action takes before anything is contacted (a bad command line is
// exit 2 wherever the broker is), then the action run with an admin client within the connect
// timeout, and the client closed whatever happens.
import type { Admin } from '@faecie/client'
import { type Flags, type OptionSpec, UsageError, parseFlags } from '../args.js'
import { clientFor, targetOf, withinConnectTimeout } from '../connect.js'
import type { LineWriter } from '../output.js'
import { didYouMean } from '../suggest.js'

/** An action's flags, checked, and what it then does with the admin client. */
export type Action = (flags: Flags, out: LineWriter) => (admin: Admin) => Promise<number>

export interface AdminCommand {
  /** The command word: `topics`, `groups`. */
  name: string
  usage: string
  options: OptionSpec
  /** Which flags each action takes, besides the common ones; its keys are the actions, in order. */
  actionFlags: Record<string, string[]>
  actions: Record<string, Action>
}

/** "a, b, c or d" */
function either(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
}

export async function runAdminCommand(command: AdminCommand, argv: string[], out: LineWriter): Promise<number> {
  const [action, ...rest] = argv
  const choices = either(Object.keys(command.actionFlags))
  if (action === undefined) throw new UsageError(`${command.name} needs an action: ${choices}`)
  if (action === '--help' || action === '-h' || action === 'help') {
    out.write(command.usage)
    return 0
  }
  const allowed = command.actionFlags[action]
  if (allowed === undefined) throw new UsageError(`unknown action ${JSON.stringify(action)}${didYouMean(action, Object.keys(command.actionFlags))}: ${choices}`)
  const flags = parseFlags(rest, command.options)
  if (flags.bool('help')) {
    out.write(command.usage)
    return 0
  }
  for (const name of Object.keys(command.options)) {
    if (flags.has(name) && !allowed.includes(name)) throw new UsageError(`${command.name} ${action} does not take --${name}`)
  }
  const run = command.actions[action]!(flags, out)
  const target = targetOf(flags)
  const admin = clientFor(target).admin()
  try {
    await withinConnectTimeout(target, admin.connect())
    return await run(admin)
  } finally {
    await admin.disconnect()
  }
}
