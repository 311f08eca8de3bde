// Classic groups in a cluster's group shard: a classic op goes through the shard's write barrier
// (the new group's record committed before any answer), a join the group holds is answered
// NOT_COORDINATOR when the shard closes or fails (no held answer hangs), and a shard loaded from the
// partition brings the classic group back Empty with its offsets.
import { describe, expect, it } from 'vitest'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { encodeConsumerSubscription } from './consumer-protocol.js'
import { GroupShard } from './group-shard.js'
import type { JoinGroupRequest } from './kafka-group-ops.js'
import { MemoryOffsetsHost } from './shard-test-support.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
const INITIAL_DELAY_MS = 100

class World {
  now = 1_000
  readonly topics = new Map([['t', { partitions: 4, topicId: 'id-t' }]])

  async loaded(host: MemoryOffsetsHost): Promise<GroupShard> {
    const shard = new GroupShard({ partition: 3, host, clock: () => this.now, logger: silentLogger(),
      topics: { topic: (t) => this.topics.get(t), names: () => [...this.topics.keys()] }, classicSettings: { initialRebalanceDelayMs: INITIAL_DELAY_MS } })
    const loading = shard.load()
    await turn()
    host.commitAll()
    await loading
    return shard
  }
}

const join = (memberId = ''): JoinGroupRequest => ({ groupId: 'g', memberId, clientId: 'kcat', clientHost: '/10.0.0.1', sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeConsumerSubscription(['t']) }], requireKnownMemberId: false })

describe('classic groups in a group shard', () => {
  it('a join is answered only after its group record committed, then once the group answers', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    const shard = await world.loaded(host)
    const answered: number[] = []
    const held = shard.runKafka('joinGroup', join()).then((r) => { answered.push(r.errorCode); return r })
    const sent = host.appends.length
    expect(sent).toBeGreaterThan(1) // the load marker, then the classic group's record
    world.now += INITIAL_DELAY_MS
    shard.tick()
    await turn()
    expect(answered).toEqual([]) // the group has answered, its record is not committed yet
    host.commitAll()
    const result = await held
    expect(result.errorCode).toBe(0)
    expect(result.leader).toBe(result.memberId)
    shard.close('test')
  })

  it('close and failure answer held joins NOT_COORDINATOR', async () => {
    const world = new World()
    for (const end of ['close', 'fail'] as const) {
      const host = new MemoryOffsetsHost()
      host.autoCommit = true
      const shard = await world.loaded(host)
      const first = shard.runKafka('joinGroup', join())
      await turn()
      if (end === 'close') shard.close('no longer the leader')
      else {
        host.autoCommit = false
        const commit = shard.run('commitOffsets', { groupId: 'other', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1 }] }] }).catch(() => undefined)
        host.appends.at(-1)!.fail()
        await commit
      }
      const outcome = await first.then((r) => r.errorCode, (err: unknown) => (err as FaecieError).code)
      expect(outcome).toBe(ErrorCode.NOT_COORDINATOR)
      expect(shard.state).toBe(end === 'close' ? 'closed' : 'failed')
    }
  })

  it('a shard loaded from the partition has the classic group back, Empty, with its offsets', async () => {
    const world = new World()
    const host = new MemoryOffsetsHost()
    host.autoCommit = true
    const shard = await world.loaded(host)
    await shard.run('commitOffsets', { groupId: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 4 }] }] })
    const held = shard.runKafka('joinGroup', join())
    await turn()
    world.now += INITIAL_DELAY_MS
    shard.tick()
    expect((await held).errorCode).toBe(0)
    shard.close('moved')
    await shard.appendsSettled()

    const next = await world.loaded(new MemoryOffsetsHost(host.log.map((b) => b.bytes)))
    const described = (await next.run('describeGroups', { groupIds: ['g'] })).groups[0]!
    expect(described).toMatchObject({ type: 'classic', state: 'Empty', protocolType: 'consumer' })
    const fetched = await next.run('fetchOffsets', { groupId: 'g' })
    expect(fetched.topics[0]!.partitions[0]!.offset).toBe(4)
    next.close('done')
  })
})
