// Produce (v3-13; v0-2 are advertised but refused, see versions.ts): each partition's records go to
// the gateway's produce op, which appends them through the partition actor (acks 0, 1 and -1 as
// Kafka; idempotent producers' sequences checked there). A transactional produce is refused: faecie
// has no transactions (UNSUPPORTED_VERSION per partition, the error Java clients report as an
// unsupported feature). Topics named by id (v13) are looked up by id. In a cluster, a partition this
// broker does not lead is answered NOT_LEADER_OR_FOLLOWER with its leader (currentLeader and
// nodeEndpoints from v10, KIP-951) and never reaches the op; with acks 0 there is no answer to carry
// the error, so the connection is closed, as Kafka does, and the client refreshes its metadata.
// With --auth scram a topic the principal may not Write is answered TOPIC_AUTHORIZATION_FAILED per
// partition (audited) and never reaches the op, as Kafka answers it (the op checks again).
import { ACKS, ErrorCode, type Acks } from '@faecie/protocol'
import { CloseCode, NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultProduceResponsePartitionProduceResponse, readProduceRequest, writeProduceResponse, type ProduceRequest,
  type ProduceResponse, type ProduceResponseTopicProduceResponse } from '../generated/produce.js'
import { leaderEndpoints, misdirection, type Misdirection } from './cluster-view.js'
import { deniedCode, kafkaApi, topicNameById } from './context.js'

const EMPTY = new Uint8Array(0)

function refuseAll(request: ProduceRequest, errorCode: number, errorMessage: string): ProduceResponse {
  return {
    throttleTimeMs: 0, nodeEndpoints: [],
    responses: request.topicData.map((t) => ({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => ({
      ...defaultProduceResponsePartitionProduceResponse(), index: p.index, errorCode, errorMessage, baseOffset: -1n })) })),
  }
}

export const produce = kafkaApi<ProduceRequest, ProduceResponse>({
  api: KAFKA_APIS.Produce,
  read: readProduceRequest,
  write: writeProduceResponse,
  // The produce op hands the records to PartitionManager.produce, which copies them, before it first awaits.
  viewBytes: true,
  handle: async (request, version, ctx) => {
    if (request.transactionalId !== null) {
      return refuseAll(request, ErrorCode.UNSUPPORTED_VERSION, 'faecie does not support transactions')
    }
    if (!(ACKS as readonly number[]).includes(request.acks)) {
      return refuseAll(request, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${request.acks}`)
    }
    const names = request.topicData.map((t) => (version >= 13 ? topicNameById(ctx.gateway, t.topicId) ?? '' : t.name))
    const refused = names.map((name) => (name === '' ? 0 : deniedCode(ctx, 'Write', 'topic', name)))
    const misdirected = request.topicData.map((t, i) => t.partitionData.map((p) => (names[i] === '' || refused[i] !== 0 ? undefined : misdirection(ctx, names[i]!, p.index))))
    const led = request.topicData.map((t, i) => (refused[i] !== 0 ? [] : t.partitionData.filter((_p, j) => misdirected[i]![j] === undefined)))
    const elsewhere = misdirected.flat().filter((m): m is Misdirection => m !== undefined)
    const anyLed = led.some((partitions) => partitions.length > 0)
    const sent = names.map((_name, i) => i).filter((i) => refused[i] === 0)
    const position = new Map(sent.map((i, k) => [i, k]))
    const answer = (elsewhere.length > 0 || refused.some((code) => code !== 0)) && !anyLed ? undefined : await OP_HANDLERS.produce({
      acks: request.acks as Acks,
      timeoutMs: request.timeoutMs,
      // A refused topic is not named to the op at all (the op would refuse it again, and audit it twice).
      topics: sent.map((i) => ({ topic: names[i]!, partitions: led[i]!.map((p) => ({ partition: p.index, records: p.records ?? EMPTY })) })),
    }, ctx.op)
    if (request.acks === 0) {
      if (elsewhere.length > 0) ctx.op.session.close(CloseCode.protocolError, `produce with acks 0: ${elsewhere[0]!.errorMessage}`)
      return NO_RESPONSE
    }
    if (answer === NO_RESPONSE) return NO_RESPONSE
    const responses: ProduceResponseTopicProduceResponse[] = request.topicData.map((t, i) => {
      const results = answer?.topics[position.get(i) ?? -1]?.partitions ?? []
      let next = 0
      return {
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p, j) => {
          if (refused[i] !== 0) {
            return { ...defaultProduceResponsePartitionProduceResponse(), index: p.index, errorCode: refused[i]!, baseOffset: -1n,
              errorMessage: `Not authorized to Write to topic ${names[i]}.` }
          }
          const m = misdirected[i]![j]
          if (m !== undefined) {
            return { ...defaultProduceResponsePartitionProduceResponse(), index: p.index, errorCode: m.errorCode, errorMessage: m.errorMessage,
              baseOffset: -1n, currentLeader: { leaderId: m.leaderId, leaderEpoch: m.leaderEpoch } }
          }
          const r = results[next++]!
          return {
            ...defaultProduceResponsePartitionProduceResponse(),
            index: r.partition,
            errorCode: names[i] === '' ? ErrorCode.UNKNOWN_TOPIC_ID : r.error?.code ?? 0,
            errorMessage: r.error?.message ?? null,
            baseOffset: BigInt(r.baseOffset),
            logAppendTimeMs: BigInt(r.logAppendTime),
            logStartOffset: BigInt(r.logStartOffset),
          }
        }),
      }
    })
    return { responses, throttleTimeMs: 0, nodeEndpoints: leaderEndpoints(ctx, elsewhere) }
  },
})
