// The network a fault campaign runs its processes on, and the nemesis's hands on it (issue 15).
//
// Two ways to build it, chosen by `createTopology` (topologies.ts):
//
// netns (root, iproute2): every node (etcd, b1, b2, ...) runs in a network namespace of its own,
//   joined by one veth pair to a router namespace; the test process (the clients) reaches every node
//   through one more veth pair from the root namespace. Node i has address 10.<net>.<i>.2; packets
//   between nodes are forwarded by the router, where cuts are `ip rule ... blackhole` rules keyed on
//   (source, destination): a cut link drops packets silently, as a real partition does, one way or
//   both, without touching the clients' paths. Nothing is changed in the root namespace but one
//   route; every namespace and link is removed by close(), and at the start of the next run if a
//   process died without closing (names carry the owner's pid).
//
//   root ns (clients) --veth-- router ns (ip_forward, ip rules) --veth-- ns etcd  10.<net>.1.2
//                                                              --veth-- ns b1    10.<net>.2.2
//                                                              --veth-- ns b2    10.<net>.3.2 ...
//
// proxy (fallback, when namespaces cannot be made; `fallbackReason` says why): every process runs in
//   the test's own namespace on 127.0.0.1, and the links the topology can cut go through TCP proxies
//   of the test process: one per broker in front of its listener (what it advertises, so peers and
//   clients dial the proxy) and one per broker in front of etcd (its --cluster endpoint). A proxy
//   cannot tell which peer dialled it, so this mode cuts whole nodes and broker-etcd links only
//   (`can.pairwise` and `can.oneWay` false); the nemesis skips the fault kinds that need more. A cut
//   proxy holds its connections silently (no reset) and joins them again at heal. isolate(b) here
//   cuts everything INTO b (clients too) and b<->etcd; the sessions b itself opened to its peers stay
//   up (proxy-topology.ts), so the isolation is complete only once b's etcd session has expired.

/** 'etcd', or a broker: 'b<id>'. */
export type NodeName = 'etcd' | `b${number}`

export const brokerNode = (brokerId: number): NodeName => `b${brokerId}`

export interface Topology {
  readonly mode: 'netns' | 'proxy'
  /** Set in proxy mode: why namespaces could not be used (printed by the campaign). */
  readonly fallbackReason: string | undefined
  /** Which cuts this topology can make. */
  readonly can: { pairwise: boolean; oneWay: boolean }
  /** argv to put before a node's command (['ip', 'netns', 'exec', NS] or []). */
  commandPrefix(node: NodeName): string[]
  /** The address a node's process binds (netns: its own 10.x.y.2; proxy: 127.0.0.1). */
  bindHost(node: NodeName): string
  /**
   * Flags a broker is started with for this topology, beyond --host: proxy mode's
   * `--advertised-url ws://127.0.0.1:<its proxy>` (listening before the broker starts); netns: none.
   */
  brokerFlags(brokerId: number): Promise<string[]>
  /** Tells the topology the port a broker listens on (proxy mode points its proxy there). */
  brokerListening(brokerId: number, port: number): void
  /** The etcd URL broker `brokerId` is given with --cluster, from etcd's own client URL. */
  etcdUrlFor(brokerId: number, etcdClientUrl: string): Promise<string>
  /** Drops every packet from `from` to `to`; the other way is untouched. Needs `can.oneWay`. */
  cut(from: NodeName, to: NodeName): Promise<void>
  /** Cuts both ways between `a` and `b`. Needs `can.pairwise` unless one of them is etcd. */
  cutBoth(a: NodeName, b: NodeName): Promise<void>
  /** Cuts every link between nodes of different groups (nodes in no group are left alone). */
  partition(groups: NodeName[][]): Promise<void>
  /** Cuts `node` from every other node both ways; the clients still reach it. */
  isolate(node: NodeName): Promise<void>
  /** Every cut undone. */
  heal(): Promise<void>
  /** Human-readable list of the cuts in force, for the fault log ("b1->b2, b1<->etcd"). */
  describeCuts(): string
  /** Removes every namespace, link and proxy; safe to call twice. */
  close(): Promise<void>
}

export interface TopologyOptions {
  /** Broker ids (nodes b<id>); etcd is always a node. */
  brokerIds: number[]
  /** 'auto' (default): netns when it works, else proxy; the others force one (netns throws if it cannot). */
  mode?: 'auto' | 'netns' | 'proxy'
}
