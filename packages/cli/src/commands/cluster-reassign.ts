// `faecie cluster reassign | drain | reassignments`, kafka-reassign-partitions on faecie's admin
// client: one partition moved (--replicas), a plan generated over a list of brokers (--generate,
// reassign-plan.ts) or off one broker (drain), a plan file started (--execute, printing the
// assignment to roll back to first), checked (--verify: per partition complete, in progress or
// failed; once all are complete the replication throttle is removed, as Kafka's tool does), or its
// moves cancelled (--cancel); and the moves in progress as a table. What was asked for goes to
// stdout; the summary of a plan goes to stderr.
import { type Admin, FaecieError } from '@faecie/client'
import { type Flags, UsageError, parseInteger } from '../args.js'
import { CommandError, errorText } from '../connect.js'
import type { LineWriter } from '../output.js'
import { generatedLines, partitionNames, readPlanFile, rollbackLines, verifyLine, verifyPartition } from '../reassign-file.js'
import { type GeneratedPlan, type PartitionReplicas, PlanError, type ReassignmentPlan, drainPlan, generatePlan } from '../reassign-plan.js'
import { type ClusterView, planProblems, refusalText, rollbackOf } from '../reassign-check.js'
import { columns } from './groups.js'
import type { Action } from './admin-command.js'

/** Kafka's internal topic of group offsets: a drain moves its replicas too. */
const OFFSETS_TOPIC = '__consumer_offsets'

/** `1,2,3` as broker ids, each at most once. */
export function brokerIds(text: string, flag: string): number[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => parseInteger(s, `--${flag}`, 0, 2_147_483_647))
  if (ids.length === 0) throw new UsageError(`--${flag} names no broker`)
  if (new Set(ids).size !== ids.length) throw new UsageError(`--${flag} names a broker twice: ${text}`)
  return ids
}

