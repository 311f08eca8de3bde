// The netns topology (topology.ts draws it): a router namespace, one namespace per node joined to it
// by a veth pair, and one veth pair from the root namespace for the test process's clients.
//
//   root:    <tag>c 10.<net>.0.1/24, route 10.<net>.0.0/16 via 10.<net>.0.2
//   router:  c0 10.<net>.0.2/24, n<i> 10.<net>.<i>.1/24 (one per node), ip_forward=1, the cut rules
//   node i:  eth0 10.<net>.<i>.2/24, default via 10.<net>.<i>.1        (etcd i=1, brokers 2, 3, ...)
//
// A cut from node a to node b is, in the router, `ip rule add from 10.<net>.<a>.0/24 to
// 10.<net>.<b>.0/24 blackhole priority CUT_RULE_PRIORITY`: a forwarded packet a->b is dropped without
// an answer (no ICMP, no reset), established connections included, and b->a is untouched. The
// clients' net 10.<net>.0.0/24 is in no rule, so clients reach every node whatever is cut.
//
// Setup is five kinds of `ip -batch` (root, router, one per node) plus one sysctl; close() deletes the
// root link (its peer and the route go with it) and every namespace, and runs at process exit too.
import { onTestProcessExit } from '../../support/temp-dir.js'
import { CutSet, type Link, checkNodes, isolateLinks, partitionLinks } from './cuts.js'
import { ip, ipBatch, ipCommand, ipJson, runCommand } from './ip.js'
import { leftovers, newTag, nodeNs, pickFreeNet, removeStale, rootLink, routerNs, withNetnsLock } from './netns-names.js'
import { type NodeName, type Topology, type TopologyOptions, brokerNode } from './topology.js'

/** The router's rule priority for cuts: after `local` (0), before `main` (32766). */
export const CUT_RULE_PRIORITY = 1000

interface CutRule { priority: number; src: string; srclen?: number; dst: string; dstlen?: number }

export class NetnsTopology implements Topology {
  readonly mode = 'netns' as const
  readonly fallbackReason = undefined
  readonly can = { pairwise: true, oneWay: true }
  /** Every node, etcd first; node `nodes[i]` is subnet i + 1. */
  readonly nodes: readonly NodeName[]
  private readonly cuts = new CutSet()
  private closed = false

  private constructor(readonly tag: string, readonly net: number, nodes: NodeName[]) {
    this.nodes = nodes
  }

  /** Builds the network (synchronously: a handful of ip processes); throws naming the failed command. */
  static create(options: TopologyOptions): NetnsTopology {
    const ids = new Set(options.brokerIds)
    if (ids.size !== options.brokerIds.length || options.brokerIds.some((id) => !Number.isInteger(id) || id < 0)) {
      throw new Error(`netns topology: broker ids must be distinct integers >= 0, got ${JSON.stringify(options.brokerIds)}`)
    }
    const nodes: NodeName[] = ['etcd', ...options.brokerIds.map(brokerNode)]
    if (nodes.length > 253) throw new Error(`netns topology: at most 252 brokers, got ${options.brokerIds.length}`)
    ipCommand()
    const tag = newTag()
    let topology: NetnsTopology | undefined
    withNetnsLock(() => {
      removeStale()
      const net = pickFreeNet()
      topology = new NetnsTopology(tag, net, nodes)
      // From here on a failure must not leave half a network behind.
      onTestProcessExit(() => topology?.closeSync())
      try {
        ipBatch(topology.rootLines())
      } catch (err) {
        topology.closeSync()
        throw err
      }
    })
    const built = topology!
    try {
      built.configureNamespaces()
    } catch (err) {
      built.closeSync()
      throw err
    }
    return built
  }

  private address(node: NodeName, host: 1 | 2): string {
    const index = this.nodes.indexOf(node)
    if (index < 0) throw new Error(`unknown node ${node} (nodes: ${this.nodes.join(', ')})`)
    return `10.${this.net}.${index + 1}.${host}`
  }

  private namespaceOf(node: NodeName): string {
    if (!this.nodes.includes(node)) throw new Error(`unknown node ${node} (nodes: ${this.nodes.join(', ')})`)
    return nodeNs(this.tag, node)
  }

