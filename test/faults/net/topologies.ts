// createTopology: the netns topology when this machine can make network namespaces, else the proxy
// topology with `fallbackReason` saying why (topology.ts describes both). `mode: 'netns'` throws
// instead of falling back; `mode: 'proxy'` skips the attempt.
import { ipCommand, runCommand } from './ip.js'
import { newTag, routerNs } from './netns-names.js'
import { NetnsTopology } from './netns-topology.js'
import { ProxyTopology } from './proxy-topology.js'
import type { Topology, TopologyOptions } from './topology.js'

export async function createTopology(options: TopologyOptions): Promise<Topology> {
  const mode = options.mode ?? 'auto'
  if (mode === 'proxy') return new ProxyTopology(options, 'proxy mode was asked for')
  let reason = netnsUnavailable()
  if (reason === undefined) {
    try {
      return NetnsTopology.create(options)
    } catch (err) {
      reason = `the netns topology failed to build: ${(err as Error).message}`
    }
  }
  if (mode === 'netns') throw new Error(`netns topology unavailable: ${reason}`)
  return new ProxyTopology(options, reason)
}

let probed: { reason: string | undefined } | undefined

/** Why this process cannot make network namespaces, or undefined when it can (probed once). */
export function netnsUnavailable(): string | undefined {
  probed ??= { reason: probe() }
  return probed.reason
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`
  const uid = process.getuid?.()
  if (uid !== 0) return `not root (uid ${uid}): network namespaces and veth pairs need CAP_NET_ADMIN`
  let ip: string
  try {
    ip = ipCommand()
  } catch (err) {
    return `no ip command: ${(err as Error).message}`
  }
  const name = routerNs(`${newTag()}probe`)
  try {
    runCommand(ip, ['netns', 'add', name])
    runCommand(ip, ['netns', 'del', name])
  } catch (err) {
    return `ip netns add failed: ${(err as Error).message}`
  }
  return undefined
}
