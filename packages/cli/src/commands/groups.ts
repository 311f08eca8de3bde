// `faecie groups list|describe|reset-offsets|delete`: consumer groups on the command line, in the
// shape of kafka-consumer-groups.sh. describe prints its table (one line per partition: committed
// offset, end offset, lag, owning member) and the total lag; reset-offsets prints the plan and
// changes nothing without --execute, and is refused while the group has members, as Kafka's tool
// does. Classic groups (Kafka's JoinGroup/SyncGroup protocol: kcat, kafkajs, librdkafka, Java's classic
// consumer) show with their type, protocol type and Kafka's classic states (PreparingRebalance,
// CompletingRebalance), their generation and chosen protocol in place of epoch and assignor. What
// was asked for goes to stdout; confirmations to stderr.
import type { Admin, GroupLag, ListedGroups } from '@faecie/client'
import { COMMON_USAGE, UsageError, parseInteger } from '../args.js'
import { CommandError, errorText } from '../connect.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'

type ListedGroup = ListedGroups['groups'][number]
type DescribedGroup = Awaited<ReturnType<Admin['describeGroups']>>['groups'][number]

export const GROUPS_USAGE = `Usage: faecie groups <action> [options]

Actions:
  list [--type] [--state] [--format text|json]
  describe --group G [--format text|json]   (with the group's COORDINATOR: broker id and URL)
  reset-offsets --group G --topic T (--to-earliest | --to-latest | --to-offset O | --to-datetime ISO) [--execute]
  delete --group G

  --group G               the consumer group
  --topic T               reset-offsets: the topic whose offsets move (every partition)
  --to-earliest           reset-offsets: to each partition's first offset
  --to-latest             reset-offsets: to each partition's end (skip everything there now)
  --to-offset O           reset-offsets: to offset O (kept within each partition's log)
  --to-datetime ISO       reset-offsets: to the first record at or after a time (2026-01-31T12:00:00Z)
  --execute               reset-offsets: apply the plan (without it, only print it)
  --type                  list: a TYPE column (consumer: faecie's groups and KIP-848's; classic: Kafka's
                          JoinGroup protocol) and PROTOCOL-TYPE (a classic group's; consumer for consumers)
  --state                 list: a STATE column
  --format text|json      list and describe: text (default) or one JSON object

list asks every broker of a cluster; a broker that cannot be reached (one just stopped stays
registered until its session times out) is named in a warning on stderr (JSON: "unreachable") and
its groups are missing. describe shows the group's coordinator and state and, per partition, the committed offset (CURRENT-OFFSET), the end
(LOG-END-OFFSET), LAG and the member that owns it, then the total lag. reset-offsets and delete
are refused while the group has members.

${COMMON_USAGE}`

const OPTIONS = {
  group: { type: 'string' },
  topic: { type: 'string' },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-offset': { type: 'string' },
  'to-datetime': { type: 'string' },
  execute: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  format: { type: 'string' },
  type: { type: 'boolean' },
  state: { type: 'boolean' },
} as const

const ACTION_FLAGS: Record<string, string[]> = {
  list: ['format', 'type', 'state'],
  describe: ['group', 'format'],
  'reset-offsets': ['group', 'topic', 'to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'execute', 'dry-run'],
  delete: ['group'],
}

export const GROUP_ACTIONS = Object.keys(ACTION_FLAGS)

export function groupsCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'groups', usage: GROUPS_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: ACTIONS }, argv, out)
}


const list: Action = (flags, out) => {
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  const withType = flags.bool('type')
  const withState = flags.bool('state')
  return async (admin) => {
    const { groups, unreachable = [] } = await admin.listGroups()
    const sorted = [...groups].sort((a, b) => a.groupId.localeCompare(b.groupId))
    for (const u of unreachable) {
      process.stderr.write(`Warning: broker ${u.brokerId} (${u.url}) could not be reached: its groups are not listed (${errorText(u.error)}).\n`)
    }
    if (format === 'json') {
      out.write(JSON.stringify({ groups: sorted, ...(unreachable.length === 0 ? {} : {
        unreachable: unreachable.map((u) => ({ brokerId: u.brokerId, url: u.url, error: { code: u.error.code, name: u.error.errorName, message: u.error.message } })),
      }) }))
    } else if (withType || withState) {
      for (const line of listLines(sorted, withType, withState)) out.write(line)
    } else for (const g of sorted) out.write(g.groupId)
    return 0
  }
}

/** list --type/--state: GROUP, then TYPE and PROTOCOL-TYPE, then STATE, as kafka-consumer-groups --list --type --state. */
export function listLines(groups: readonly ListedGroup[], withType: boolean, withState: boolean): string[] {
  const header = ['GROUP', ...(withType ? ['TYPE', 'PROTOCOL-TYPE'] : []), ...(withState ? ['STATE'] : [])]
  return columns([header, ...groups.map((g) => [
    g.groupId, ...(withType ? [g.type ?? 'consumer', g.protocolType || (g.type === 'classic' ? '-' : 'consumer')] : []), ...(withState ? [g.state] : []),
  ])])
}

/** What the head line of describe says of a classic group's kind; nothing for faecie's own. */
function kindOf(group: DescribedGroup): string {
  return group.type === 'classic' ? ` (classic, protocol type ${group.protocolType || 'none'})` : ''
}

/** The group, or a CommandError when the broker does not know it. */
async function groupOf(admin: Admin, groupId: string): Promise<DescribedGroup> {
  const { groups } = await admin.describeGroups([groupId])
  const group = groups.find((g) => g.groupId === groupId)
  if (group === undefined || group.error !== undefined || group.state === 'Dead') {
    throw new CommandError(`consumer group ${groupId} does not exist [GROUP_ID_NOT_FOUND]`)
  }
  return group
}

