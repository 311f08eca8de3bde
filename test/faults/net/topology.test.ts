// The campaign network with real processes on it: tiny node agents (net-agent.ts) in the namespaces
// of a netns topology send each other UDP probes and hold TCP connections, and the test process (the
// clients, in the root namespace) dials them. A probe sent while a link is cut, followed by one sent
// on the same path after heal, shows the cut: the second arrives, the first never does (datagrams
// on one path keep their order, so a first one merely delayed would have come before the second).
// Where namespaces cannot be made the netns cases are skipped with the reason; the proxy mode cases
// run anywhere.
import { spawnSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../support/wait-for.js'
import { ip, ipBatch, listNetns, pidAlive } from './ip.js'
import { NetAgent } from './net-agent.js'
import { CUT_RULE_PRIORITY, NetnsTopology } from './netns-topology.js'
import { leftovers } from './netns-names.js'
import { createTopology, netnsUnavailable } from './topologies.js'
import type { NodeName, Topology } from './topology.js'

const reason = netnsUnavailable()
if (reason !== undefined) console.warn(`netns topology tests skipped: ${reason}`)

/** What the root namespace looks like, to compare before and after a topology. */
function rootSnapshot(): { netns: string[]; links: string; routes: string; rules: string; forward: string } {
  return {
    netns: listNetns().filter((name) => name.startsWith('fz')),
    links: ip(['-o', 'link', 'show']).split('\n').map((line) => line.split(':')[1]?.trim()).sort().join(','),
    routes: ip(['route', 'show', 'table', 'all']),
    rules: ip(['rule', 'show']),
    forward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
  }
}

/** Echoes `text` through a TCP connection from the test process (the root namespace). */
async function clientEcho(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(text))
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => {
      got += data
      if (got.length >= text.length) {
        socket.destroy()
        resolve(got)
      }
    })
    socket.on('error', reject)
  })
}

