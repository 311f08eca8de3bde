// `faecie acls add|list|remove`: ACLs on the command line, with kafka-acls.sh's flags. add makes
// one binding per principal x operation x resource named (--allow-principal and --deny-principal
// may be repeated, as may --operation, --topic and --group); remove deletes the bindings those flags
// describe (flags left out match anything, as in a filter); list prints the bindings the flags
// match. Needs Alter on the cluster (list: Describe), as in Kafka. What was asked for goes to stdout
// (the list, the bindings removed); confirmations to stderr.
import type { Admin } from '@faecie/client'
import {
  ACL_OPERATIONS, aclBindingProblem, CLUSTER_RESOURCE_NAME, type AclBinding, type AclFilter, type AclOperation, type AclPatternType,
  type AclPermission, type AclResourceType,
} from '@faecie/protocol'
import { COMMON_USAGE, type Flags, UsageError } from '../args.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'
import { columns } from './groups.js'

export const ACLS_USAGE = `Usage: faecie acls <action> [options]

Actions:
  add    (--allow-principal P | --deny-principal P)... --operation OP... RESOURCE... [--host H]
         [--resource-pattern-type literal|prefixed]
  list   [--principal P] [--operation OP] [RESOURCE] [--resource-pattern-type T] [--format text|json]
  remove [--allow-principal P | --deny-principal P]... [--operation OP]... [RESOURCE]... [--host H]
         [--resource-pattern-type literal|prefixed]

  --allow-principal P     User:NAME (User:* for every user) allowed; repeatable
  --deny-principal P      User:NAME denied (deny wins over allow); repeatable
  --principal P           list: only this principal's bindings
  --operation OP          All, Read, Write, Create, Delete, Alter, Describe, DescribeConfigs,
                          AlterConfigs, ClusterAction (any case); repeatable
  --topic T, --group G    the resource: a topic or a consumer group (* for every one); repeatable
  --cluster               the resource: the cluster (${CLUSTER_RESOURCE_NAME})
  --resource-pattern-type literal (the name itself, default) or prefixed (every name that starts
                          with it); list also takes any (the default there)
  --host H                the client address the binding applies to (default *, any)
  --format text|json      list: text (default) or one JSON object

Read, Write, Delete and Alter imply Describe, as in Kafka. remove with no flag but a
resource removes every binding of that resource.

${COMMON_USAGE}`

const OPTIONS = {
  'allow-principal': { type: 'string', multiple: true },
  'deny-principal': { type: 'string', multiple: true },
  principal: { type: 'string' },
  operation: { type: 'string', multiple: true },
  topic: { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
  cluster: { type: 'boolean' },
  'resource-pattern-type': { type: 'string' },
  host: { type: 'string' },
  format: { type: 'string' },
} as const

const RESOURCE_FLAGS = ['topic', 'group', 'cluster', 'resource-pattern-type']
const ACTION_FLAGS: Record<string, string[]> = {
  add: ['allow-principal', 'deny-principal', 'operation', 'host', ...RESOURCE_FLAGS],
  list: ['principal', 'operation', 'format', ...RESOURCE_FLAGS],
  remove: ['allow-principal', 'deny-principal', 'operation', 'host', ...RESOURCE_FLAGS],
}

export const ACL_ACTIONS = Object.keys(ACTION_FLAGS)

export function aclsCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'acls', usage: ACLS_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: ACTIONS }, argv, out)
}

function operations(flags: Flags): AclOperation[] {
  return flags.strings('operation').map((text) => {
    const op = ACL_OPERATIONS.find((o) => o.toLowerCase() === text.toLowerCase())
    if (op === undefined) throw new UsageError(`--operation ${JSON.stringify(text)} is not one of ${ACL_OPERATIONS.join(', ')}`)
    return op
  })
}

function resources(flags: Flags): { resourceType: AclResourceType; resourceName: string }[] {
  return [
    ...flags.strings('topic').map((resourceName) => ({ resourceType: 'topic' as const, resourceName })),
    ...flags.strings('group').map((resourceName) => ({ resourceType: 'group' as const, resourceName })),
    ...(flags.bool('cluster') ? [{ resourceType: 'cluster' as const, resourceName: CLUSTER_RESOURCE_NAME }] : []),
  ]
}

