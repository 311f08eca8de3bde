// One form per client address: an IPv4 client on a dual-stack listener is its IPv4 address (so an
// ACL's host matches it), and the login throttle counts IPv6 clients by their /64.
import { describe, expect, it } from 'vitest'
import { clientAddressOf, throttleKeyOf } from './client-address.js'
import { SecurityState } from './security-state.js'

describe('client addresses', () => {
  it('turns IPv4-mapped IPv6 into IPv4, and leaves others as they are', () => {
    expect(clientAddressOf('::ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(clientAddressOf('::FFFF:10.1.2.3')).toBe('10.1.2.3')
    expect(clientAddressOf('10.1.2.3')).toBe('10.1.2.3')
    expect(clientAddressOf('2001:DB8::1')).toBe('2001:db8::1')
    expect(clientAddressOf(undefined)).toBe('')
  })

  it('keys the login throttle by an IPv6 address\'s /64', () => {
    expect(throttleKeyOf('2001:db8:1:2:aaaa::1')).toBe(throttleKeyOf('2001:db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(throttleKeyOf('2001:db8:1:2::1')).not.toBe(throttleKeyOf('2001:db8:1:3::1'))
    expect(throttleKeyOf('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(throttleKeyOf('::1')).toBe('0:0:0:0::/64')
  })

  it('lets a Deny for an IPv4 host match that client on a dual-stack listener', () => {
    const state = new SecurityState()
    state.addAcl({ principal: 'User:alice', host: '*', resourceType: 'topic', resourceName: 'secret', patternType: 'literal', operation: 'Read', permission: 'Allow' })
    state.addAcl({ principal: 'User:alice', host: '127.0.0.1', resourceType: 'topic', resourceName: 'secret', patternType: 'literal', operation: 'Read', permission: 'Deny' })
    const request = { principal: 'User:alice', operation: 'Read', resourceType: 'topic', resourceName: 'secret' } as const
    expect(state.authorize({ ...request, host: '::ffff:127.0.0.1' }, []).allowed).toBe(false)
    expect(state.authorize({ ...request, host: '127.0.0.1' }, []).allowed).toBe(false)
    expect(state.authorize({ ...request, host: '10.0.0.9' }, []).allowed).toBe(true)
  })
})
