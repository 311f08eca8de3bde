// A client's address as security sees it: one form per client, whatever socket it came on. A
// dual-stack listener (`--host ::`) reports an IPv4 client as "::ffff:a.b.c.d"; an ACL's host, the
// audit log and the login throttle all want "a.b.c.d", or an ACL denying that host would never
// match. The login throttle keys IPv6 clients by their /64, since one host usually owns a whole /64
// and could otherwise step through it to dodge the slowdown.
import { isIPv4, isIPv6 } from 'node:net'

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/** The address in its one form: IPv4-mapped IPv6 as plain IPv4, IPv6 lower case; '' when unknown. */
export function clientAddressOf(raw: string | undefined): string {
  if (raw === undefined) return ''
  const mapped = MAPPED_IPV4.exec(raw)
  if (mapped !== null && isIPv4(mapped[1]!)) return mapped[1]!
  return isIPv6(raw) ? raw.toLowerCase() : raw
}

/** The key the login throttle counts failures under: the address, or an IPv6 address's /64. */
export function throttleKeyOf(address: string): string {
  const normal = clientAddressOf(address)
  if (!isIPv6(normal)) return normal
  const [head = '', tail = ''] = normal.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = normal.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}