function principals(flags: Flags): { principal: string; permission: AclPermission }[] {
  return [
    ...flags.strings('allow-principal').map((principal) => ({ principal, permission: 'Allow' as const })),
    ...flags.strings('deny-principal').map((principal) => ({ principal, permission: 'Deny' as const })),
  ]
}

/** Every combination of the given values; an empty list of values leaves that field out (matches anything). */
function combinations(flags: Flags, patternType: AclPatternType | undefined): AclFilter[] {
  const ps = principals(flags)
  const ops = operations(flags)
  const rs = resources(flags)
  const host = flags.string('host')
  const out: AclFilter[] = []
  for (const p of ps.length === 0 ? [{}] : ps) {
    for (const operation of ops.length === 0 ? [undefined] : ops) {
      for (const r of rs.length === 0 ? [{}] : rs) {
        out.push({ ...p, ...r, ...(operation === undefined ? {} : { operation }), ...(host === undefined ? {} : { host }),
          ...(patternType === undefined ? {} : { patternType }) })
      }
    }
  }
  return out
}

export function describeBinding(b: AclBinding): string {
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.resourceName}${b.patternType === 'prefixed' ? ' (prefixed)' : ''}` +
    ` from ${b.host === '*' ? 'any host' : b.host}`
}

const add: Action = (flags) => {
  const patternType = flags.choice('resource-pattern-type', ['literal', 'prefixed'] as const) ?? 'literal'
  if (principals(flags).length === 0) throw new UsageError('add needs --allow-principal or --deny-principal')
  if (operations(flags).length === 0) throw new UsageError('add needs --operation')
  if (resources(flags).length === 0) throw new UsageError('add needs a resource: --topic, --group or --cluster')
  const acls = combinations(flags, patternType).map((f) => ({ host: '*', ...f }) as AclBinding)
  for (const b of acls) {
    const problem = aclBindingProblem(b)
    if (problem !== undefined) throw new UsageError(problem)
  }
  return async (admin) => {
    await admin.createAcls({ acls })
    for (const b of acls) process.stderr.write(`Added ACL: ${describeBinding(b)}.\n`)
    return 0
  }
}

function printBindings(out: LineWriter, bindings: AclBinding[], format: 'text' | 'json'): void {
  if (format === 'json') {
    out.write(JSON.stringify({ acls: bindings }))
    return
  }
  const rows = bindings.map((b) => [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission])
  for (const line of columns([['RESOURCE-TYPE', 'RESOURCE', 'PATTERN', 'PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION'], ...rows])) out.write(line)
}

const list: Action = (flags, out) => {
  const pattern = flags.choice('resource-pattern-type', ['literal', 'prefixed', 'any'] as const) ?? 'any'
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  const ops = operations(flags)
  const rs = resources(flags)
  if (ops.length > 1 || rs.length > 1) throw new UsageError('list takes one --operation and one resource at most')
  const principal = flags.string('principal')
  const filter: AclFilter = { ...(principal === undefined ? {} : { principal }), ...(ops[0] === undefined ? {} : { operation: ops[0] }),
    ...(rs[0] ?? {}), ...(pattern === 'any' ? {} : { patternType: pattern }) }
  return async (admin: Admin) => {
    printBindings(out, await admin.describeAcls(filter), format)
    return 0
  }
}

const remove: Action = (flags, out) => {
  const patternType = flags.choice('resource-pattern-type', ['literal', 'prefixed'] as const) ?? 'literal'
  if (principals(flags).length === 0 && operations(flags).length === 0 && resources(flags).length === 0) {
    throw new UsageError('remove needs at least a principal, an operation or a resource (it would remove every ACL)')
  }
  const filters = combinations(flags, patternType)
  return async (admin) => {
    const removed = await admin.deleteAcls({ filters })
    for (const b of removed) out.write(`Removed ACL: ${describeBinding(b)}.`)
    if (removed.length === 0) process.stderr.write('No ACL matched.\n')
    return 0
  }
}

const ACTIONS: Record<string, Action> = { add, list, remove }
