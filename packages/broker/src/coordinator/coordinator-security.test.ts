// Users and ACLs in the metadata log: records round-trip through the log's encoding and refuse
// malformed shapes; the actor writes them (limits, RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE), posts
// them, and a reopen replays them; the main thread's SecurityState follows the snapshot and the
// changes, and never lets a stored user replace a reserved (bootstrap) one.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { base64Encode, ErrorCode, RecordBatchEncoder, scramCredential, type AclBinding } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { SecurityState } from '../security/security-state.js'
import { CoordinatorActor, METADATA_PARTITION_DIR } from './coordinator-actor.js'
import { decodeMetadataRecords, encodeMetadataRecord, type MetadataRecord, type SecurityRecord } from './records.js'
import { applySecurityRecords, replaceStoredSecurity } from './security-store.js'
import type { CredentialUpsert } from './security-writes.js'

let dataDir: string
const disk = new RealDisk()
const settings = { batchBytesMax: 1024 * 1024, partitionsPerTopicMax: 8, partitionsMax: 12, producerIdBlockSize: 10,
  security: { usersMax: 2, aclsMax: 3 } }

function open(posted: SecurityRecord[][] = []): CoordinatorActor {
  const log = PartitionLog.open({ dir: join(dataDir, METADATA_PARTITION_DIR), config: { ...DEFAULT_LOG_CONFIG, retentionMs: -1 }, disk, clock: Date.now,
    logger: silentLogger() })
  return new CoordinatorActor({ log, disk, dataDir, settings, clock: Date.now, logger: silentLogger(), onTopicChanged: () => {},
    onSecurityChanged: (records) => posted.push(records) })
}

const b64 = (n: number, fill: number): string => base64Encode(new Uint8Array(n).fill(fill))
const cred = (user: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' = 'SCRAM-SHA-256'): CredentialUpsert =>
  ({ user, mechanism, salt: b64(32, 1), iterations: 4096, storedKey: b64(32, 2), serverKey: b64(32, 3) })
const acl = (resourceName: string, permission: 'Allow' | 'Deny' = 'Allow'): AclBinding =>
  ({ principal: 'User:alice', host: '*', resourceType: 'topic', resourceName, patternType: 'literal', operation: 'Read', permission })

beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), 'faecie-coordinator-security-')) })
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

describe('security records', () => {
  it('round-trip through the metadata log encoding', () => {
    const records: MetadataRecord[] = [
      { v: 1, type: 'scramCredential', ...cred('alice') },
      { v: 1, type: 'scramCredentialDeleted', user: 'alice', mechanism: 'SCRAM-SHA-512' },
      { v: 1, type: 'acl', binding: acl('orders') },
      { v: 1, type: 'aclDeleted', binding: acl('orders') },
    ]
    for (const record of records) {
      expect([...decodeMetadataRecords(encodeMetadataRecord(record, 1))].map((r) => r.record)).toEqual([record])
    }
  })

  it('refuse malformed ones, naming the offset', () => {
    const bad = [
      { v: 1, type: 'scramCredential', ...cred('alice'), iterations: 12 },
      { v: 1, type: 'scramCredential', ...cred('alice'), storedKey: 'not base64!' },
      { v: 1, type: 'scramCredential', ...cred('alice'), mechanism: 'PLAIN' },
      { v: 1, type: 'scramCredentialDeleted', user: '', mechanism: 'SCRAM-SHA-256' },
      { v: 1, type: 'acl', binding: { ...acl('orders'), operation: 'Fly' } },
      { v: 1, type: 'aclDeleted', binding: 'everything' },
    ]
    const encoder = new RecordBatchEncoder(4096)
    for (const value of bad) {
      encoder.encode([{ key: value.type, value: JSON.stringify(value) }], { timestamp: 1 })
      expect(() => [...decodeMetadataRecords(encoder.copy())]).toThrow(/malformed record .* at offset 0/)
    }
  })
})

