// Kafka's OffsetDelete (KIP-496) for either type of group: the committed offsets of partitions the
// group does not consume are tombstoned. As Kafka:
//   the group does not exist                                   GROUP_ID_NOT_FOUND, nothing deleted
//   a classic group with members of another protocol than
//   'consumer' (their subscriptions are unknown)               NON_EMPTY_GROUP, nothing deleted
//   a partition of a topic a member subscribes to              GROUP_SUBSCRIBED_TO_TOPIC for it
//   any other partition                                        0 (its offset tombstoned, if any)
// Pure: the coordinator writes the tombstones, then applies them.
import { ErrorCode } from '@faecie/protocol'
import type { DeleteOffsetsRequest, DeleteOffsetsResult } from './kafka-group-ops.js'
import { offsetKey, type CommittedOffset, type OffsetRecord } from './offset-records.js'
import type { RetainedGroup } from './offset-retention.js'

export interface OffsetDeleteGroup {
  retained: RetainedGroup
  /** A classic group whose members' subscriptions are unknown (protocolType not 'consumer'). */
  classicOfOtherProtocol: boolean
}

export function deleteOffsets(request: DeleteOffsetsRequest, group: OffsetDeleteGroup | undefined,
  offsets: ReadonlyMap<string, CommittedOffset> | undefined): { result: DeleteOffsetsResult; tombstones: OffsetRecord[] } {
  if (group === undefined) return { result: { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] }, tombstones: [] }
  const members = group.retained.members.size
  if (members > 0 && group.classicOfOtherProtocol) return { result: { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] }, tombstones: [] }
  const tombstones: OffsetRecord[] = []
  const topics = request.topics.map((t) => {
    const subscribed = members > 0 && group.retained.subscribes(t.topic)
    return {
      topic: t.topic,
      partitions: t.partitions.map((partition) => {
        if (subscribed) return { partition, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }
        if (offsets?.has(offsetKey(t.topic, partition)) === true) tombstones.push({ groupId: request.groupId, topic: t.topic, partition, value: null })
        return { partition, errorCode: 0 }
      }),
    }
  })
  return { result: { errorCode: 0, topics }, tombstones }
}
