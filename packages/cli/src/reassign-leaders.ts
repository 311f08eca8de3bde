// The preferred leaders of a reassignment plan (reassign-plan.ts): each partition's first replica.
// One topic's leaderships are spread evenly over the brokers (the most any broker leads and the
// least differ by one at most, where the replicas allow it), changing as few as it can: a
// partition keeps its first replica as leader unless a broker leads two more than another. A
// leadership moves along the shortest chain of hand-overs (each to another replica of the
// partition) from a broker that leads the most to one that leads at least two fewer (an
// augmenting path); chains are taken until none is left. Ties go to the broker leading least
// across the topics planned so far, then the lowest id. Only the order of each partition's
// replicas changes here.
import { compare, type Slot } from './reassign-plan.js'

type Counts = Map<number, number>
const get = (counts: Counts, id: number): number => counts.get(id) ?? 0

export function balanceLeaders(slots: Slot[], ids: number[], globalLeaders: Counts): void {
  // First pass, in partition order: a partition keeps its leader while that one leads fewer than
  // the larger share, else goes to its replica leading fewest. The chains below fix what is left.
  const ceil = Math.ceil(slots.length / ids.length)
  const count: Counts = new Map()
  const score = (id: number): number[] => [get(count, id), get(globalLeaders, id), id]
  const lead = slots.map((s) => {
    const kept = s.now[0]!
    const pick = get(count, kept) < ceil ? kept : [...s.now].sort((a, b) => compare(score(a), score(b)))[0]!
    count.set(pick, get(count, pick) + 1)
    return pick
  })
  const ledBy = new Map<number, Set<number>>()
  lead.forEach((id, i) => ledBy.set(id, (ledBy.get(id) ?? new Set()).add(i)))
  // Each hand-over lowers the sum of squared counts: it ends; the bound is a guard.
  const roundsMax = (slots.length + 1) * ids.length
  for (let round = 0; round < roundsMax; round++) {
    const levels = [...new Set(ids.map((id) => get(count, id)))].sort((a, b) => b - a)
    if (!levels.some((hi) => handOver(slots, lead, ledBy, ids.filter((id) => get(count, id) === hi), (id) => get(count, id) <= hi - 2, count, globalLeaders))) break
  }
  slots.forEach((slot, i) => {
    slot.now = [lead[i]!, ...slot.now.filter((id) => id !== lead[i])]
  })
}

/** Finds the shortest chain from a broker in `from` to one `wanting`, and moves leaderships along it. */
function handOver(slots: Slot[], lead: number[], ledBy: Map<number, Set<number>>, sources: number[], wanting: (id: number) => boolean, count: Counts, globalLeaders: Counts): boolean {
  const via = new Map<number, { slot: number; from: number }>()
  const seen = new Set(sources)
  const queue = [...sources]
  const score = (id: number): number[] => [get(count, id), get(globalLeaders, id), id]
  while (queue.length > 0) {
    const from = queue.shift()!
    const led = [...(ledBy.get(from) ?? [])].sort((a, b) => slots[b]!.partition - slots[a]!.partition)
    for (const i of led) {
      for (const to of slots[i]!.now.filter((id) => id !== from && !seen.has(id)).sort((a, b) => compare(score(a), score(b)))) {
        seen.add(to)
        via.set(to, { slot: i, from })
        if (wanting(to)) {
          count.set(to, get(count, to) + 1)
          let at = to
          for (let step = via.get(at); step !== undefined; step = via.get(at)) {
            lead[step.slot] = at
            ledBy.get(step.from)!.delete(step.slot)
            ledBy.set(at, (ledBy.get(at) ?? new Set()).add(step.slot))
            at = step.from
          }
          count.set(at, get(count, at) - 1)
          return true
        }
        queue.push(to)
      }
    }
  }
  return false
}
