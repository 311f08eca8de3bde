// The cuts in force, kept by both topologies: a set of directed links "from->to" between nodes, the
// pairs a partition or an isolation amounts to, and the fault log's description of them
// ("b1->b2, b1<->etcd": a link cut both ways is written once, with <->).
import type { NodeName } from './topology.js'

export type Link = readonly [from: NodeName, to: NodeName]

export class CutSet {
  private readonly cuts = new Map<string, Link>()

  has(from: NodeName, to: NodeName): boolean {
    return this.cuts.has(key(from, to))
  }

  /** Adds the directed cut; false when it was already in force. */
  add(from: NodeName, to: NodeName): boolean {
    if (from === to) throw new Error(`cannot cut ${from} from itself`)
    if (this.has(from, to)) return false
    this.cuts.set(key(from, to), [from, to])
    return true
  }

  /** Every directed cut in force. */
  links(): Link[] {
    return [...this.cuts.values()]
  }

  clear(): void {
    this.cuts.clear()
  }

  get size(): number {
    return this.cuts.size
  }

  /** "b1->b2, b1<->etcd", sorted; "none" when nothing is cut. */
  describe(): string {
    const parts: string[] = []
    for (const [from, to] of this.links()) {
      if (this.has(to, from)) {
        if (order(from, to) < 0) parts.push(`${from}<->${to}`)
      } else {
        parts.push(`${from}->${to}`)
      }
    }
    return parts.length === 0 ? 'none' : parts.sort().join(', ')
  }
}

/** Both directions of every link between nodes of different groups; a node in two groups is refused. */
export function partitionLinks(groups: NodeName[][]): Link[] {
  const groupOf = new Map<NodeName, number>()
  groups.forEach((group, index) => {
    for (const node of group) {
      const seen = groupOf.get(node)
      if (seen !== undefined && seen !== index) throw new Error(`partition: ${node} is in two groups (${JSON.stringify(groups)})`)
      groupOf.set(node, index)
    }
  })
  const links: Link[] = []
  const nodes = [...groupOf.keys()]
  for (const a of nodes) {
    for (const b of nodes) {
      if (groupOf.get(a) !== groupOf.get(b)) links.push([a, b])
    }
  }
  return links
}

/** Both directions of every link between `node` and the others of `all`. */
export function isolateLinks(node: NodeName, all: readonly NodeName[]): Link[] {
  if (!all.includes(node)) throw new Error(`isolate: unknown node ${node} (nodes: ${all.join(', ')})`)
  return all.filter((other) => other !== node).flatMap((other): Link[] => [[node, other], [other, node]])
}

/** Throws unless every node of `links` is one of `all`. */
export function checkNodes(links: readonly Link[], all: readonly NodeName[]): void {
  for (const [from, to] of links) {
    if (from === to) throw new Error(`cannot cut ${from} from itself`)
    for (const node of [from, to]) {
      if (!all.includes(node)) throw new Error(`unknown node ${node} (nodes: ${all.join(', ')})`)
    }
  }
}

const key = (from: NodeName, to: NodeName): string => `${from}->${to}`

/** Brokers by id, then etcd: the order a link cut both ways is written in ("b1<->etcd"). */
function order(a: NodeName, b: NodeName): number {
  const rank = (node: NodeName): number => (node === 'etcd' ? Number.MAX_SAFE_INTEGER : Number(node.slice(1)))
  return rank(a) - rank(b)
}
