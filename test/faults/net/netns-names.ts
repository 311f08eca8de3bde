// Names and address space of the netns topology, and what makes two test processes safe together.
//
// Names: every topology has a tag `fz<pid>t<seq>` (the owner's pid, then a number per topology of
// that process). Its namespaces are `<tag>-router` and `<tag>-<node>` (`fz4123t0-b2`); the one link
// it puts in the root namespace is `<tag>c` (at most 2+7+1+3+1 = 14 chars, under IFNAMSIZ's 15). The
// links inside namespaces need no unique names: `c0` and `n<i>` in the router, `eth0` in a node.
//
// Address space: one free 10.<net>.0.0/16 per topology, chosen while holding a lock file
// (`<tmp>/faecie-netns.lock`, made with O_EXCL and holding the holder's pid, so a holder that died is
// seen and its lock taken over). Under the lock the topology removes what dead owners left, picks a
// net no route or address of the root namespace overlaps, and installs its root link and route —
// from then on that route is what marks the net as taken, for the next process that takes the lock.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ip, ipBatch, ipJson, listNetns, pidAlive } from './ip.js'

export const NETNS_LOCK_PATH = join(tmpdir(), 'faecie-netns.lock')
/** How long a process waits for another's setup (a setup takes well under a second). */
export const NETNS_LOCK_WAIT_MS = 60_000
const LOCK_RETRY_MS = 20

/** The /16s a topology may take: 10.64.0.0 to 10.254.0.0. */
export const NET_FIRST = 64
export const NET_LAST = 254

const TAG = /^fz(\d+)t(\d+)/

let nextSeq = 0

/** A new tag for a topology of this process. */
export function newTag(): string {
  const seq = nextSeq++
  if (seq > 999) throw new Error('more than 1000 netns topologies in one process')
  return `fz${process.pid}t${seq}`
}

export const routerNs = (tag: string): string => `${tag}-router`
export const nodeNs = (tag: string, node: string): string => `${tag}-${node}`
export const rootLink = (tag: string): string => `${tag}c`

/** The pid a netns or link name belongs to, when it is one of ours. */
export function ownerPid(name: string): number | undefined {
  const match = TAG.exec(name)
  return match === null ? undefined : Number(match[1])
}

/** Runs `body` holding the netns lock file. */
export function withNetnsLock<T>(body: () => T): T {
  const deadline = Date.now() + NETNS_LOCK_WAIT_MS
  for (;;) {
    let fd: number
    try {
      fd = openSync(NETNS_LOCK_PATH, 'wx')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number.parseInt(readLock(), 10)
      // A lock file still empty is being written by its maker; one naming a dead process is stale.
      if (Number.isInteger(holder) && !pidAlive(holder)) rmSync(NETNS_LOCK_PATH, { force: true })
      else if (Date.now() > deadline) throw new Error(`waited ${NETNS_LOCK_WAIT_MS} ms for ${NETNS_LOCK_PATH} (held by pid ${holder})`)
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_RETRY_MS)
      continue
    }
    try {
      writeSync(fd, String(process.pid))
    } finally {
      closeSync(fd)
    }
    try {
      return body()
    } finally {
      rmSync(NETNS_LOCK_PATH, { force: true })
    }
  }
}

function readLock(): string {
  try {
    return readFileSync(NETNS_LOCK_PATH, 'utf8')
  } catch {
    return ''
  }
}

/** Removes the namespaces and root links whose owner process is dead; returns their names. */
export function removeStale(): string[] {
  const deadOwner = (name: string): boolean => {
    const pid = ownerPid(name)
    return pid !== undefined && pid !== process.pid && !pidAlive(pid)
  }
  const links = ipJson<{ ifname: string }>(['link', 'show']).map((link) => link.ifname.split('@')[0] ?? '').filter(deadOwner)
  const namespaces = listNetns().filter(deadOwner)
  // The root link first: deleting it deletes its peer and its route at once, where a namespace's
  // links go when the kernel gets round to freeing the namespace.
  ipBatch([...links.map((link) => `link del ${link}`), ...namespaces.map((ns) => `netns del ${ns}`)])
  return [...links, ...namespaces]
}

interface RouteEntry { dst: string }
interface AddrEntry { addr_info?: Array<{ local: string; prefixlen: number }> }

/** A /16 10.<net> no route or address of the root namespace overlaps. */
export function pickFreeNet(): number {
  const taken: Array<[number, number]> = []
  for (const route of ipJson<RouteEntry>(['-4', 'route', 'show', 'table', 'all'])) {
    if (route.dst === 'default') continue
    const [address, length] = route.dst.split('/')
    const parsed = ipv4(address ?? '')
    if (parsed !== undefined) taken.push([parsed, length === undefined ? 32 : Number(length)])
  }
  for (const link of ipJson<AddrEntry>(['-4', 'addr', 'show'])) {
    for (const info of link.addr_info ?? []) {
      const parsed = ipv4(info.local)
      if (parsed !== undefined) taken.push([parsed, info.prefixlen])
    }
  }
  const range = NET_LAST - NET_FIRST + 1
  const start = process.pid % range
  for (let i = 0; i < range; i++) {
    const net = NET_FIRST + ((start + i) % range)
    const base = ipv4(`10.${net}.0.0`)!
    if (!taken.some(([address, length]) => overlaps(base, 16, address, length))) return net
  }
  throw new Error(`no free 10.x.0.0/16 for a netns topology in 10.${NET_FIRST}-10.${NET_LAST} (ip route show table all)`)
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number)
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
}

function overlaps(a: number, aLength: number, b: number, bLength: number): boolean {
  const length = Math.min(aLength, bLength)
  if (length === 0) return true
  const mask = (~0 << (32 - length)) >>> 0
  return ((a & mask) >>> 0) === ((b & mask) >>> 0)
}

/** Names of the namespaces and root links of `tag` still present (for tests and close's check). */
export function leftovers(tag: string): string[] {
  const links = ip(['-o', 'link', 'show']).split('\n').map((line) => line.split(':')[1]?.trim().split('@')[0] ?? '')
  return [...listNetns(), ...links].filter((name) => name.startsWith(`${tag}-`) || name === rootLink(tag))
}
