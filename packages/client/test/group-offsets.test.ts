// A group member's commit retried after STALE_MEMBER_EPOCH (a heartbeat moved the epoch on) is
// retried only for partitions the member has held without a break since the commit began: a
// partition lost and taken back meanwhile may have been committed further by its owner in between,
// and the old offset must not rewind it.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError, type CommitOffsetsRequest, type CommitOffsetsResponse } from '@faecie/protocol'
import type { Cluster } from '../src/cluster.js'
import { Coordinators } from '../src/coordinators.js'
import { GroupOffsets } from '../src/consumer/group-offsets.js'

type Answer = (request: CommitOffsetsRequest) => CommitOffsetsResponse

function staleFor(request: CommitOffsetsRequest): CommitOffsetsResponse {
  const error = new FaecieError(ErrorCode.STALE_MEMBER_EPOCH, 'stale').toWire()
  return { topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, error })) })) }
}

function accepted(request: CommitOffsetsRequest): CommitOffsetsResponse {
  return { topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition })) })) }
}

function setup(answers: Answer[], onRequest: (sentCount: number) => void = () => undefined) {
  const sent: CommitOffsetsRequest[] = []
  const member = { memberId: 'm1', memberEpoch: 3 }
  const cluster = {
    config: { retry: { retries: 5, initialRetryTimeMs: 0, maxRetryTimeMs: 0, multiplier: 1, jitter: 0 }, metadataMaxAgeMs: 1_000 },
    signal: new AbortController().signal,
    // A single broker: findCoordinator names broker 1, reached over the one connection.
    request: async (op: string) => {
      expect(op).toBe('findCoordinator')
      return { key: 'g', brokerId: 1, url: 'ws://b1:1', partition: 0 }
    },
    brokerConnection: async () => connection,
  } as unknown as Cluster
  const connection = {
    hello: { brokerId: 1 },
    request: async (op: string, request: CommitOffsetsRequest) => {
      expect(op).toBe('commitOffsets')
      sent.push(structuredClone(request))
      onRequest(sent.length)
      const answer = answers.shift() ?? accepted
      return answer(request)
    },
  }
  const offsets = new GroupOffsets(new Coordinators(cluster), 'g', () => ({ ...member }))
  return { sent, member, offsets }
}

describe('GroupOffsets commit retries', () => {
  it('does not retry an offset a later commit has been sent for since (it would move the committed offset back)', async () => {
    const tp0 = { topic: 't', partition: 0 }
    const tp1 = { topic: 't', partition: 1 }
    let offsets!: GroupOffsets
    let later: Promise<void> | undefined
    const lost = (): CommitOffsetsResponse => {
      throw new FaecieError(ErrorCode.NETWORK_EXCEPTION, 'the coordinator died with the answer')
    }
    const env = setup([lost], (count) => {
      // While the first commit is out (and then lost), the next one goes with newer offsets for partition 0.
      if (count === 1) later = offsets.commit([{ ...tp0, offset: 9 }])
    })
    offsets = env.offsets
    offsets.hold([tp0, tp1])
    await offsets.commit([{ ...tp0, offset: 5 }, { ...tp1, offset: 3 }])
    await later
    expect(env.sent.map((r) => r.topics[0]!.partitions)).toEqual([
      [{ partition: 0, offset: 5 }, { partition: 1, offset: 3 }],
      [{ partition: 0, offset: 9 }],
      [{ partition: 1, offset: 3 }], // the retry: partition 0 is the later commit's
    ])
  })

  it('drops a partition lost and taken back while its commit was retried, and says so', async () => {
    const tp0 = { topic: 't', partition: 0 }
    const tp1 = { topic: 't', partition: 1 }
    let offsets!: GroupOffsets
    let member!: { memberEpoch: number }
    const env = setup([staleFor], (count) => {
      if (count !== 1) return
      // While the first attempt is out: partition 0 is revoked, another member commits it further,
      // and it comes back at a later epoch. Partition 1 stays held throughout.
      offsets.forget([tp0])
      offsets.hold([tp0])
      member.memberEpoch = 5
    })
    offsets = env.offsets
    member = env.member
    offsets.hold([tp0, tp1])
    const commit = offsets.commit([{ ...tp0, offset: 100 }, { ...tp1, offset: 7 }])
    await expect(commit).rejects.toMatchObject({ code: ErrorCode.STALE_MEMBER_EPOCH, message: expect.stringContaining('t-0') })
    expect(env.sent).toHaveLength(2)
    expect(env.sent[1]).toMatchObject({ memberId: 'm1', memberEpoch: 5, topics: [{ topic: 't', partitions: [{ partition: 1, offset: 7 }] }] })
  })

  it('retries a partition held throughout with the new epoch', async () => {
    const tp0 = { topic: 't', partition: 0 }
    let member!: { memberEpoch: number }
    const env = setup([staleFor], (count) => {
      if (count === 1) member.memberEpoch = 4
    })
    member = env.member
    env.offsets.hold([tp0])
    await env.offsets.commit([{ ...tp0, offset: 100 }])
    expect(env.sent.map((r) => r.memberEpoch)).toEqual([3, 4])
    expect(env.sent[1]!.topics).toEqual([{ topic: 't', partitions: [{ partition: 0, offset: 100 }] }])
  })

  it('leaves a consumed offset dirty when its partition moved on during the commit', async () => {
    const tp0 = { topic: 't', partition: 0 }
    let offsets!: GroupOffsets
    const env = setup([staleFor], (count) => {
      if (count !== 1) return
      offsets.forget([tp0])
      offsets.hold([tp0])
      offsets.started('t', 0, 50)
      offsets.consume('t', 0, 100)
    })
    offsets = env.offsets
    offsets.hold([tp0])
    offsets.consume('t', 0, 100)
    await expect(offsets.commitConsumed()).rejects.toMatchObject({ code: ErrorCode.STALE_MEMBER_EPOCH })
    expect(env.sent).toHaveLength(1)
    // The 100 consumed in the new tenure was never committed: the next commit sends it.
    await offsets.commitConsumed()
    expect(env.sent).toHaveLength(2)
    expect(env.sent[1]!.topics).toEqual([{ topic: 't', partitions: [{ partition: 0, offset: 100 }] }])
  })
})