  /** The root namespace's part: the namespaces, every veth pair, the clients' link and route. */
  private rootLines(): string[] {
    const router = routerNs(this.tag)
    const link = rootLink(this.tag)
    return [
      `netns add ${router}`,
      ...this.nodes.map((node) => `netns add ${nodeNs(this.tag, node)}`),
      `link add ${link} type veth peer name c0 netns ${router}`,
      ...this.nodes.map((node, i) => `link add n${i + 1} netns ${router} type veth peer name eth0 netns ${nodeNs(this.tag, node)}`),
      `addr add 10.${this.net}.0.1/24 dev ${link}`,
      `link set ${link} up`,
      `route add 10.${this.net}.0.0/16 via 10.${this.net}.0.2 dev ${link}`,
    ]
  }

  private configureNamespaces(): void {
    const router = routerNs(this.tag)
    ipBatch([
      'link set lo up',
      `addr add 10.${this.net}.0.2/24 dev c0`,
      'link set c0 up',
      ...this.nodes.flatMap((node, i) => [`addr add ${this.address(node, 1)}/24 dev n${i + 1}`, `link set n${i + 1} up`]),
    ], router)
    // The router's own sysctl, never the root namespace's.
    runCommand(ipCommand(), ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
    for (const node of this.nodes) {
      ipBatch([
        'link set lo up',
        `addr add ${this.address(node, 2)}/24 dev eth0`,
        'link set eth0 up',
        `route add default via ${this.address(node, 1)}`,
      ], nodeNs(this.tag, node))
    }
  }

  commandPrefix(node: NodeName): string[] {
    return [ipCommand(), 'netns', 'exec', this.namespaceOf(node)]
  }

  bindHost(node: NodeName): string {
    return this.address(node, 2)
  }

  /** The address the clients' side of the network has (the root namespace's end). */
  clientHost(): string {
    return `10.${this.net}.0.1`
  }

  async brokerFlags(_brokerId: number): Promise<string[]> {
    return []
  }

  brokerListening(_brokerId: number, _port: number): void {}

  async etcdUrlFor(_brokerId: number, etcdClientUrl: string): Promise<string> {
    return etcdClientUrl
  }

  async cut(from: NodeName, to: NodeName): Promise<void> {
    this.apply([[from, to]])
  }

  async cutBoth(a: NodeName, b: NodeName): Promise<void> {
    this.apply([[a, b], [b, a]])
  }

  async partition(groups: NodeName[][]): Promise<void> {
    this.apply(partitionLinks(groups))
  }

  async isolate(node: NodeName): Promise<void> {
    this.apply(isolateLinks(node, this.nodes))
  }

  async heal(): Promise<void> {
    this.assertOpen()
    // Every cut rule the router has, not only those this object knows: a batch that failed halfway
    // may have added some it never recorded.
    const rules = ipJson<CutRule>(['rule', 'show'], routerNs(this.tag)).filter((rule) => rule.priority === CUT_RULE_PRIORITY)
    ipBatch(rules.map((rule) =>
      `rule del from ${rule.src}/${rule.srclen ?? 32} to ${rule.dst}/${rule.dstlen ?? 32} blackhole priority ${CUT_RULE_PRIORITY}`), routerNs(this.tag))
    this.cuts.clear()
  }

  describeCuts(): string {
    return this.cuts.describe()
  }

  /** The router's rules, as `ip rule` prints them (for tests). */
  routerRules(): string {
    return ip(['rule', 'show'], routerNs(this.tag))
  }

  async close(): Promise<void> {
    this.closeSync()
  }

  /** close() for the exit hook; safe to call twice. */
  closeSync(): void {
    if (this.closed) return
    this.closed = true
    const names = leftovers(this.tag)
    const link = rootLink(this.tag)
    ipBatch([
      ...names.filter((name) => name === link).map((name) => `link del ${name}`),
      ...names.filter((name) => name !== link).map((name) => `netns del ${name}`),
    ])
  }

  /** Adds the cuts not yet in force, in one batch. */
  private apply(links: Link[]): void {
    this.assertOpen()
    checkNodes(links, this.nodes)
    const fresh = links.filter(([from, to]) => !this.cuts.has(from, to) && from !== to)
    ipBatch(fresh.map(([from, to]) => `rule add ${this.ruleOf(from, to)}`), routerNs(this.tag))
    for (const [from, to] of fresh) this.cuts.add(from, to)
  }

  private ruleOf(from: NodeName, to: NodeName): string {
    const subnet = (node: NodeName): string => `10.${this.net}.${this.nodes.indexOf(node) + 1}.0/24`
    return `from ${subnet(from)} to ${subnet(to)} blackhole priority ${CUT_RULE_PRIORITY}`
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`netns topology ${this.tag} is closed`)
  }
}
