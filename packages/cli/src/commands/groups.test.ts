// `faecie groups describe`'s text: the table as kafka-consumer-groups.sh prints it, and a total lag
// that says which partitions it leaves out.
import type { DescribedGroup } from '@faecie/protocol'
import type { GroupLag } from '@faecie/client'
import { describe, expect, it } from 'vitest'
import { describeLines } from './groups.js'

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
