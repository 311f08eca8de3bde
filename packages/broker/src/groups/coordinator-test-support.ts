// For tests of the group coordinator (group-coordinator.ts and what it delegates to): a world of
// topics, a fake clock and the two logs the coordinator writes (offset records and group records)
// kept in memory, from which open() makes a coordinator replaying them, as a broker does at start.
// Test files extend it with helpers of their own.
import type { ClassicGroupSettings } from './classic-settings.js'
import type { GroupSettings } from './consumer-group.js'
import { GroupCoordinator, type GroupRecord } from './group-coordinator.js'
import type { OffsetRecord } from './offset-records.js'
import { silentLogger } from '../log.js'

export interface CoordinatorWorldOptions {
  /** The topics there are, by name (default: none). */
  topics?: ReadonlyArray<readonly [string, { partitions: number; topicId: string }]>
  settings?: Partial<GroupSettings>
  classicSettings?: Partial<ClassicGroupSettings>
}

export class CoordinatorWorld {
  now = 1_000
  readonly topics: Map<string, { partitions: number; topicId: string }>
  readonly offsetLog: OffsetRecord[] = []
  readonly groupLog: GroupRecord[] = []
  readonly #options: CoordinatorWorldOptions
  #memberIds = 0
  coordinator: GroupCoordinator

  constructor(options: CoordinatorWorldOptions = {}) {
    this.#options = options
    this.topics = new Map(options.topics ?? [])
    this.coordinator = this.open()
  }

  /** A new coordinator replaying both logs (as after a restart); `coordinator` is left as it was. Member ids m1, m2, ... */
  open(): GroupCoordinator {
    const c = new GroupCoordinator({
      clock: () => this.now,
      topics: { topic: (t) => this.topics.get(t), names: () => [...this.topics.keys()] },
      appendOffsets: (records) => this.offsetLog.push(...records),
      recordGroups: (records) => this.groupLog.push(...records),
      logger: silentLogger(),
      newMemberId: () => `m${++this.#memberIds}`,
    }, this.#options.settings ?? {}, this.#options.classicSettings ?? {})
    for (const r of this.groupLog) c.applyGroupRecord(r)
    for (const r of this.offsetLog) c.applyOffsetRecord(r)
    return c
  }
}
