// Fetch (v4-18) without fetch sessions: every request is answered in full with session id 0, which
// Kafka's clients take as "the broker keeps no session" and go on sending full fetch requests (as
// with a broker whose session cache is full). A request naming a session (id > 0) gets
// FETCH_SESSION_ID_NOT_FOUND. The reading itself is the gateway's fetch op (long poll, minBytes,
// maxBytes, per-partition maxBytes, the read budget); faecie has no transactions, so the last stable
// offset is the high watermark and no transaction is ever aborted. In a cluster, a partition this
// broker does not lead is answered NOT_LEADER_OR_FOLLOWER with its leader (currentLeader from v12,
// nodeEndpoints from v16) and never reaches the op. With --auth scram a topic the principal may not
// Read is answered TOPIC_AUTHORIZATION_FAILED per partition (audited) and never reaches the op either.
import { ErrorCode } from '@faecie/protocol'
import { NO_RESPONSE } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultFetchResponse, defaultFetchResponsePartitionData, readFetchRequest, writeFetchResponse, type FetchRequest,
  type FetchResponse } from '../generated/fetch.js'
import { leaderEndpoints, misdirection, type Misdirection } from './cluster-view.js'
import { deniedCode, kafkaApi, topicNameById } from './context.js'

const FETCH_SESSION_ID_NOT_FOUND = 70

export const fetch = kafkaApi<FetchRequest, FetchResponse>({
  api: KAFKA_APIS.Fetch,
  read: readFetchRequest,
  write: writeFetchResponse,
  handle: async (request, version, ctx) => {
    if (request.sessionId !== 0) return { ...defaultFetchResponse(), errorCode: FETCH_SESSION_ID_NOT_FOUND }
    const names = request.topics.map((t) => (version >= 13 ? topicNameById(ctx.gateway, t.topicId) ?? '' : t.topic))
    const refused = names.map((name) => (name === '' ? 0 : deniedCode(ctx, 'Read', 'topic', name)))
    const misdirected = request.topics.map((t, i) => t.partitions.map((p) => (names[i] === '' || refused[i] !== 0 ? undefined : misdirection(ctx, names[i]!, p.partition))))
    const led = request.topics.map((t, i) => (refused[i] !== 0 ? [] : t.partitions.filter((_p, j) => misdirected[i]![j] === undefined)))
    const sent = names.map((_name, i) => i).filter((i) => refused[i] === 0)
    const position = new Map(sent.map((i, k) => [i, k]))
    const elsewhere = misdirected.flat().filter((m): m is Misdirection => m !== undefined)
    // Nothing led here: answered at once (no long poll on partitions this broker cannot serve, or may not read).
    const answer = (elsewhere.length > 0 || refused.some((code) => code !== 0)) && !led.some((partitions) => partitions.length > 0) ? undefined : await OP_HANDLERS.fetch({
      maxWaitMs: Math.max(0, request.maxWaitMs),
      minBytes: Math.max(0, request.minBytes),
      maxBytes: Math.max(1, request.maxBytes),
      // A refused topic is not named to the op at all (the op would refuse it again, and audit it twice).
      topics: sent.map((i) => ({
        topic: names[i]!,
        partitions: led[i]!.map((p) => ({ partition: p.partition, offset: Number(p.fetchOffset), maxBytes: Math.max(1, p.partitionMaxBytes) })),
      })),
    }, ctx.op)
    if (answer === NO_RESPONSE) throw new Error('fetch always answers')
    return {
      ...defaultFetchResponse(),
      responses: request.topics.map((t, i) => {
        const results = answer?.topics[position.get(i) ?? -1]?.partitions ?? []
        let next = 0
        return {
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p, j) => {
            if (refused[i] !== 0) return { ...defaultFetchResponsePartitionData(), partitionIndex: p.partition, errorCode: refused[i]!, highWatermark: -1n }
            const m = misdirected[i]![j]
            if (m !== undefined) {
              return { ...defaultFetchResponsePartitionData(), partitionIndex: p.partition, errorCode: m.errorCode, highWatermark: -1n,
                currentLeader: { leaderId: m.leaderId, leaderEpoch: m.leaderEpoch } }
            }
            const r = results[next++]!
            return {
              ...defaultFetchResponsePartitionData(),
              partitionIndex: r.partition,
              errorCode: names[i] === '' ? ErrorCode.UNKNOWN_TOPIC_ID : r.error?.code ?? 0,
              highWatermark: BigInt(r.highWatermark),
              lastStableOffset: BigInt(r.highWatermark),
              logStartOffset: BigInt(r.logStartOffset),
              records: r.records,
            }
          }),
        }
      }),
      nodeEndpoints: leaderEndpoints(ctx, elsewhere),
    }
  },
})
