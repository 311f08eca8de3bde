// The proxy topology (topology.ts says when it is used): every process on 127.0.0.1 in the test's own
// namespace, and two kinds of TCP proxy of the test process (tcp-proxy.ts), both cut silently:
//
//   broker b<id>'s front proxy: what the broker advertises (--advertised-url), so every client and
//     every peer broker dials it; cutting it cuts everything INTO the broker.
//   broker b<id>'s etcd proxy: the only etcd endpoint the broker is given (--cluster); cutting it cuts
//     b<id> <-> etcd both ways.
//
// A proxy cannot tell who dialled it, so what this topology can cut is coarse, and it refuses the
// rest with a clear error rather than pretend: `cutBoth` only between a broker and etcd; `isolate(b)`
// cuts b's front and etcd proxies (the clients lose b as well, and the sessions b itself opened to
// its peers' fronts stay up: a follower that is isolated here still fetches from its leader, until
// its etcd session expires and fences it); `isolate('etcd')` cuts every etcd proxy; `partition` only
// when it is a set of isolations (every group but one a single node, and every node in a group).
import { CutSet, isolateLinks, partitionLinks } from './cuts.js'
import { TcpProxy } from './tcp-proxy.js'
import { type NodeName, type Topology, type TopologyOptions, brokerNode } from './topology.js'

export class ProxyTopology implements Topology {
  readonly mode = 'proxy' as const
  readonly can = { pairwise: false, oneWay: false }
  readonly nodes: readonly NodeName[]
  private readonly fronts = new Map<number, Promise<TcpProxy>>()
  private readonly etcdProxies = new Map<number, Promise<TcpProxy>>()
  private readonly cuts = new CutSet()
  private closed = false

  constructor(options: TopologyOptions, readonly fallbackReason: string) {
    this.nodes = ['etcd', ...options.brokerIds.map(brokerNode)]
  }

  commandPrefix(node: NodeName): string[] {
    this.checkNode(node)
    return []
  }

  bindHost(node: NodeName): string {
    this.checkNode(node)
    return '127.0.0.1'
  }

  async brokerFlags(brokerId: number): Promise<string[]> {
    const front = await this.front(brokerId)
    return ['--advertised-url', `ws://127.0.0.1:${front.port}`]
  }

  brokerListening(brokerId: number, port: number): void {
    const front = this.fronts.get(brokerId)
    if (front === undefined) throw new Error(`proxy topology: brokerListening(${brokerId}) before brokerFlags(${brokerId})`)
    void front.then((proxy) => proxy.setTarget('127.0.0.1', port))
  }

  /** The front proxy of a broker (made on first use), for tests. */
  front(brokerId: number): Promise<TcpProxy> {
    this.assertOpen()
    this.checkNode(brokerNode(brokerId))
    let front = this.fronts.get(brokerId)
    if (front === undefined) {
      front = TcpProxy.start(`b${brokerId}-front`)
      this.fronts.set(brokerId, front)
    }
    return front
  }

  async etcdUrlFor(brokerId: number, etcdClientUrl: string): Promise<string> {
    this.assertOpen()
    this.checkNode(brokerNode(brokerId))
    const url = new URL(etcdClientUrl)
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    let proxy = this.etcdProxies.get(brokerId)
    if (proxy === undefined) {
      proxy = TcpProxy.start(`b${brokerId}-etcd`, { host: url.hostname, port })
      this.etcdProxies.set(brokerId, proxy)
    } else {
      void proxy.then((known) => known.setTarget(url.hostname, port))
    }
    const cutAlready = this.cuts.has(brokerNode(brokerId), 'etcd')
    if (cutAlready) (await proxy).cut()
    return `${url.protocol}//127.0.0.1:${(await proxy).port}`
  }

  async cut(from: NodeName, to: NodeName): Promise<void> {
    throw new Error(`proxy topology cannot cut one way (${from}->${to}): a proxy carries both directions of a connection`)
  }

  async cutBoth(a: NodeName, b: NodeName): Promise<void> {
    const broker = a === 'etcd' ? b : b === 'etcd' ? a : undefined
    if (broker === undefined || broker === 'etcd') {
      throw new Error(`proxy topology cannot cut ${a}<->${b}: only a broker and etcd (a proxy cannot tell which broker dialled it)`)
    }
    this.checkNode(broker)
    await this.cutEtcdOf(broker)
  }

  async isolate(node: NodeName): Promise<void> {
    this.assertOpen()
    this.checkNode(node)
    if (node === 'etcd') {
      for (const other of this.nodes) if (other !== 'etcd') await this.cutEtcdOf(other)
      return
    }
    const front = await this.front(Number(node.slice(1)))
    front.cut()
    await this.cutEtcdOf(node)
    for (const [from, to] of isolateLinks(node, this.nodes)) this.cuts.add(from, to)
  }

  async partition(groups: NodeName[][]): Promise<void> {
    const links = partitionLinks(groups)
    const inGroups = new Set(groups.flat())
    const big = groups.filter((group) => group.length > 1)
    if (big.length > 1 || this.nodes.some((node) => !inGroups.has(node))) {
      throw new Error(`proxy topology cannot make partition ${JSON.stringify(groups)}: only isolations (every group but one a single node, every node in a group)`)
    }
    if (links.length === 0) return
    for (const group of groups) if (group.length === 1 && group !== big[0]) await this.isolate(group[0]!)
  }

  async heal(): Promise<void> {
    for (const proxy of [...this.fronts.values(), ...this.etcdProxies.values()]) (await proxy).heal()
    this.cuts.clear()
  }

  describeCuts(): string {
    return this.cuts.describe()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const proxies = await Promise.allSettled([...this.fronts.values(), ...this.etcdProxies.values()])
    for (const proxy of proxies) if (proxy.status === 'fulfilled') await proxy.value.close()
  }

  private async cutEtcdOf(broker: NodeName): Promise<void> {
    this.assertOpen()
    const proxy = this.etcdProxies.get(Number(broker.slice(1)))
    // A broker not yet given its etcd URL gets a cut proxy when it is (etcdUrlFor looks at the cuts).
    if (proxy !== undefined) (await proxy).cut()
    this.cuts.add(broker, 'etcd')
    this.cuts.add('etcd', broker)
  }

  private checkNode(node: NodeName): void {
    if (!this.nodes.includes(node)) throw new Error(`unknown node ${node} (nodes: ${this.nodes.join(', ')})`)
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('proxy topology is closed')
  }
}
