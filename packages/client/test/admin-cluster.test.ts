// The admin's reassignment and election calls (admin-cluster.ts) over a scripted cluster: per
// partition results, a partition refused retriably asked again alone, a cancel whose answer was
// lost not reported as "nothing to cancel", elections' final errors not retried, chunking, and the
// throttle alone.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { Cluster } from '../src/cluster.js'
import { ClusterAdmin, REASSIGN_PARTITIONS_PER_REQUEST_MAX } from '../src/admin-cluster.js'

type Request = { partitions?: Array<{ topic: string; partition: number; replicas?: number[] | null }>; throttleBytesPerSec?: number }
type Answer = (op: string, request: Request, call: number) => unknown

function setup(answer: Answer) {
  const sent: Array<{ op: string; request: Request }> = []
  const cluster = {
    config: { retry: { retries: 3, initialRetryTimeMs: 0, maxRetryTimeMs: 0, multiplier: 1, jitter: 0 } },
    signal: new AbortController().signal,
    request: async (op: string, request: Request) => {
      sent.push({ op, request: structuredClone(request) })
      return answer(op, request, sent.length)
    },
  }
  return { admin: new ClusterAdmin(cluster as unknown as Cluster), sent }
}

const wire = (code: number, message = 'x') => new FaecieError(code, message).toWire()

describe('listPartitionReassignments', () => {
  it('answers the moves and the throttle without the response envelope\'s id', async () => {
    const { admin } = setup(() => ({ id: 1, reassignments: [], throttleBytesPerSec: 5 }))
    expect(await admin.listPartitionReassignments()).toEqual({ reassignments: [], throttleBytesPerSec: 5 })
  })
})

describe('alterPartitionReassignments', () => {
  it('answers each partition, asking again only the one refused retriably', async () => {
    const { admin, sent } = setup((_, request, call) => ({
      partitions: request.partitions!.map((p) => ({
        topic: p.topic, partition: p.partition,
        ...(p.partition === 1 && call === 1 ? { error: wire(ErrorCode.NOT_CONTROLLER) } : {}),
        ...(p.partition === 2 ? { error: wire(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'broker 9 is unknown') } : {}),
      })),
    }))
    const results = await admin.alterPartitionReassignments({
      partitions: [0, 1, 2].map((partition) => ({ topic: 't', partition, replicas: [1, 2] })), throttleBytesPerSec: 1000,
    })
    expect(results.map((r) => [r.partition, r.error?.errorName])).toEqual([[0, undefined], [1, undefined], [2, 'INVALID_REPLICA_ASSIGNMENT']])
    expect(results[2]!.error!.message).toBe('t-2: broker 9 is unknown')
    expect(sent.map((s) => s.request.partitions!.map((p) => p.partition))).toEqual([[0, 1, 2], [1]])
    expect(sent.every((s) => s.request.throttleBytesPerSec === 1000)).toBe(true)
  })

  it('takes a cancel asked again after a lost answer as done', async () => {
    const { admin } = setup((_, request, call) => {
      if (call === 1) throw new FaecieError(ErrorCode.REQUEST_TIMED_OUT, 'lost')
      return { partitions: request.partitions!.map((p) => ({ topic: p.topic, partition: p.partition, error: wire(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS) })) }
    })
    expect(await admin.alterPartitionReassignments({ partitions: [{ topic: 't', partition: 0, replicas: null }] })).toEqual([{ topic: 't', partition: 0 }])
  })

  it('reports a cancel with nothing to cancel when asked once', async () => {
    const { admin, sent } = setup((_, request) => ({ partitions: request.partitions!.map((p) => ({ topic: p.topic, partition: p.partition, error: wire(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS) })) }))
    const [result] = await admin.alterPartitionReassignments({ partitions: [{ topic: 't', partition: 0, replicas: null }] })
    expect(result!.error!.errorName).toBe('NO_REASSIGNMENT_IN_PROGRESS')
    expect(sent[0]!.request.partitions![0]!.replicas).toBeNull()
  })

  it('sends many partitions in chunks, the throttle alone with no partitions, and refuses a partition named twice', async () => {
    const { admin, sent } = setup((_, request) => ({ partitions: request.partitions!.map((p) => ({ topic: p.topic, partition: p.partition })) }))
    const count = REASSIGN_PARTITIONS_PER_REQUEST_MAX + 5
    const results = await admin.alterPartitionReassignments({ partitions: Array.from({ length: count }, (_, partition) => ({ topic: 't', partition, replicas: [1] })) })
    expect(results).toHaveLength(count)
    expect(sent.map((s) => s.request.partitions!.length)).toEqual([REASSIGN_PARTITIONS_PER_REQUEST_MAX, 5])
    await admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: 0 })
    expect(sent.at(-1)!.request).toEqual({ partitions: [], throttleBytesPerSec: 0 })
    await expect(admin.alterPartitionReassignments({ partitions: [{ topic: 't', partition: 0, replicas: [1] }, { topic: 't', partition: 0, replicas: [2] }] })).rejects.toThrow(/t-0 is named twice/)
    await expect(admin.alterPartitionReassignments({ partitions: [], throttleBytesPerSec: -1 })).rejects.toThrow(/throttleBytesPerSec/)
  })

  it('gives up on a partition still refused when the retry budget runs out, with its last error', async () => {
    const { admin, sent } = setup((_, request) => ({ partitions: request.partitions!.map((p) => ({ topic: p.topic, partition: p.partition, ...(p.partition === 0 ? { error: wire(ErrorCode.NOT_CONTROLLER) } : {}) })) }))
    const results = await admin.alterPartitionReassignments({ partitions: [0, 1].map((partition) => ({ topic: 't', partition, replicas: [1] })) })
    expect(results.map((r) => r.error?.errorName)).toEqual(['NOT_CONTROLLER', undefined])
    expect(sent).toHaveLength(4)
  })
})

describe('electLeaders', () => {
  it('does not retry a preferred leader that is not available, and returns each leader', async () => {
    const { admin, sent } = setup((_, request) => ({
      partitions: request.partitions!.map((p) => ({ topic: p.topic, partition: p.partition, leader: p.partition === 0 ? 2 : -1,
        ...(p.partition === 1 ? { error: wire(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE) } : {}) })),
    }))
    const results = await admin.electLeaders({ partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] })
    expect(results.map((r) => [r.leader, r.error?.errorName])).toEqual([[2, undefined], [-1, 'PREFERRED_LEADER_NOT_AVAILABLE']])
    expect(sent).toHaveLength(1)
  })

  it('asks for every partition when none are named', async () => {
    const { admin, sent } = setup(() => ({ partitions: [{ topic: 'a', partition: 0, leader: 1, error: wire(ErrorCode.ELECTION_NOT_NEEDED) }] }))
    const results = await admin.electLeaders()
    expect(sent[0]).toEqual({ op: 'electLeaders', request: { electionType: 'preferred' } })
    expect(results[0]!.error!.errorName).toBe('ELECTION_NOT_NEEDED')
  })
})