const describe: Action = (flags, out) => {
  const groupId = flags.requiredString('group')
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  return async (admin) => {
    const group = await groupOf(admin, groupId)
    const lag = await admin.fetchGroupLag({ groupId })
    if (format === 'json') {
      out.write(JSON.stringify({ groupId, coordinator: group.coordinator ?? null, type: group.type ?? 'consumer', ...(group.protocolType === undefined ? {} : { protocolType: group.protocolType }),
        state: group.state, groupEpoch: group.groupEpoch, assignor: group.assignor, members: group.members, partitions: lag.partitions, totalLag: lag.totalLag }))
    } else {
      for (const line of describeLines(group, lag)) out.write(line)
    }
    return 0
  }
}

/** Left-aligned columns, as kafka-consumer-groups.sh prints them. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 1))).join(' ').trimEnd())
}

export function describeLines(group: DescribedGroup, lag: GroupLag): string[] {
  const members = group.members.length
  const epoch = group.type === 'classic' ? `generation ${group.groupEpoch}, protocol ${group.assignor || '-'}` : `group epoch ${group.groupEpoch}, assignor ${group.assignor}`
  const head = members === 0
    ? `Consumer group '${group.groupId}'${kindOf(group)} has no active members (state ${group.state}).`
    : `Consumer group '${group.groupId}'${kindOf(group)} has state ${group.state}, ${members} member${members === 1 ? '' : 's'} (${epoch}).`
  const coordinator = group.coordinator === undefined ? [] : [`COORDINATOR (ID): ${group.coordinator.url} (${group.coordinator.brokerId})`]
  const rows = [['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']]
  for (const p of lag.partitions) {
    rows.push([
      group.groupId, p.topic, String(p.partition), p.committed < 0 ? '-' : String(p.committed), String(p.end),
      p.lag === undefined ? '-' : String(p.lag), p.memberId ?? '-', '-', p.clientId ?? '-',
    ])
  }
  const uncommitted = lag.partitions.filter((p) => p.committed < 0).length
  const total = uncommitted === 0 ? `TOTAL-LAG: ${lag.totalLag}`
    : `TOTAL-LAG: ${lag.totalLag} (not counting ${uncommitted} partition${uncommitted === 1 ? '' : 's'} with no committed offset)`
  if (lag.partitions.length === 0) return [head, ...coordinator, '', 'The group has committed no offsets and its members own no partitions.']
  return [head, ...coordinator, '', ...columns(rows), '', total]
}

const resetOffsets: Action = (flags, out) => {
  const groupId = flags.requiredString('group')
  const topic = flags.requiredString('topic')
  const chosen = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime'].filter((name) => flags.has(name))
  if (chosen.length !== 1) throw new UsageError('reset-offsets needs one of --to-earliest, --to-latest, --to-offset O, --to-datetime ISO')
  if (flags.bool('execute') && flags.bool('dry-run')) throw new UsageError('--execute and --dry-run exclude each other')
  let target: Parameters<Admin['resetOffsets']>[0]
  const base = { groupId, topic }
  if (chosen[0] === 'to-earliest') target = { ...base, to: 'earliest' }
  else if (chosen[0] === 'to-latest') target = { ...base, to: 'latest' }
  else if (chosen[0] === 'to-offset') target = { ...base, to: 'offset', offset: parseInteger(flags.requiredString('to-offset'), '--to-offset', 0) }
  else {
    const text = flags.requiredString('to-datetime')
    const timestamp = Date.parse(text)
    if (!Number.isFinite(timestamp)) throw new UsageError(`--to-datetime must be a date and time such as 2026-01-31T12:00:00Z, not ${JSON.stringify(text)}`)
    target = { ...base, to: 'timestamp', timestamp }
  }
  const execute = flags.bool('execute')
  return async (admin) => {
    const { groups } = await admin.describeGroups([groupId])
    const group = groups.find((g) => g.groupId === groupId)
    const members = group?.error === undefined ? group?.members.length ?? 0 : 0
    if (members > 0) {
      throw new CommandError(`consumer group ${groupId} has ${members} active member${members === 1 ? '' : 's'} (state ${group!.state}): offsets can only be reset while it has none; stop its consumers first [NON_EMPTY_GROUP]`)
    }
    const plan = await admin.resetOffsets({ ...target, dryRun: !execute })
    if (target.to === 'offset') {
      // As Kafka's tool does: an offset outside a partition's log is moved to its nearer end, aloud.
      for (const p of plan.filter((entry) => entry.offset !== target.offset)) {
        process.stderr.write(`Warning: offset ${target.offset} is outside ${p.topic}-${p.partition}'s log: using ${p.offset}.\n`)
      }
    }
    for (const line of columns([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...plan.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)])])) out.write(line)
    process.stderr.write(execute ? `Reset the offsets of group ${groupId} on ${topic}.\n` : 'Dry run: nothing was changed. Add --execute to apply this plan.\n')
    return 0
  }
}

const remove: Action = (flags) => {
  const groupId = flags.requiredString('group')
  return async (admin) => {
    await groupOf(admin, groupId)
    await admin.deleteGroup(groupId)
    process.stderr.write(`Deleted consumer group ${groupId}.\n`)
    return 0
  }
}

const ACTIONS: Record<string, Action> = { list, describe, 'reset-offsets': resetOffsets, delete: remove }