const topicList = (flags: Flags): string[] | undefined => {
  const text = flags.string('topics')
  return text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * Each partition's replicas now, of these topics; when undefined, of every topic but internal
 * ones, and `__consumer_offsets` too if `withOffsetsTopic`.
 */
export async function assignmentOf(admin: Admin, topics: string[] | undefined, withOffsetsTopic = false): Promise<PartitionReplicas[]> {
  const named = topics === undefined ? [...await admin.listTopics()] : [...topics]
  if (topics === undefined && withOffsetsTopic && !named.includes(OFFSETS_TOPIC)) {
    // Present once a group has been used (cluster mode replicates it); absent is no error.
    const offsets = await admin.fetchTopicMetadata({ topics: [OFFSETS_TOPIC] }).then((m) => m.topics, () => [])
    if (offsets.some((t) => t.topic === OFFSETS_TOPIC && t.partitions.length > 0)) named.push(OFFSETS_TOPIC)
  }
  if (named.length === 0) return []
  const { topics: described } = await admin.fetchTopicMetadata({ topics: named })
  return described.flatMap((t) => [...t.partitions].sort((a, b) => a.partition - b.partition)
    .map((p) => ({ topic: t.topic, partition: p.partition, replicas: p.replicas ?? [p.leader] })))
}

/** A plan cannot be made while a move of its partitions runs: the replicas then are old and new together. */
async function refuseWhileMoving(admin: Admin, assignment: PartitionReplicas[]): Promise<void> {
  const topics = [...new Set(assignment.map((p) => p.topic))]
  if (topics.length === 0) return
  const { reassignments } = await admin.listPartitionReassignments({ topics })
  if (reassignments.length > 0) {
    throw new CommandError(`reassignments of ${partitionNames(reassignments)} are in progress: wait until they are done (faecie cluster reassignments) or cancel them, then generate the plan`)
  }
}

function planned(plan: () => GeneratedPlan): GeneratedPlan {
  try {
    return plan()
  } catch (err) {
    if (err instanceof PlanError) throw new CommandError(err.message)
    throw err
  }
}

/** Prints the plan with, as its current assignment, every partition of the topics considered (as Kafka's --generate). */
function printPlan(generated: GeneratedPlan, assignment: PartitionReplicas[], format: 'text' | 'json', out: LineWriter, nothingText = 'The replicas are spread evenly already: nothing to move.'): void {
  const plan: GeneratedPlan = { ...generated, current: { version: 1, partitions: assignment } }
  if (format === 'json') out.write(JSON.stringify(plan))
  else for (const line of generatedLines(plan)) out.write(line)
  const n = plan.proposed.partitions.length
  process.stderr.write(n === 0
    ? `${nothingText}\n`
    : `${n} partition${n === 1 ? '' : 's'} change: ${plan.replicaMoves} replica${plan.replicaMoves === 1 ? '' : 's'} move, ${plan.leaderChanges} preferred leader${plan.leaderChanges === 1 ? '' : 's'} change.\n`)
}

/** The hint after a command set a throttle: it stays until --verify, or `cluster throttle --remove`. */
export function throttleHint(throttle: number): void {
  if (throttle > 0) {
    process.stderr.write(`The replication throttle of ${throttle} bytes/s per broker stays until \`faecie cluster reassign --verify --plan FILE\` ` +
      'sees every move complete; remove it sooner with `faecie cluster throttle --remove`.\n')
  }
}

/** The registered brokers and the plan's topics as they are (a topic that does not exist is absent), and their assignment. */
async function clusterView(admin: Admin, plan: ReassignmentPlan): Promise<{ view: ClusterView; now: PartitionReplicas[] }> {
  const cluster = await admin.describeCluster()
  const topics = [...new Set(plan.partitions.map((p) => p.topic))]
  const listed = new Set(await admin.listTopics())
  // Internal topics (__consumer_offsets) are not listed but are described when named; an unknown one is absent.
  const others = await Promise.all(topics.filter((t) => !listed.has(t)).map((topic) =>
    admin.fetchTopicMetadata({ topics: [topic] }).then((m) => m.topics, (err: unknown) => {
      if (err instanceof FaecieError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION') return []
      throw err
    })))
  const known = topics.filter((t) => listed.has(t))
  const described = [...(known.length === 0 ? [] : (await admin.fetchTopicMetadata({ topics: known })).topics), ...others.flat()]
  const now = described.flatMap((t) => [...t.partitions].sort((a, b) => a.partition - b.partition)
    .map((p) => ({ topic: t.topic, partition: p.partition, replicas: p.replicas ?? [p.leader] })))
  return { view: { brokers: cluster.brokers.map((b) => b.brokerId), partitionCounts: new Map(described.map((t) => [t.topic, t.partitions.length])) }, now }
}

/**
 * Checks the whole plan first (reassign-check.ts: refused, nothing moved, on any problem), prints
 * what to roll back to, then starts the moves; 1 if a partition was refused all the same.
 */
async function execute(admin: Admin, plan: ReassignmentPlan, throttle: number | undefined, out: LineWriter): Promise<number> {
  if (plan.partitions.length === 0) {
    // A plan of nothing with --throttle sets (0: removes) the throttle alone.
    if (throttle !== undefined) await admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: throttle })
    process.stderr.write(`The plan moves nothing${throttle === undefined ? '' : throttle === 0 ? '; the throttle is removed' : `; the throttle is ${throttle} bytes/s`}.\n`)
    if (throttle !== undefined) throttleHint(throttle)
    return 0
  }
  const { view, now } = await clusterView(admin, plan)
  const problems = planProblems(plan, view)
  if (problems.length > 0) throw new CommandError(refusalText(problems))
  for (const line of rollbackLines(rollbackOf(plan, now))) out.write(line)
  const results = await admin.alterPartitionReassignments({ partitions: plan.partitions, ...(throttle === undefined ? {} : { throttleBytesPerSec: throttle }) })
  const code = reportResults(results, 'Successfully started partition reassignment', out)
  if (throttle !== undefined && results.some((r) => r.error === undefined)) throttleHint(throttle)
  return code
}

function reportResults(results: Array<{ topic: string; partition: number; error?: Error }>, done: string, out: LineWriter): number {
  const ok = results.filter((r) => r.error === undefined)
  if (ok.length > 0) out.write(`${done}${ok.length === 1 ? '' : 's'} for ${partitionNames(ok)}`)
  // The client's per-partition errors name the partition already.
  for (const r of results) if (r.error !== undefined) process.stderr.write(`${errorText(r.error)}\n`)
  return ok.length === results.length ? 0 : 1
}

