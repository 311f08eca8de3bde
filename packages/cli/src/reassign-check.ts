// The whole-plan check `faecie cluster reassign --execute` (and drain --execute, and a single
// partition's --replicas) makes before it moves anything, as kafka-reassign-partitions does: every
// broker a replica list names is registered, every topic and partition exists, no partition or
// broker within a replica list is named twice, and every partition keeps at least one replica. A
// plan with any problem is refused whole, naming each problem (the first PLAN_PROBLEMS_SHOWN_MAX),
// so that a bad line never leaves a plan half applied. Pure: the caller asks the cluster.
import type { PartitionReplicas, ReassignmentPlan } from './reassign-plan.js'

/** Problems listed in the refusal; the rest are counted. */
export const PLAN_PROBLEMS_SHOWN_MAX = 20

export interface ClusterView {
  /** The registered brokers' ids. */
  brokers: number[]
  /** Each existing topic's partition count (topics absent here do not exist). */
  partitionCounts: Map<string, number>
}

/** Every problem of the plan against the cluster; empty when it may be executed. */
export function planProblems(plan: ReassignmentPlan, cluster: ClusterView): string[] {
  const problems: string[] = []
  const registered = new Set(cluster.brokers)
  const seen = new Set<string>()
  const unknownBrokers = new Set<number>()
  for (const p of plan.partitions) {
    const name = `${p.topic}-${p.partition}`
    const key = `${p.topic}\u0000${p.partition}`
    if (seen.has(key)) problems.push(`${name} is named twice`)
    seen.add(key)
    const count = cluster.partitionCounts.get(p.topic)
    if (count === undefined) problems.push(`${name}: topic ${p.topic} does not exist`)
    else if (p.partition >= count) problems.push(`${name}: topic ${p.topic} has ${count} partition${count === 1 ? '' : 's'} (0 to ${count - 1})`)
    if (p.replicas.length === 0) problems.push(`${name}: no replicas (a partition needs at least 1)`)
    if (new Set(p.replicas).size !== p.replicas.length) problems.push(`${name}: a broker is named twice in ${p.replicas.join(',')}`)
    const missing = p.replicas.filter((id) => !registered.has(id))
    if (missing.length > 0) {
      problems.push(`${name}: broker${missing.length === 1 ? '' : 's'} ${missing.join(',')} ${missing.length === 1 ? 'is' : 'are'} not registered`)
      for (const id of missing) unknownBrokers.add(id)
    }
  }
  if (unknownBrokers.size > 0) {
    problems.push(`(registered brokers: ${[...registered].sort((a, b) => a - b).join(',') || 'none'}; see faecie cluster describe)`)
  }
  return problems
}

/** The refusal's text: the problems (at most PLAN_PROBLEMS_SHOWN_MAX), and that nothing moved. */
export function refusalText(problems: string[]): string {
  const shown = problems.slice(0, PLAN_PROBLEMS_SHOWN_MAX)
  const more = problems.length - shown.length
  return `the plan was refused, nothing was moved:\n  ${shown.join('\n  ')}${more > 0 ? `\n  and ${more} more` : ''}`
}

/** The assignment now of the plan's partitions that exist: what to roll back to. */
export function rollbackOf(plan: ReassignmentPlan, now: PartitionReplicas[]): ReassignmentPlan {
  const asked = new Set(plan.partitions.map((p) => `${p.topic}\u0000${p.partition}`))
  return { version: 1, partitions: now.filter((p) => asked.has(`${p.topic}\u0000${p.partition}`)) }
}
