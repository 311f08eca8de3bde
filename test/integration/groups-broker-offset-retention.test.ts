// Offset retention on a real broker process (Kafka's offsets.retention.minutes, here
// groups.offsetsRetentionMs, made tiny in its config file): groups made by offset commits under
// new ids, left empty, lose their offsets and are deleted, so listGroups no longer shows them; after a
// restart the coordinator replays neither them nor their offsets (its replay log line counts the
// groups it holds), while a group with a member subscribed to the topic keeps its offset throughout.
// Before, every group id ever committed to stayed in memory and in both logs for good.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { RawClient, type Frame } from '../support/broker-raw-client.js'
import { waitFor } from '../support/wait-for.js'

const GROUPS = 500

/** The number of groups the coordinator held after its last replay, from its log line. */
function groupsReplayed(broker: BrokerProcess): number | undefined {
  const lines = broker.logs().filter((line) => line.includes('committed offsets replayed'))
  const last = lines.at(-1)
  return last === undefined ? undefined : (JSON.parse(last) as { groups: number }).groups
}

async function groupIds(client: RawClient): Promise<string[]> {
  const answer = await client.request('listGroups', {})
  expect(answer.error).toBeUndefined()
  return (answer.groups as Frame[]).map((g) => g.groupId as string)
}

it('deletes empty groups once their offsets expire, and a restart does not bring them back', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faecie-offset-retention-'))
  // A long startup hold: after the restart, the live group waits for its member rather than expiring.
  writeFileSync(join(dir, 'broker.json'), JSON.stringify({
    groups: { offsetsRetentionMs: 1_000, offsetsRetentionCheckIntervalMs: 100, startupAssignmentDelayMs: 60_000 },
  }))
  let started: BrokerProcess | undefined
  try {
    const broker = started = await startBrokerProcess({ args: ['--config', join(dir, 'broker.json')] })
    let client = await RawClient.connect(broker.url)
    expect((await client.request('createTopics', { topics: [{ topic: 't' }] })).error).toBeUndefined()
    const member = await client.request('heartbeat', { groupId: 'live', memberId: '', memberEpoch: 0, subscribedTopicNames: ['t'],
      sessionTimeoutMs: 1_800_000 })
    expect(member.error).toBeUndefined()
    const live = await client.request('commitOffsets', { groupId: 'live', memberId: member.memberId, memberEpoch: member.memberEpoch,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 7 }] }] })
    expect(live.topics[0].partitions[0].error).toBeUndefined()
    for (let i = 0; i < GROUPS; i++) {
      const answer = await client.request('commitOffsets', { groupId: `once-${i}`, topics: [{ topic: 't', partitions: [{ partition: 0, offset: i }] }] })
      expect(answer.topics[0].partitions[0].error).toBeUndefined()
    }

    // Every group made by a commit alone goes; the one with a subscribed member stays.
    await waitFor('the empty groups to be deleted', async () => {
      const ids = await groupIds(client)
      return ids.length === 1 ? ids : undefined
    }, { timeoutMs: 60_000, intervalMs: 200 })
    expect(await groupIds(client)).toEqual(['live'])
    expect((await client.request('fetchOffsets', { groupId: 'once-3' })).topics).toEqual([])
    const kept = await client.request('fetchOffsets', { groupId: 'live', topics: [{ topic: 't' }] })
    expect(kept.topics[0].partitions[0].offset).toBe(7)
    await client.close()

    await broker.restart()
    expect(groupsReplayed(broker)).toBe(1)
    client = await RawClient.connect(broker.url)
    expect(await groupIds(client)).toEqual(['live'])
    expect((await client.request('fetchOffsets', { groupId: 'once-3' })).topics).toEqual([])
    await client.close()
  } finally {
    await started?.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
