// CONTRACT STUB (issue 17, helper "classic" builds it): Kafka's ConsumerProtocol, the bytes Kafka's
// consumers put in a classic group's JoinGroup metadata (ConsumerProtocolSubscription, v0-3) and
// SyncGroup assignments (ConsumerProtocolAssignment, v0-3), non-flexible encoding, int16 version
// first. The broker reads them only to show a classic group (subscribed topics, assignments, lag)
// and keep the offsets of subscribed topics; a client's garbage decodes to undefined, never throws.
// The encoders write v0 (Kafka's DescribeGroups shows members this way for groups whose bytes the
// broker does not keep, faecie's own groups among them).

export interface ConsumerSubscription {
  topics: string[]
  userData: Uint8Array | null
  /** v1+. */
  ownedPartitions: Array<{ topic: string; partitions: number[] }>
  /** v2+; -1 before. */
  generationId: number
  /** v3+. */
  rackId: string | null
}

export interface ConsumerAssignment {
  assignedPartitions: Array<{ topic: string; partitions: number[] }>
  userData: Uint8Array | null
}

export function decodeConsumerSubscription(bytes: Uint8Array): ConsumerSubscription | undefined { void bytes; return undefined }
export function decodeConsumerAssignment(bytes: Uint8Array): ConsumerAssignment | undefined { void bytes; return undefined }
export function encodeConsumerSubscription(topics: readonly string[]): Uint8Array { void topics; return new Uint8Array(0) }
export function encodeConsumerAssignment(assigned: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): Uint8Array { void assigned; return new Uint8Array(0) }
