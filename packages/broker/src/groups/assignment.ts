// Assignments as plain data, and the few set operations reconciliation needs. An Assignment maps a
// topic to its partitions (sorted, no duplicates); it crosses threads and goes on the wire as
// TopicPartitions[] (sorted by topic).
import type { TopicPartitions } from '@faecie/protocol'

export type Assignment = Map<string, number[]>

export function emptyAssignment(): Assignment {
  return new Map()
}

/** Builds an assignment from (topic, partition) pairs, sorted and without duplicates. */
export function assignmentOf(pairs: Iterable<[string, number]>): Assignment {
  const sets = new Map<string, Set<number>>()
  for (const [topic, p] of pairs) {
    let set = sets.get(topic)
    if (set === undefined) sets.set(topic, (set = new Set()))
    set.add(p)
  }
  const out: Assignment = new Map()
  for (const topic of [...sets.keys()].sort()) out.set(topic, [...sets.get(topic)!].sort((a, b) => a - b))
  return out
}

export function* pairsOf(assignment: Assignment): Generator<[string, number]> {
  for (const [topic, partitions] of assignment) for (const p of partitions) yield [topic, p]
}

export function sizeOf(assignment: Assignment): number {
  let n = 0
  for (const partitions of assignment.values()) n += partitions.length
  return n
}

export function has(assignment: Assignment, topic: string, partition: number): boolean {
  return assignment.get(topic)?.includes(partition) ?? false
}

/** The pairs of `a` that `keep` says yes to. */
export function filterAssignment(a: Assignment, keep: (topic: string, partition: number) => boolean): Assignment {
  return assignmentOf([...pairsOf(a)].filter(([t, p]) => keep(t, p)))
}

export function intersect(a: Assignment, b: Assignment): Assignment {
  return filterAssignment(a, (t, p) => has(b, t, p))
}

export function subtract(a: Assignment, b: Assignment): Assignment {
  return filterAssignment(a, (t, p) => !has(b, t, p))
}

export function union(a: Assignment, b: Assignment): Assignment {
  return assignmentOf([...pairsOf(a), ...pairsOf(b)])
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  return keyOf(a) === keyOf(b)
}

/** A canonical string for comparisons. */
export function keyOf(a: Assignment): string {
  return [...pairsOf(assignmentOf(pairsOf(a)))].map(([t, p]) => `${t}:${p}`).join(',')
}

export function toWire(a: Assignment): TopicPartitions[] {
  return [...assignmentOf(pairsOf(a))].map(([topic, partitions]) => ({ topic, partitions }))
}

export function fromWire(list: TopicPartitions[]): Assignment {
  return assignmentOf(list.flatMap((t) => t.partitions.map((p): [string, number] => [t.topic, p])))
}
