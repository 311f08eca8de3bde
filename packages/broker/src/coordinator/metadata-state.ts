// The coordinator's state, rebuilt by applying the metadata log's records in order: the topics (with
// their ids, partition counts and config overrides) and the end of the last producer-id block. It
// is pure (no I/O), so replay and the live path apply records through the same code. Consumer groups
// have their own state beside this one (groups/group-coordinator.ts), fed from the group records of
// this log and from `__consumer_offsets`.
//
// Users (SCRAM credentials) and ACLs are kept here as their records (plain data, bytes in base64):
// the coordinator checks writes against them (limits, what exists) and hands the main thread a
// snapshot of them at start (`securityRecords`), which it applies to its SecurityState.
import { strict as assert } from 'node:assert'
import type { AclBinding, ScramMechanism } from '@faecie/protocol'
import type { TopicConfig } from '../topics/config.js'
import type { MetadataRecord, ScramCredentialRecord, SecurityRecord } from './records.js'

/** The one key of an ACL binding (de-duplication; the same as security-state.ts aclKey). */
export function bindingKey(b: AclBinding): string {
  return JSON.stringify([b.principal, b.host, b.resourceType, b.resourceName, b.patternType, b.operation, b.permission])
}

/** The binding's known fields only (a record read back may carry more). */
export function plainBinding(b: AclBinding): AclBinding {
  return { principal: b.principal, host: b.host, resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType,
    operation: b.operation, permission: b.permission }
}

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
  /** SCRAM credentials by user, then mechanism. */
  readonly credentials = new Map<string, Map<ScramMechanism, ScramCredentialRecord>>()
  /** ACLs by bindingKey. */
  readonly acls = new Map<string, AclBinding>()

  /** Every user and ACL as records: what a fresh SecurityState applies to be current. */
  securityRecords(): SecurityRecord[] {
    const out: SecurityRecord[] = []
    for (const byMechanism of this.credentials.values()) out.push(...byMechanism.values())
    for (const binding of this.acls.values()) out.push({ v: 1, type: 'acl', binding })
    return out
  }

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
      case 'scramCredential': {
        let byMechanism = this.credentials.get(record.user)
        if (byMechanism === undefined) this.credentials.set(record.user, byMechanism = new Map())
        byMechanism.set(record.mechanism, { v: 1, type: 'scramCredential', user: record.user, mechanism: record.mechanism, salt: record.salt,
          iterations: record.iterations, storedKey: record.storedKey, serverKey: record.serverKey })
        return undefined
      }
      case 'scramCredentialDeleted': {
        // A deletion is only written for a credential that exists; replay tolerates none (idempotent).
        const byMechanism = this.credentials.get(record.user)
        byMechanism?.delete(record.mechanism)
        if (byMechanism?.size === 0) this.credentials.delete(record.user)
        return undefined
      }
      case 'acl':
        this.acls.set(bindingKey(record.binding), plainBinding(record.binding))
        return undefined
      case 'aclDeleted':
        this.acls.delete(bindingKey(record.binding))
        return undefined
    }
  }

  #current(topic: string, topicId: string): TopicMeta {
    const meta = this.topics.get(topic)
    assert(meta !== undefined && meta.topicId === topicId, `record for ${topic} (${topicId}) which does not exist`)
    return meta
  }
}
