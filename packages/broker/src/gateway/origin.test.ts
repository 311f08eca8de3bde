// The origin policy: own origins, --allowed-origins, and in a cluster the other brokers' consoles.
import { describe, expect, it } from 'vitest'
import { OriginPolicy, peerOrigins } from './origin.js'

describe('OriginPolicy', () => {
  it('accepts its own origins and the listed ones, refuses others, lets programs (no Origin) through', () => {
    const policy = new OriginPolicy(['http://dev.example:5173/'])
    policy.addOwnOrigins('127.0.0.1', 8092)
    expect(policy.allows(undefined)).toBe(true)
    expect(policy.allows('http://localhost:8092')).toBe(true)
    expect(policy.allows('http://DEV.example:5173')).toBe(true)
    expect(policy.allows('http://evil.example')).toBe(false)
    expect(policy.allows('http://localhost:8093')).toBe(false)
  })

  it("in a cluster, accepts the live brokers' consoles as registered now, and no longer once one is gone", () => {
    const policy = new OriginPolicy([])
    policy.addOwnOrigins('127.0.0.1', 8092)
    let peers = ['ws://127.0.0.1:8093', 'ws://b3.example:9000']
    policy.allowPeers(() => peers)
    expect(policy.allows('http://localhost:8093')).toBe(true)
    expect(policy.allows('https://b3.example:9000')).toBe(true)
    expect(policy.allows('http://b3.example:9001')).toBe(false)
    expect(policy.allows('http://evil.example:8093')).toBe(false)
    peers = ['ws://127.0.0.1:8093']
    expect(policy.allows('https://b3.example:9000')).toBe(false)
  })

  it('derives page origins from an advertised URL; a default port is left out; garbage gives none', () => {
    expect(peerOrigins('wss://broker.example')).toEqual(['http://broker.example', 'https://broker.example'])
    expect(peerOrigins('ws://[::1]:7000')).toContain('http://localhost:7000')
    expect(peerOrigins('not a url')).toEqual([])
  })
})
