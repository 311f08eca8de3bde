// The reassignment plan on disk and on screen: kafka-reassign-partitions' JSON file
//   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}, ...]}
// (a "log_dirs" field per partition is accepted and ignored: faecie has one data dir per broker),
// read with its size and partition count bounded and every field checked, naming the first bad
// one; and the text blocks `--generate` and `--execute` print, in kafka-reassign-partitions' words.
import { readFileSync, statSync } from 'node:fs'
import { CommandError } from './connect.js'
import type { GeneratedPlan, PartitionReplicas, ReassignmentPlan } from './reassign-plan.js'

/** The largest plan file read: bigger is refused before it is read. */
export const PLAN_FILE_BYTES_MAX = 64 * 1024 * 1024
/** The most partitions one plan may move. */
export const PLAN_PARTITIONS_MAX = 1_000_000
/** Brokers one partition's replica list may name (the protocol's REPLICAS_PER_PARTITION_MAX). */
export const PLAN_REPLICAS_MAX = 64
const INT32_MAX = 2_147_483_647

/** A plan from its JSON text; `source` names it in messages. */
export function parsePlan(text: string, source: string): ReassignmentPlan {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CommandError(`${source} is not JSON: ${(err as Error).message}`)
  }
  const bad = (what: string): never => {
    throw new CommandError(`${source}: ${what} (a plan is {"version":1,"partitions":[{"topic":T,"partition":P,"replicas":[1,2,3]}]})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('not a JSON object')
  const { version, partitions } = json as { version?: unknown; partitions?: unknown }
  if (version !== undefined && version !== 1) bad(`version ${JSON.stringify(version)}, only 1 is known`)
  if (!Array.isArray(partitions)) return bad('"partitions" is not a list')
  if (partitions.length > PLAN_PARTITIONS_MAX) bad(`${partitions.length} partitions, at most ${PLAN_PARTITIONS_MAX}`)
  const seen = new Set<string>()
  const out: PartitionReplicas[] = partitions.map((entry: unknown, i) => {
    const at = `partitions[${i}]`
    if (typeof entry !== 'object' || entry === null) return bad(`${at} is not an object`)
    const { topic, partition, replicas } = entry as { topic?: unknown; partition?: unknown; replicas?: unknown }
    if (typeof topic !== 'string' || topic === '') return bad(`${at}.topic is not a topic name`)
    if (!Number.isSafeInteger(partition) || (partition as number) < 0 || (partition as number) > INT32_MAX) return bad(`${at}.partition is not a partition number`)
    if (!Array.isArray(replicas) || replicas.length === 0 || replicas.length > PLAN_REPLICAS_MAX) return bad(`${at}.replicas is not a list of 1 to ${PLAN_REPLICAS_MAX} broker ids`)
    if (!replicas.every((id) => Number.isSafeInteger(id) && id >= 0 && id <= INT32_MAX)) return bad(`${at}.replicas has a value that is not a broker id`)
    if (new Set(replicas).size !== replicas.length) return bad(`${at}.replicas names a broker twice`)
    const key = `${topic}\u0000${partition as number}`
    if (seen.has(key)) bad(`${topic}-${partition as number} is named twice`)
    seen.add(key)
    return { topic, partition: partition as number, replicas: replicas as number[] }
  })
  return { version: 1, partitions: out }
}

/** A plan file, read if it is not too big. */
export function readPlanFile(path: string): ReassignmentPlan {
  let size: number
  try {
    size = statSync(path).size
  } catch (err) {
    throw new CommandError(`cannot read the plan ${path}: ${(err as Error).message}`)
  }
  if (size > PLAN_FILE_BYTES_MAX) throw new CommandError(`the plan ${path} is ${size} bytes, at most ${PLAN_FILE_BYTES_MAX} are read`)
  return parsePlan(readFileSync(path, 'utf8'), path)
}

/** `t-0,t-1,u-3` */
export function partitionNames(partitions: Array<{ topic: string; partition: number }>): string {
  return partitions.map((p) => `${p.topic}-${p.partition}`).join(',')
}

/** What --generate prints: the assignment now (for a rollback), then the proposed plan. */
export function generatedLines(plan: GeneratedPlan): string[] {
  return [
    'Current partition replica assignment',
    JSON.stringify(plan.current),
    '',
    'Proposed partition reassignment configuration',
    JSON.stringify(plan.proposed),
  ]
}

/** What --execute prints before it starts the moves: the assignment to go back to. */
export function rollbackLines(current: ReassignmentPlan): string[] {
  return [
    'Current partition replica assignment',
    '',
    JSON.stringify(current),
    '',
    'Save this to use as the --plan of a --execute during rollback',
  ]
}

export type VerifyStatus = 'complete' | 'in progress' | 'failed'

export interface VerifiedPartition {
  topic: string
  partition: number
  status: VerifyStatus
  /** The replicas now (the union of old and new while the move runs). */
  replicas: number[]
  target: number[]
}

/** Where a planned move stands: running (listed), done (replicas are the target), else failed. */
export function verifyPartition(planned: PartitionReplicas, replicas: number[] | undefined, inProgress: boolean): VerifiedPartition {
  const now = replicas ?? []
  const status: VerifyStatus = inProgress ? 'in progress' : now.join(',') === planned.replicas.join(',') ? 'complete' : 'failed'
  return { topic: planned.topic, partition: planned.partition, status, replicas: now, target: planned.replicas }
}

/** --verify's line for a partition, in kafka-reassign-partitions' words. */
export function verifyLine(v: VerifiedPartition): string {
  const name = `${v.topic}-${v.partition}`
  if (v.status === 'complete') return `Reassignment of partition ${name} is completed.`
  if (v.status === 'in progress') return `Reassignment of partition ${name} is still in progress.`
  if (v.replicas.length === 0) return `Partition ${name} does not exist: its reassignment failed.`
  return `There is no active reassignment of partition ${name}, but replica set is ${v.replicas.join(',')} rather than ${v.target.join(',')}.`
}