describe('CoordinatorActor: users and ACLs', () => {
  it('writes, posts and replays them', () => {
    const posted: SecurityRecord[][] = []
    const actor = open(posted)
    expect(actor.alterUsers([cred('alice'), cred('alice', 'SCRAM-SHA-512'), cred('bob')], [])).toEqual([null, null, null])
    expect(actor.alterUsers([], [{ user: 'bob', mechanism: 'SCRAM-SHA-256' }])).toEqual([null])
    expect(actor.createAcls([acl('orders'), acl('orders'), acl('payments', 'Deny')])).toEqual([null, null, null])
    expect(actor.deleteAcls([{ resourceName: 'payments' }, { resourceName: 'nothing' }])).toEqual([[acl('payments', 'Deny')], []])
    expect(posted.map((records) => records.map((r) => r.type))).toEqual([
      ['scramCredential', 'scramCredential', 'scramCredential'], ['scramCredentialDeleted'], ['acl', 'acl'], ['aclDeleted']])
    const before = actor.securityRecords
    actor.close()

    const again = open()
    expect(again.securityRecords).toEqual(before)
    expect(again.securityRecords.map((r) => (r.type === 'scramCredential' ? `${r.user}/${r.mechanism}` : r.type)))
      .toEqual(['alice/SCRAM-SHA-256', 'alice/SCRAM-SHA-512', 'acl'])
    again.close()
  })

  it('answers each item: limits, missing credentials, duplicates', () => {
    const posted: SecurityRecord[][] = []
    const actor = open(posted)
    const [a, b, c] = actor.alterUsers([cred('alice'), cred('bob'), cred('carol')], [])
    expect([a, b]).toEqual([null, null])
    expect(c?.code).toBe(ErrorCode.POLICY_VIOLATION)
    expect(c?.message).toContain('usersMax')
    // A user's second mechanism is not a new user; upsertions are decided before deletions; a
    // deletion that empties a user frees a place.
    const mixed = actor.alterUsers([cred('alice', 'SCRAM-SHA-512'), cred('carol')], [{ user: 'bob', mechanism: 'SCRAM-SHA-256' }])
    expect(mixed.map((r) => r?.code ?? 0)).toEqual([0, ErrorCode.POLICY_VIOLATION, 0])
    expect(actor.alterUsers([cred('carol')], [])).toEqual([null])
    expect(actor.alterUsers([], [{ user: 'nobody', mechanism: 'SCRAM-SHA-256' }])[0]?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    const dup = actor.alterUsers([cred('alice')], [{ user: 'alice', mechanism: 'SCRAM-SHA-256' }])
    expect(dup.map((r) => r?.code)).toEqual([ErrorCode.DUPLICATE_RESOURCE, ErrorCode.DUPLICATE_RESOURCE])
    const acls = actor.createAcls([acl('a'), acl('b'), acl('c'), acl('d'), acl('a')])
    expect(acls.map((r) => r?.code ?? 0)).toEqual([0, 0, 0, ErrorCode.POLICY_VIOLATION, 0])
    const before = posted.length
    actor.alterUsers([], [{ user: 'nobody', mechanism: 'SCRAM-SHA-512' }])
    expect(posted.length).toBe(before)
    actor.close()
  })
})

describe('the main thread SecurityState', () => {
  it('follows the snapshot and the changes, keeping reserved users as they are', async () => {
    const state = new SecurityState()
    const bootstrap = await scramCredential('SCRAM-SHA-256', 'secret', new Uint8Array(32), 4096)
    state.setCredential('admin', bootstrap)
    state.setCredential('stale', bootstrap)
    state.addAcl(acl('stale'))
    const reserved = new Set(['admin'])
    const snapshot: SecurityRecord[] = [
      { v: 1, type: 'scramCredential', ...cred('admin') },
      { v: 1, type: 'scramCredential', ...cred('alice') },
      { v: 1, type: 'acl', binding: acl('orders') },
    ]
    replaceStoredSecurity(state, snapshot, reserved)
    expect(state.users().map((u) => u.name)).toEqual(['admin', 'alice'])
    expect(state.credential('admin', 'SCRAM-SHA-256')).toBe(bootstrap)
    expect(state.credential('alice', 'SCRAM-SHA-256')?.storedKey).toEqual(new Uint8Array(32).fill(2))
    expect(state.acls()).toEqual([acl('orders')])

    applySecurityRecords(state, [
      { v: 1, type: 'scramCredentialDeleted', user: 'admin', mechanism: 'SCRAM-SHA-256' },
      { v: 1, type: 'scramCredentialDeleted', user: 'alice', mechanism: 'SCRAM-SHA-256' },
      { v: 1, type: 'aclDeleted', binding: acl('orders') },
      { v: 1, type: 'acl', binding: acl('payments') },
    ], reserved)
    expect(state.users().map((u) => u.name)).toEqual(['admin'])
    expect(state.credential('admin', 'SCRAM-SHA-256')).toBe(bootstrap)
    expect(state.acls()).toEqual([acl('payments')])
  })
})
