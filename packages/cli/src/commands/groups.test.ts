// `faecie groups describe`'s text: the table as kafka-consumer-groups.sh prints it, and a total lag
// that says which partitions it leaves out; classic groups with their type, protocol and generation;
// `groups list --type --state`'s columns.
import type { DescribedGroup } from '@faecie/protocol'
import { RETRY_DEFAULTS, retryWindowMs, type GroupLag } from '@faecie/client'
import { describe, expect, it } from 'vitest'
import { BROKER_SESSION_TIMEOUT_MS_DEFAULT, CLI_RETRY } from '../connect.js'
import { describeLines, listLines } from './groups.js'

const group = { groupId: 'g', state: 'Empty', members: [], groupEpoch: 3, assignor: 'uniform' } as unknown as DescribedGroup

describe('describeLines', () => {
  it('counts the lag of committed partitions and says how many have nothing committed', () => {
    const lag: GroupLag = { groupId: 'g', totalLag: 2, partitions: [
      { topic: 't', partition: 0, committed: 1, end: 3, lag: 2 },
      { topic: 't', partition: 1, committed: -1, end: 4, lag: undefined },
    ] }
    const lines = describeLines(group, lag)
    expect(lines[0]).toBe("Consumer group 'g' has no active members (state Empty).")
    expect(lines.slice(3, 5).map((l) => l.split(/\s+/).slice(0, 6))).toEqual([['g', 't', '0', '1', '3', '2'], ['g', 't', '1', '-', '4', '-']])
    expect(lines.at(-1)).toBe('TOTAL-LAG: 2 (not counting 1 partition with no committed offset)')
  })

  it('says so when the group has nothing to show', () => {
    expect(describeLines(group, { groupId: 'g', totalLag: 0, partitions: [] }).at(-1)).toBe('The group has committed no offsets and its members own no partitions.')
  })
})

describe('classic groups', () => {
  const classic = { ...group, type: 'classic', protocolType: 'consumer', state: 'CompletingRebalance', groupEpoch: 4, assignor: 'range',
    members: [{ memberId: 'rdkafka-1' }, { memberId: 'rdkafka-2' }] } as unknown as DescribedGroup
  const lag: GroupLag = { groupId: 'g', totalLag: 0, partitions: [{ topic: 't', partition: 0, committed: 1, end: 1, lag: 0 }] }

  it('say their type, protocol type, Kafka\'s classic state, generation and protocol in describe\'s head line', () => {
    expect(describeLines(classic, lag)[0]).toBe("Consumer group 'g' (classic, protocol type consumer) has state CompletingRebalance, 2 members (generation 4, protocol range).")
    expect(describeLines({ ...classic, members: [], state: 'Empty' } as unknown as DescribedGroup, lag)[0])
      .toBe("Consumer group 'g' (classic, protocol type consumer) has no active members (state Empty).")
    expect(describeLines({ ...group, state: 'Stable', members: [{}] } as unknown as DescribedGroup, lag)[0])
      .toBe("Consumer group 'g' has state Stable, 1 member (group epoch 3, assignor uniform).")
  })

  it('show in list --type --state with TYPE, PROTOCOL-TYPE and STATE columns', () => {
    const groups = [
      { groupId: 'kcat-group', state: 'PreparingRebalance', groupEpoch: 2, members: 1, type: 'classic', protocolType: 'consumer' },
      { groupId: 'faecie-group', state: 'Reconciling', groupEpoch: 7, members: 2 },
    ] as const
    expect(listLines(groups, true, true).map((l) => l.split(/\s+/))).toEqual([
      ['GROUP', 'TYPE', 'PROTOCOL-TYPE', 'STATE'],
      ['kcat-group', 'classic', 'consumer', 'PreparingRebalance'],
      ['faecie-group', 'consumer', 'consumer', 'Reconciling'],
    ])
    expect(listLines(groups, false, true).map((l) => l.split(/\s+/))).toEqual([['GROUP', 'STATE'], ['kcat-group', 'PreparingRebalance'], ['faecie-group', 'Reconciling']])
  })
})

describe('the coordinator', () => {
  it('is named under the head line, as kafka-consumer-groups --describe --state does', () => {
    const lines = describeLines({ ...group, coordinator: { brokerId: 2, url: 'ws://h2:8092' } } as typeof group, { groupId: 'g', totalLag: 0, partitions: [] })
    expect(lines.slice(0, 2)).toEqual(["Consumer group 'g' has no active members (state Empty).", 'COORDINATOR (ID): ws://h2:8092 (2)'])
  })
})

describe('the CLI\'s retry budget', () => {
  it('rides out a broker killed a moment ago (registered until its session times out), with room to find its successor', () => {
    expect(retryWindowMs({ ...RETRY_DEFAULTS, ...CLI_RETRY })).toBeGreaterThan(BROKER_SESSION_TIMEOUT_MS_DEFAULT * 1.5)
  })
})
