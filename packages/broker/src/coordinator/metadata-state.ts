// The coordinator's state, rebuilt by applying the metadata log's records in order: the topics (with
// their ids, partition counts and config overrides) and the end of the last producer-id block. It
// is pure (no I/O), so replay and the live path apply records through the same code. Consumer groups
// have their own state beside this one (groups/group-coordinator.ts), fed from the group records of
// this log and from `__consumer_offsets`.
import { strict as assert } from 'node:assert'
import type { TopicConfig } from '../topics/config.js'
import type { MetadataRecord } from './records.js'

/** A topic as the broker knows it. Plain data: it crosses threads. */
export interface TopicMeta {
  topic: string
  topicId: string
  partitions: number
  /** The overrides set by clients; the effective config adds the defaults. */
  config: TopicConfig
  internal: boolean
}

export class MetadataState {
  readonly topics = new Map<string, TopicMeta>()
  /** Producer ids below this may have been handed out (by this run or an earlier one). */
  producerIdBlockEnd = 0
  /** Records applied so far (for logs). */
  recordsApplied = 0

  /** Applies one record. A record that contradicts the state is a broken invariant of the writer. */
  apply(record: MetadataRecord): TopicMeta | null | undefined {
    this.recordsApplied++
    switch (record.type) {
      case 'topic': {
        assert(!this.topics.has(record.topic), `topic ${record.topic} created twice`)
        const meta: TopicMeta = {
          topic: record.topic,
          topicId: record.topicId,
          partitions: record.partitions,
          config: { ...record.config },
          internal: record.topic.startsWith('__'),
        }
        this.topics.set(record.topic, meta)
        return meta
      }
      case 'topicDeleted': {
        this.#current(record.topic, record.topicId)
        this.topics.delete(record.topic)
        return null
      }
      case 'partitions': {
        const meta = this.#current(record.topic, record.topicId)
        assert(record.partitions >= meta.partitions, `${record.topic} shrank from ${meta.partitions} to ${record.partitions}`)
        const next = { ...meta, partitions: record.partitions }
        this.topics.set(record.topic, next)
        return next
      }
      case 'topicConfig': {
        const next = { ...this.#current(record.topic, record.topicId), config: { ...record.config } }
        this.topics.set(record.topic, next)
        return next
      }
      case 'producerIds':
        assert(record.end > this.producerIdBlockEnd, `producer id block end went from ${this.producerIdBlockEnd} to ${record.end}`)
        this.producerIdBlockEnd = record.end
        return undefined
      case 'group':
      case 'groupDeleted':
        // The consumer groups' own state (GroupCoordinator) applies these.
        return undefined
    }
  }

  #current(topic: string, topicId: string): TopicMeta {
    const meta = this.topics.get(topic)
    assert(meta !== undefined && meta.topicId === topicId, `record for ${topic} (${topicId}) which does not exist`)
    return meta
  }
}