async function verify(admin: Admin, plan: ReassignmentPlan, format: 'text' | 'json', out: LineWriter): Promise<number> {
  const topics = [...new Set(plan.partitions.map((p) => p.topic))]
  const { reassignments, throttleBytesPerSec } = await admin.listPartitionReassignments({ topics })
  const moving = new Set(reassignments.map((r) => `${r.topic}-${r.partition}`))
  const { topics: described } = await admin.fetchTopicMetadata({ topics })
  const verified = plan.partitions.map((p) => {
    const replicas = described.find((t) => t.topic === p.topic)?.partitions.find((m) => m.partition === p.partition)?.replicas
    return verifyPartition(p, replicas, moving.has(`${p.topic}-${p.partition}`))
  })
  const complete = verified.every((v) => v.status === 'complete')
  // Kafka's --verify lifts the throttle once every move is done: moves to come would run throttled otherwise.
  const removeThrottle = complete && throttleBytesPerSec !== null
  if (removeThrottle) await admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: 0 })
  if (format === 'json') out.write(JSON.stringify({ partitions: verified, complete, throttleRemoved: removeThrottle }))
  else {
    for (const v of verified) out.write(verifyLine(v))
    if (removeThrottle) out.write('Throttle was removed.')
  }
  return verified.some((v) => v.status === 'failed') ? 1 : 0
}

export const reassign: Action = (flags, out) => {
  const modes = ['replicas', 'generate', 'execute', 'verify', 'cancel'].filter((m) => flags.has(m))
  if (modes.length !== 1) throw new UsageError(`reassign takes one of --replicas, --generate, --execute, --verify or --cancel${modes.length > 1 ? `, not ${modes.map((m) => `--${m}`).join(' and ')}` : ''}`)
  const mode = modes[0]!
  const allowed: Record<string, string[]> = {
    replicas: ['replicas', 'topic', 'partition', 'throttle'], generate: ['generate', 'brokers', 'topics', 'format'],
    execute: ['execute', 'plan', 'throttle'], verify: ['verify', 'plan', 'format'], cancel: ['cancel', 'plan', 'topic', 'partition', 'preserve-throttles'],
  }
  for (const flag of ['replicas', 'topic', 'partition', 'throttle', 'brokers', 'topics', 'format', 'plan', 'preserve-throttles']) {
    if (flags.has(flag) && !allowed[mode]!.includes(flag)) throw new UsageError(`reassign --${mode} does not take --${flag}`)
  }
  const throttle = flags.integer('throttle', 0)
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  if (mode === 'replicas') {
    const replicas = brokerIds(flags.requiredString('replicas'), 'replicas')
    const topic = flags.requiredString('topic')
    const partition = flags.integer('partition', 0)
    if (partition === undefined) throw new UsageError('--partition is required')
    return (admin) => execute(admin, { version: 1, partitions: [{ topic, partition, replicas }] }, throttle, out)
  }
  if (mode === 'generate') {
    const target = brokerIds(flags.requiredString('brokers'), 'brokers')
    const topics = topicList(flags)
    return async (admin) => {
      const cluster = await admin.describeCluster()
      const live = new Map(cluster.brokers.map((b) => [b.brokerId, b.rack]))
      const unknown = target.filter((id) => !live.has(id))
      if (unknown.length > 0) throw new CommandError(`--brokers: ${unknown.join(',')} ${unknown.length === 1 ? 'is not a live broker' : 'are not live brokers'} of the cluster (live: ${[...live.keys()].sort((a, b) => a - b).join(',')})`)
      const assignment = await assignmentOf(admin, topics)
      await refuseWhileMoving(admin, assignment)
      printPlan(planned(() => generatePlan(assignment, target.map((id) => ({ id, rack: live.get(id) ?? null })))), assignment, format, out)
      return 0
    }
  }
  if (mode === 'execute') {
    const plan = readPlanFile(flags.requiredString('plan'))
    return (admin) => execute(admin, plan, throttle, out)
  }
  if (mode === 'verify') {
    const plan = readPlanFile(flags.requiredString('plan'))
    return (admin) => verify(admin, plan, format, out)
  }
  // --cancel: of the plan's partitions, or of one partition.
  let partitions: Array<{ topic: string; partition: number }>
  if (flags.has('plan')) {
    if (flags.has('topic') || flags.has('partition')) throw new UsageError('reassign --cancel takes --plan or --topic and --partition, not both')
    partitions = readPlanFile(flags.requiredString('plan')).partitions
  } else {
    const partition = flags.integer('partition', 0)
    if (partition === undefined) throw new UsageError('reassign --cancel needs --plan FILE, or --topic and --partition')
    partitions = [{ topic: flags.requiredString('topic'), partition }]
  }
  const preserveThrottles = flags.bool('preserve-throttles')
  return async (admin) => {
    const results = await admin.alterPartitionReassignments({ partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })) })
    const code = reportResults(results, 'Successfully cancelled partition reassignment', out)
    if (preserveThrottles) return code
    // As Kafka's --cancel: the throttle goes too (it would hold back every move to come).
    const { throttleBytesPerSec, reassignments: running } = await admin.listPartitionReassignments()
    if (throttleBytesPerSec !== null) {
      await admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: 0 })
      process.stderr.write(`Removed the replication throttle of ${throttleBytesPerSec} bytes/s per broker (keep it with --preserve-throttles)` +
        `${running.length === 0 ? '' : `; the ${running.length} move${running.length === 1 ? '' : 's'} still in progress run${running.length === 1 ? 's' : ''} unthrottled`}.\n`)
    }
    return code
  }
}

