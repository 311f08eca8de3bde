// What a consumer group member makes the coordinator hold is bounded (issue 10): the coordinator
// keeps a member's memberId, groupInstanceId, clientId and subscribed topic names for as long as it
// lives (up to sessionTimeoutMsMax, 30 minutes), so each is capped (groups.memberFieldCharsMax,
// groups.subscribedTopicNamesMax, a topic name's 249 characters) and a join past them is answered
// INVALID_REQUEST. Before, every join with a 4 MB clientId grew the broker by 4 MB for good.
// Members of one group are capped too (groups.membersPerGroupMax: GROUP_MAX_SIZE_REACHED): every join
// walks the group's members, and a client joining one group thousands of times made the shared
// coordinator thread unresponsive for every group.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { startWithLimits, stopStartedBrokers } from '../support/abusive-clients.js'
import { startBrokerProcess } from '../support/broker-process.js'
import { RawClient } from '../support/broker-raw-client.js'

const MiB = 1024 * 1024

afterEach(stopStartedBrokers)

it('refuses member fields and subscriptions past their caps, so joins cannot pile up memory', { timeout: 120_000 }, async () => {
  const broker = await startWithLimits({})
  const client = await RawClient.connect(broker.url)
  await client.request('createTopics', { topics: [{ topic: 't' }] })
  const join = (groupId: string, extra: Record<string, unknown>): Promise<Record<string, unknown>> =>
    client.request('heartbeat', { groupId, memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], sessionTimeoutMs: 1_800_000, ...extra })
  const errorOf = async (answer: Promise<Record<string, unknown>>): Promise<unknown> => ((await answer).error as { name?: string } | undefined)?.name

  // At the caps, a join is taken; one character or one name more is refused.
  const at = 'x'.repeat(255)
  expect((await join('ok', { clientId: at, groupInstanceId: at })).memberEpoch).toBe(1)
  expect(await errorOf(join('g', { clientId: 'x'.repeat(256) }))).toBe('INVALID_REQUEST')
  expect(await errorOf(join('g', { groupInstanceId: 'x'.repeat(256) }))).toBe('INVALID_REQUEST')
  expect(await errorOf(join('g', { memberId: 'x'.repeat(256) }))).toBe('INVALID_REQUEST')
  expect(await errorOf(join('g', { subscribedTopicNames: ['n'.repeat(250)] }))).toBe('INVALID_REQUEST')
  expect(await errorOf(join('g', { subscribedTopicNames: Array.from({ length: 1001 }, (_, i) => `t${i}`) }))).toBe('INVALID_REQUEST')
  expect((await join('many', { subscribedTopicNames: Array.from({ length: 1000 }, (_, i) => `t${i}`) })).memberEpoch).toBe(1)

  // Sixty joins, each with a 4 MiB clientId or 4000 subscribed names of 1000 characters, in groups of
  // their own: every one refused, so none of it (~240 MiB) is kept and no group is made for them.
  for (let i = 0; i < 30; i++) {
    expect(await errorOf(join(`big${i}`, { clientId: 'c'.repeat(4 * MiB) }))).toBe('INVALID_REQUEST')
    expect(await errorOf(join(`names${i}`, { subscribedTopicNames: Array.from({ length: 4000 }, (_, j) => `${j}-${'n'.repeat(1000)}`) })))
      .toBe('INVALID_REQUEST')
  }
  const groups = await client.request('listGroups', {}) as { groups: Array<{ groupId: string }> }
  expect(groups.groups.map((g) => g.groupId).sort()).toEqual(['many', 'ok'])
  await client.close()
})

it('refuses a new member past groups.membersPerGroupMax with GROUP_MAX_SIZE_REACHED; members already in go on', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'faecie-groups-cap-'))
  writeFileSync(joinPath(dir, 'broker.json'), JSON.stringify({ groups: { membersPerGroupMax: 3, startupAssignmentDelayMs: 0 } }))
  const broker = await startBrokerProcess({ args: ['--config', joinPath(dir, 'broker.json')] })
  try {
    const client = await RawClient.connect(broker.url)
    await client.request('createTopics', { topics: [{ topic: 't', numPartitions: 3 }] })
    const join = (groupId: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
      client.request('heartbeat', { groupId, memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'], ...extra })
    const members = [await join('capped'), await join('capped'), await join('capped', { groupInstanceId: 'static-1' })]
    expect(members.map((m) => m.error)).toEqual([undefined, undefined, undefined])
    const refused = await join('capped')
    expect((refused.error as { name: string; message: string }).name).toBe('GROUP_MAX_SIZE_REACHED')
    expect((refused.error as { message: string }).message).toContain('membersPerGroupMax')
    // A member already in heartbeats as before; another group is not affected.
    const again = await client.request('heartbeat', { groupId: 'capped', memberId: members[0]!.memberId, memberEpoch: members[0]!.memberEpoch })
    expect(again.error).toBeUndefined()
    expect((await join('other')).error).toBeUndefined()
    // One leaves: a new member is taken again.
    expect((await client.request('heartbeat', { groupId: 'capped', memberId: members[1]!.memberId, memberEpoch: -1 })).error).toBeUndefined()
    expect((await join('capped')).error).toBeUndefined()
    await client.close()
  } finally {
    await broker.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