describe.skipIf(reason !== undefined)('netns topology', () => {
  let topology: NetnsTopology
  const agents = new Map<NodeName, NetAgent>()
  let before: ReturnType<typeof rootSnapshot>

  beforeAll(async () => {
    before = rootSnapshot()
    topology = NetnsTopology.create({ brokerIds: [1, 2, 3] })
    for (const node of topology.nodes) {
      agents.set(node, await NetAgent.start(node, topology.commandPrefix(node), topology.bindHost(node)))
    }
  })

  afterEach(async () => {
    await topology.heal()
  })

  afterAll(async () => {
    for (const agent of agents.values()) await agent.stop()
    await topology?.close()
  })

  const agent = (node: NodeName): NetAgent => agents.get(node)!
  const pairs = (): Array<[NodeName, NodeName]> =>
    topology.nodes.flatMap((from) => topology.nodes.filter((to) => to !== from).map((to): [NodeName, NodeName] => [from, to]))
  const probe = (round: string, from: NodeName, to: NodeName): string => `${round}:${from}->${to}`

  /** Every node probes every other; waits for the probes of every link not in `cut`. */
  async function probeRound(round: string, cut: Set<string>): Promise<void> {
    for (const [from, to] of pairs()) agent(from).sendUdp(agent(to), probe(round, from, to))
    await waitFor(`round ${round}: probes over every link but ${[...cut].join(', ')}`, () =>
      pairs().every(([from, to]) => cut.has(`${from}->${to}`) || agent(to).udpReceived().includes(probe(round, from, to))))
  }

  /** Probes under the cuts in force, heals, probes again: exactly the links in `cut` lost their first probe. */
  async function expectCuts(round: string, cut: string[]): Promise<void> {
    const cutSet = new Set(cut)
    await probeRound(`${round}-cut`, cutSet)
    await topology.heal()
    await probeRound(`${round}-healed`, new Set())
    const lost = pairs().filter(([from, to]) => !agent(to).udpReceived().includes(probe(`${round}-cut`, from, to)))
    expect(lost.map(([from, to]) => `${from}->${to}`).sort()).toEqual([...cut].sort())
  }

  it('gives each node its own address in its own namespace, reachable from every node and from the clients', async () => {
    expect(topology.bindHost('etcd')).toBe(`10.${topology.net}.1.2`)
    expect(topology.bindHost('b3')).toBe(`10.${topology.net}.4.2`)
    expect(topology.commandPrefix('b1').slice(-3)).toEqual(['netns', 'exec', `${topology.tag}-b1`])
    expect(ip(['-o', 'addr', 'show', 'dev', 'eth0'], `${topology.tag}-b2`)).toContain(`10.${topology.net}.3.2/24`)
    // `ip netns exec` execs: the pid spawned is the node process itself (signals reach it), in its namespace.
    const pid = agent('b1').child.pid!
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('node')
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'))
    await expectCuts('open', [])
    for (const node of topology.nodes) {
      expect(await clientEcho(topology.bindHost(node), agent(node).tcpPort, `hello ${node}`)).toBe(`hello ${node}`)
    }
    expect(() => topology.bindHost('b9')).toThrow(/unknown node b9/)
  })

  it('cut(a, b) drops a->b silently and leaves b->a alone', async () => {
    await topology.cut('b1', 'b2')
    expect(topology.describeCuts()).toBe('b1->b2')
    expect(topology.routerRules()).toMatch(new RegExp(`${CUT_RULE_PRIORITY}:\\s+from 10\\.${topology.net}\\.2\\.0/24 to 10\\.${topology.net}\\.3\\.0/24 blackhole`))
    await expectCuts('one-way', ['b1->b2'])
    expect(topology.describeCuts()).toBe('none')
  })

  it('cutBoth cuts both ways, and twice is the same as once', async () => {
    await topology.cutBoth('b1', 'etcd')
    await topology.cutBoth('etcd', 'b1')
    expect(topology.describeCuts()).toBe('b1<->etcd')
    await expectCuts('both', ['b1->etcd', 'etcd->b1'])
  })

  it('partition cuts every link between the groups and none inside them', async () => {
    await topology.partition([['etcd', 'b1'], ['b2', 'b3']])
    expect(topology.describeCuts()).toBe('b1<->b2, b1<->b3, b2<->etcd, b3<->etcd')
    await expectCuts('partition', ['etcd->b2', 'etcd->b3', 'b1->b2', 'b1->b3', 'b2->etcd', 'b3->etcd', 'b2->b1', 'b3->b1'])
    await expect(topology.partition([['b1'], ['b1', 'b2']])).rejects.toThrow(/b1 is in two groups/)
  })

  it('isolate cuts a node from every other, the clients still reach it, and its connections survive the cut', async () => {
    const b3 = agent('b3')
    b3.send({ connect: { id: 'to-b1', host: agent('b1').host, port: agent('b1').tcpPort } })
    await waitFor('b3 connected to b1', () => b3.events.some((event) => event.connected === 'to-b1'))
    await topology.isolate('b3')
    expect(topology.describeCuts()).toBe('b1<->b3, b2<->b3, b3<->etcd')
    b3.send({ write: { id: 'to-b1', text: 'during' } })
    expect(await clientEcho(b3.host, b3.tcpPort, 'client in')).toBe('client in')
    await expectCuts('isolate', ['b3->etcd', 'b3->b1', 'b3->b2', 'etcd->b3', 'b1->b3', 'b2->b3'])
    // Dropped, not refused: after heal TCP retransmits and the connection carries on.
    await waitFor('the echo of what b3 wrote during the cut', () => b3.echoes('to-b1') === 'during', { timeoutMs: 60_000 })
    expect(b3.events.some((event) => event.closed === 'to-b1' || event.connectError === 'to-b1')).toBe(false)
  })

  it('refuses unknown nodes and a node cut from itself', async () => {
    await expect(topology.cut('b1', 'b7')).rejects.toThrow(/unknown node b7/)
    await expect(topology.cut('b1', 'b1')).rejects.toThrow(/itself/)
    expect(topology.describeCuts()).toBe('none')
  })

  it('close() leaves nothing in the root namespace, and a second topology takes another net', async () => {
    const other = NetnsTopology.create({ brokerIds: [1] })
    expect(other.net).not.toBe(topology.net)
    await other.cut('b1', 'etcd')
    const beforeOther = { ...rootSnapshot(), netns: listNetns().filter((name) => !name.startsWith(other.tag)) }
    expect(leftovers(other.tag).sort()).toEqual([`${other.tag}-b1`, `${other.tag}-etcd`, `${other.tag}-router`, `${other.tag}c`])
    await other.close()
    await other.close()
    expect(leftovers(other.tag)).toEqual([])
    const after = rootSnapshot()
    expect(after.routes).not.toContain(`10.${other.net}.`)
    expect(after.rules).toBe(before.rules)
    expect(after.forward).toBe(before.forward)
    expect(after.netns.filter((name) => name.startsWith(other.tag))).toEqual([])
    expect(beforeOther.netns.every((name) => !name.startsWith(other.tag))).toBe(true)
    await expect(other.cut('b1', 'etcd')).rejects.toThrow(/closed/)
  })
})

describe.skipIf(reason !== undefined)('netns topology at start and through createTopology', () => {
  it('removes the namespaces and links of dead owners, and leaves those of live ones', async () => {
    const dead = spawnSync('true').pid!
    expect(pidAlive(dead)).toBe(false)
    const stale = `fz${dead}t7`
    const live = `fz${process.ppid}t901`
    ipBatch([`netns add ${stale}-router`, `link add ${stale}c type veth peer name c0 netns ${stale}-router`, `netns add ${live}-router`])
    try {
      const topology = await createTopology({ brokerIds: [1, 2] })
      expect(topology.mode).toBe('netns')
      expect(topology.fallbackReason).toBeUndefined()
      expect(topology.can).toEqual({ pairwise: true, oneWay: true })
      expect(leftovers(stale)).toEqual([])
      expect(leftovers(live)).toEqual([`${live}-router`])
      await topology.close()
    } finally {
      ipBatch(leftovers(stale).map((name) => (name.endsWith('c') ? `link del ${name}` : `netns del ${name}`)))
      ip(['netns', 'del', `${live}-router`])
    }
  })
})

