// Op `produce`: appends each partition's record batches through its partition actor, which checks
// them (structure, CRC, max.message.bytes, producer sequences) and answers once they are durable
// under the topic's flush policy. Answered per partition; a partition's failure does not fail the
// others. Records larger than batchBytesMax are refused here with MESSAGE_TOO_LARGE without being
// copied. The frame's bytes are a view into memory ws may reuse: PartitionManager.produce copies
// them before this function first awaits (a topic being auto-created gets its bytes copied first).
// With acks 0 there is no answer; a failure closes the session, as Kafka closes the connection.
// In a cluster only the partition's leader appends: leadership is checked (isLeaderNow) before the
// append and again before the answer; a leader replaced meanwhile answers NOT_LEADER_OR_FOLLOWER
// (the records may be in its log, but were never acknowledged, and the new leader's log wins).
// ACLs (docs/acl-ops.md): Write on each topic, else its partitions answer TOPIC_AUTHORIZATION_FAILED
// and nothing of it is written; a topic auto-created here also needs Create (on the cluster or it).
import { ErrorCode, FaecieError, type ProducePartitionResult, type ProduceRequest, type WireError } from '@faecie/protocol'
import type { TopicMeta } from '../../coordinator/metadata-state.js'
import type { ProduceResult } from '../../partition/messages.js'
import { createRefusal, topicRefusals } from '../../security/op-access.js'
import { checkItemCount, CloseCode, NO_RESPONSE, notLeaderError, unknownTopicOrPartition, wireError, type Gateway, type OpHandler } from '../context.js'

type Outcome = Promise<ProduceResult>

function failed(partition: number, error: WireError): ProducePartitionResult {
  return { partition, baseOffset: -1, logAppendTime: -1, logStartOffset: -1, error }
}

/** Starts the append of one partition's records (synchronously copying them), or throws why not. */
function append(gateway: Gateway, meta: TopicMeta | undefined, topic: string, partition: number,
  records: Uint8Array, acks: ProduceRequest['acks']): Outcome {
  if (meta === undefined) throw unknownTopicOrPartition(topic, partition)
  if (meta.internal) throw new FaecieError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${topic} is internal to the broker.`)
  if (partition >= meta.partitions) throw unknownTopicOrPartition(topic, partition)
  const notLeader = notLeaderError(gateway, topic, partition)
  if (notLeader !== undefined) throw notLeader
  return gateway.partitions.produce(topic, partition, records, acks)
}

export const produce: OpHandler<'produce'> = async (request, { gateway, session }) => {
  const { limits, topics, broker, security } = gateway
  checkItemCount(request.topics.reduce((n, t) => n + 1 + t.partitions.length, 0), limits)
  const refused = topicRefusals(security, session, 'Write', request.topics.map((t) => t.topic))
  // Every append starts before the first await, while the frame's bytes are still valid.
  const pending = request.topics.map((t) => {
    const meta = topics.lookup(t.topic)
    const autoCreate = meta === undefined && broker.autoCreateTopics && !refused.has(t.topic)
    const refusal = refused.get(t.topic) ?? (autoCreate ? createRefusal(security, session, t.topic) : undefined)
    if (refusal !== undefined) refused.set(t.topic, refusal)
    const created = autoCreate && refusal === undefined ? topics.ensure(t.topic) : undefined
    return {
      topic: t.topic,
      partitions: t.partitions.map(({ partition, records }): { partition: number; bytes: number; outcome: Outcome } => {
        const bytes = records.length
        try {
          if (refusal !== undefined) throw refusal
          if (records.length > limits.batchBytesMax) {
            throw new FaecieError(ErrorCode.MESSAGE_TOO_LARGE,
              `${records.length} bytes of records for ${t.topic}-${partition}; at most ${limits.batchBytesMax} (batchBytesMax).`)
          }
          if (created === undefined) return { partition, bytes, outcome: append(gateway, meta, t.topic, partition, records, request.acks) }
          const owned = records.slice()
          return { partition, bytes, outcome: created.then((m) => append(gateway, m, t.topic, partition, owned, request.acks)) }
        } catch (err) {
          return { partition, bytes, outcome: Promise.reject(err) }
        }
      }),
    }
  })
  const answers = await Promise.all(pending.map(async (t) => ({
    topic: t.topic,
    partitions: await Promise.all(t.partitions.map(({ partition, bytes, outcome }) => outcome.then(
      (r): ProducePartitionResult => {
        const replaced = notLeaderError(gateway, t.topic, partition)
        if (replaced !== undefined) return failed(partition, replaced.toWire())
        if (!r.duplicate) gateway.metrics.recordIn(t.topic, r.lastOffset - r.baseOffset + 1, bytes)
        return { partition, baseOffset: r.baseOffset, logAppendTime: r.logAppendTime, logStartOffset: r.logStartOffset }
      },
      (err: unknown) => failed(partition, wireError(err, session.logger)),
    ))),
  })))
  if (request.acks !== 0) return { topics: answers }
  const failure = answers.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))).find((p) => p.error !== undefined)
  if (failure !== undefined) {
    session.logger.warn({ topic: failure.topic, partition: failure.partition, error: failure.error }, 'produce with acks 0 failed: closing the session')
    session.close(CloseCode.protocolError, `produce with acks 0 to ${failure.topic}-${failure.partition} failed: ${failure.error!.name}`)
  }
  return NO_RESPONSE
}