export const drain: Action = (flags, out) => {
  const drained = flags.integer('broker-id', 0)
  if (drained === undefined) throw new UsageError('drain needs --broker-id N: the broker to move every replica off')
  const throttle = flags.integer('throttle', 0)
  if (throttle !== undefined && !flags.bool('execute')) throw new UsageError('--throttle goes with --execute')
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  const topics = topicList(flags)
  return async (admin) => {
    const cluster = await admin.describeCluster()
    const assignment = await assignmentOf(admin, topics, true)
    const live = cluster.brokers.filter((b) => b.brokerId !== drained)
    const gone = [...new Set(assignment.flatMap((p) => p.replicas))].filter((id) => id !== drained && !live.some((b) => b.brokerId === id))
    if (gone.length > 0) process.stderr.write(`Broker${gone.length === 1 ? '' : 's'} ${gone.join(',')} ${gone.length === 1 ? 'is' : 'are'} not live: ${gone.length === 1 ? 'its' : 'their'} replicas move too.\n`)
    const registered = cluster.brokers.some((b) => b.brokerId === drained)
    const held = assignment.filter((p) => p.replicas.includes(drained))
    const which = topics === undefined ? '' : ` of ${topics.join(',')}`
    if (!registered && held.length === 0) {
      throw new UsageError(`broker ${drained} is not a broker of the cluster (registered: ${cluster.brokers.map((b) => b.brokerId).sort((a, b) => a - b).join(',') || 'none'}) ` +
        `and holds no replica${which}: nothing to drain (see faecie cluster describe)`)
    }
    if (held.length === 0) {
      // Registered but holding nothing: a drain moves nothing (rather than rebalancing the others).
      printPlan({ proposed: { version: 1, partitions: [] }, current: { version: 1, partitions: [] }, replicaMoves: 0, leaderChanges: 0 },
        assignment, format, out, `Broker ${drained} holds no replica${which}: nothing to drain.`)
      return 0
    }
    await refuseWhileMoving(admin, assignment)
    const plan = planned(() => drainPlan(assignment, live.map((b) => ({ id: b.brokerId, rack: b.rack })), drained))
    printPlan(plan, assignment, format, out)
    return flags.bool('execute') ? execute(admin, plan.proposed, throttle, out) : 0
  }
}

export const reassignments: Action = (flags, out) => {
  const format = flags.choice('format', ['text', 'json'] as const) ?? 'text'
  const topics = topicList(flags)
  return async (admin) => {
    const listed = await admin.listPartitionReassignments(topics === undefined ? {} : { topics })
    if (format === 'json') {
      out.write(JSON.stringify(listed))
      return 0
    }
    out.write(`Throttle: ${listed.throttleBytesPerSec === null ? 'none' : `${listed.throttleBytesPerSec} bytes/s per broker`}`)
    if (listed.reassignments.length === 0) {
      out.write('No partition reassignments in progress.')
      return 0
    }
    const ids = (list: number[]) => (list.length === 0 ? '-' : list.join(','))
    const rows = [['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING', 'ISR', 'LEADER'],
      ...[...listed.reassignments].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
        .map((r) => [r.topic, String(r.partition), ids(r.replicas), ids(r.addingReplicas), ids(r.removingReplicas), ids(r.isr), String(r.leader)])]
    for (const line of columns(rows)) out.write(line)
    return 0
  }
}

/** `cluster throttle --bytes-per-sec N | --remove`: sets or removes the replication throttle alone. */
export const throttle: Action = (flags) => {
  const bytesPerSec = flags.integer('bytes-per-sec', 1)
  const remove = flags.bool('remove')
  if ((bytesPerSec === undefined) === !remove) throw new UsageError('throttle takes one of --bytes-per-sec N (N >= 1) or --remove')
  return async (admin) => {
    await admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: bytesPerSec ?? 0 })
    if (bytesPerSec === undefined) process.stderr.write('Removed the replication throttle.\n')
    else {
      process.stderr.write(`The replication throttle is ${bytesPerSec} bytes/s per broker.\n`)
      throttleHint(bytesPerSec)
    }
    return 0
  }
}