describe('proxy topology', () => {
  let topology: Topology
  const agents: NetAgent[] = []
  afterEach(async () => {
    await topology?.close()
    for (const agent of agents.splice(0)) await agent.stop()
  })

  async function brokerWithEtcd(): Promise<{ etcd: NetAgent; b1: NetAgent; b2: NetAgent; front1: number }> {
    topology = await createTopology({ brokerIds: [1, 2], mode: 'proxy' })
    const etcd = await NetAgent.start('etcd', topology.commandPrefix('etcd'), topology.bindHost('etcd'))
    const b1 = await NetAgent.start('b1', topology.commandPrefix('b1'), topology.bindHost('b1'))
    const b2 = await NetAgent.start('b2', topology.commandPrefix('b2'), topology.bindHost('b2'))
    agents.push(etcd, b1, b2)
    const flags = await topology.brokerFlags(1)
    expect(flags[0]).toBe('--advertised-url')
    topology.brokerListening(1, b1.tcpPort)
    for (const [id, agent] of [[1, b1], [2, b2]] as const) {
      const url = new URL(await topology.etcdUrlFor(id, `http://127.0.0.1:${etcd.tcpPort}`))
      expect(url.protocol).toBe('http:')
      agent.send({ connect: { id: 'etcd', host: url.hostname, port: Number(url.port) } })
      await waitFor(`b${id} connected to etcd through its proxy`, () => agent.events.some((event) => event.connected === 'etcd'))
    }
    return { etcd, b1, b2, front1: Number(new URL(flags[1]!).port) }
  }

  it('says why it is used, and refuses the cuts a proxy cannot make', async () => {
    topology = await createTopology({ brokerIds: [1, 2], mode: 'proxy' })
    expect(topology.mode).toBe('proxy')
    expect(topology.fallbackReason).toMatch(/proxy mode was asked for/)
    expect(topology.can).toEqual({ pairwise: false, oneWay: false })
    expect(topology.commandPrefix('b1')).toEqual([])
    expect(topology.bindHost('etcd')).toBe('127.0.0.1')
    await expect(topology.cut('b1', 'etcd')).rejects.toThrow(/cannot cut one way/)
    await expect(topology.cutBoth('b1', 'b2')).rejects.toThrow(/only a broker and etcd/)
    await expect(topology.partition([['b1'], ['b2']])).rejects.toThrow(/only isolations/)
    await expect(topology.partition([['b1', 'etcd'], ['b2', 'b3']])).rejects.toThrow(/unknown node b3|only isolations/)
    expect(topology.describeCuts()).toBe('none')
  })

  it('cuts a broker from etcd silently, leaves the other broker alone, and heals', async () => {
    const { etcd, b1, b2 } = await brokerWithEtcd()
    await topology.cutBoth('etcd', 'b1')
    expect(topology.describeCuts()).toBe('b1<->etcd')
    b1.send({ write: { id: 'etcd', text: '[b1 during]' } })
    b2.send({ write: { id: 'etcd', text: '[b2 during]' } })
    await waitFor('b2 echoed by etcd through its own proxy', () => b2.echoes('etcd') === '[b2 during]')
    expect(etcd.serverReceived()).not.toContain('[b1 during]')
    await topology.heal()
    expect(topology.describeCuts()).toBe('none')
    await waitFor('what b1 wrote during the cut, delivered after heal', () => b1.echoes('etcd') === '[b1 during]')
    expect(b1.events.some((event) => event.closed === 'etcd')).toBe(false)
  })

  it('isolates a broker: its front and its etcd link cut, joined again at heal', async () => {
    const { etcd, b1, b2, front1 } = await brokerWithEtcd()
    expect(await clientEcho('127.0.0.1', front1, 'via front')).toBe('via front')
    await topology.partition([['b1'], ['b2', 'etcd']])
    expect(topology.describeCuts()).toBe('b1<->b2, b1<->etcd')
    const held = clientEcho('127.0.0.1', front1, 'held')
    b1.send({ write: { id: 'etcd', text: '[b1 isolated]' } })
    b2.send({ write: { id: 'etcd', text: '[b2 meanwhile]' } })
    await waitFor('b2 echoed by etcd meanwhile', () => b2.echoes('etcd') === '[b2 meanwhile]')
    expect(etcd.serverReceived()).not.toContain('[b1 isolated]')
    await topology.heal()
    expect(await held).toBe('held')
    await waitFor('b1 reaches etcd again', () => b1.echoes('etcd') === '[b1 isolated]')
  })

  it('isolating etcd cuts every broker from it; close() ends every connection', async () => {
    const { etcd, b1, b2 } = await brokerWithEtcd()
    await topology.isolate('etcd')
    expect(topology.describeCuts()).toBe('b1<->etcd, b2<->etcd')
    await topology.close()
    await waitFor('the brokers see their etcd connections end', () =>
      [b1, b2].every((agent) => agent.events.some((event) => event.closed === 'etcd')))
    expect(etcd.serverReceived()).toBe('')
  })
})
