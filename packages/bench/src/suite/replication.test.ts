// The replication workload's small rules: what counts as in sync, and a wait that ends on success or
// on an error no retry cures.
import { describe, expect, it } from 'vitest'
import { caseVariant, failoverVariant, inSync, minInsyncOf, REPLICATION_CASES, SESSION_CASES, waitUntil } from './replication.js'

describe('inSync', () => {
  it('needs a leader and the full ISR', () => {
    expect(inSync({ leader: 2, isr: [2, 1, 3] }, 3)).toBe(true)
    expect(inSync({ leader: 2, isr: [2, 1] }, 3)).toBe('ISR 2,1 of 3')
    expect(inSync({ leader: -1, isr: [1, 2, 3] }, 3)).toBe('no leader')
    expect(inSync({ leader: 1 }, 1)).toBe('ISR empty of 1')
    expect(inSync(undefined, 1)).toBe('no partition 0 in the metadata')
  })
})

describe('the cases', () => {
  it('are RF 1 and 3 with acks 1 and all, min.insync.replicas 2 at RF 3, and two session timeouts', () => {
    expect(REPLICATION_CASES.map(caseVariant)).toEqual(['RF 1, acks 1', 'RF 1, acks all', 'RF 3, acks 1', 'RF 3, acks all'])
    expect(REPLICATION_CASES.map((c) => minInsyncOf(c.replicationFactor))).toEqual([1, 1, 2, 2])
    expect(SESSION_CASES.map(failoverVariant)).toEqual(['failover, default session timeout', 'failover, 2 s session timeout'])
    expect(SESSION_CASES.map((s) => s.sessionTimeoutMs)).toEqual([undefined, 2_000])
  })
})

describe('waitUntil', () => {
  it('returns once the check is true, retrying errors and answers', async () => {
    const answers: Array<() => true | string> = [() => { throw new Error('no controller') }, () => true]
    let calls = 0
    await waitUntil('topic', 10_000, async () => answers[calls++]!())
    expect(calls).toBe(2)
  })
  it('ends at once on an error the caller calls fatal', async () => {
    let calls = 0
    const check = async (): Promise<true> => { calls++; throw new Error('INVALID_CONFIG') }
    await expect(waitUntil('topic', 10_000, check, (err) => String(err).includes('INVALID_CONFIG'))).rejects.toThrow('INVALID_CONFIG')
    expect(calls).toBe(1)
  })
  it('says what it waited for and the last reason when time is up', async () => {
    await expect(waitUntil('topic t in sync', 300, async () => 'ISR 1 of 3')).rejects.toThrow('topic t in sync: not within 300 ms (ISR 1 of 3)')
  })
})
