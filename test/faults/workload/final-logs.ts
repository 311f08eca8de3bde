// The workload's view of the cluster that does not go through @faecie/client (the campaign checks the
// client; what it compares against must not depend on it): raw protocol sessions
// (../../support/broker-raw-client.ts) to the brokers of the bootstrap list, for
//   - topicState: each partition's leader, replicas and ISR, from the first broker that answers;
//   - waitForFullIsr: until every partition has a leader and all its replicas in sync (bounded);
//   - highWatermarks: each partition's high watermark, from its leader (what the readers must reach);
//   - readFinalLog: a partition's records from its log start to its high watermark, read from its
//     leader, whose URL the metadata names (the same address the clients use).
// Every connect and request is bounded (RAW_REQUEST_TIMEOUT_MS), so a dead or paused broker costs a
// timeout, never a hang.
import type { MetadataBroker, MetadataPartition } from '@faecie/protocol'
import type { FinalLog } from '../history/history.js'
import { RawClient, fetchFrame, firstPartition, lastBatchEnd, offsetsOf, valuesOf } from '../../support/broker-raw-client.js'
import { waitFor } from '../../support/wait-for.js'

/** A raw session's connect, and each request on it. */
export const RAW_REQUEST_TIMEOUT_MS = 5_000
/** Record bytes asked for per fetch of the final read. */
const FINAL_FETCH_BYTES_MAX = 1024 * 1024
/** OFFSET_OUT_OF_RANGE: the protocol's error code (errors.ts). */
const OFFSET_OUT_OF_RANGE = 1

export interface TopicState {
  brokers: MetadataBroker[]
  partitions: MetadataPartition[]
}

/** `ws://host:port` as RawClient.connect takes it (it adds the path itself). */
function baseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v1\/ws$/, '')
}

async function withSession<T>(url: string, use: (client: RawClient) => Promise<T>): Promise<T> {
  const connecting = RawClient.connect(baseUrl(url))
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no session with ${url} within ${RAW_REQUEST_TIMEOUT_MS} ms`)), RAW_REQUEST_TIMEOUT_MS)
  })
  let client: RawClient
  try {
    client = await Promise.race([connecting, timeout])
  } catch (err) {
    void connecting.then((late) => late.close(), () => undefined)
    throw err
  } finally {
    clearTimeout(timer)
  }
  try {
    return await use(client)
  } finally {
    void client.close()
  }
}

/** The topic's partitions as the first broker of `urls` that answers says. */
export async function topicState(urls: string[], topic: string): Promise<TopicState> {
  let lastError: unknown = new Error('no broker URL')
  for (const url of urls) {
    try {
      const answer = await withSession(url, (c) => c.request('metadata', { topics: [topic] }, RAW_REQUEST_TIMEOUT_MS))
      if (answer.error !== undefined) throw new Error(`metadata from ${url}: ${JSON.stringify(answer.error)}`)
      const partitions = (answer.topics as Array<{ topic: string; partitions: MetadataPartition[] }>).find((t) => t.topic === topic)?.partitions
      if (partitions === undefined) throw new Error(`${url} does not know ${topic}`)
      return { brokers: answer.brokers as MetadataBroker[], partitions: [...partitions].sort((a, b) => a.partition - b.partition) }
    } catch (err) {
      lastError = err
    }
  }
  throw lastError
}

/** What is wrong with a partition for a final read (undefined: it has a leader and a full ISR). */
function notSettled(p: MetadataPartition): string | undefined {
  const replicas = p.replicas ?? []
  const isr = p.isr ?? []
  if (p.leader < 0) return `${p.partition}: no leader`
  if (replicas.length === 0 || !replicas.every((r) => isr.includes(r))) return `${p.partition}: isr [${isr.join(',')}] of replicas [${replicas.join(',')}]`
  return undefined
}

/** Waits until every partition of `topic` (`partitions` of them) has a leader and a full ISR. */
export async function waitForFullIsr(urls: () => string[], topic: string, partitions: number, timeoutMs: number): Promise<TopicState> {
  return waitFor(`every partition of ${topic} with a leader and a full ISR`, async () => {
    const state = await topicState(urls(), topic)
    const problems = state.partitions.map(notSettled).filter((s) => s !== undefined)
    if (state.partitions.length < partitions) problems.push(`${state.partitions.length} of ${partitions} partitions known`)
    // Thrown, so that a timeout says what was still wrong.
    if (problems.length > 0) throw new Error(problems.join('; '))
    return state
  }, { timeoutMs, intervalMs: 100 })
}

/** A partition's records from its log start to its high watermark, from `leaderUrl`. */
export async function readLog(leaderUrl: string, topic: string, partition: number): Promise<FinalLog> {
  return withSession(leaderUrl, async (client) => {
    const fetch = async (offset: number) => {
      const p = firstPartition(await client.request('fetch', fetchFrame(topic, partition, offset, { maxBytes: FINAL_FETCH_BYTES_MAX }), RAW_REQUEST_TIMEOUT_MS))
      return p as { error?: { code: number; message: string }; records: Uint8Array; highWatermark: number; logStartOffset: number }
    }
    let first = await fetch(0)
    // A log that does not start at 0 (records deleted): read from where it starts.
    if (first.error?.code === OFFSET_OUT_OF_RANGE && first.logStartOffset > 0) first = await fetch(first.logStartOffset)
    const log: FinalLog = { topic, partition, logStartOffset: Math.max(0, first.logStartOffset ?? 0), records: [] }
    let answer = first
    let next = log.logStartOffset
    for (;;) {
      if (answer.error !== undefined) throw new Error(`fetch ${topic}-${partition}@${next} from ${leaderUrl}: ${JSON.stringify(answer.error)}`)
      if (answer.records.length === 0) break
      const values = valuesOf(answer.records)
      offsetsOf(answer.records).forEach((offset, i) => {
        if (offset >= next) log.records.push({ offset, value: values[i]! })
      })
      next = Math.max(next, lastBatchEnd(answer.records))
      if (next >= answer.highWatermark) break
      answer = await fetch(next)
    }
    return log
  })
}

/**
 * Once every partition has a leader and a full ISR: `ask` of each partition's leader, in partition
 * order, asked again (bounded) while the leader named is not the leader (yet, or any more).
 */
async function askEachLeader<T>(urls: () => string[], topic: string, partitions: number, timeoutMs: number, what: string,
  ask: (leaderUrl: string, partition: number) => Promise<T>): Promise<T[]> {
  await waitForFullIsr(urls, topic, partitions, timeoutMs)
  const answers: T[] = []
  for (let partition = 0; partition < partitions; partition++) {
    answers.push(await waitFor(`${what} of ${topic}-${partition} from its leader`, async () => {
      const state = await topicState(urls(), topic)
      const meta = state.partitions.find((p) => p.partition === partition)
      if (meta === undefined || notSettled(meta) !== undefined) throw new Error(`${topic}-${partition}: ${meta === undefined ? 'unknown' : notSettled(meta)}`)
      const url = state.brokers.find((b) => b.brokerId === meta.leader)?.url
      if (url === undefined) throw new Error(`the leader of ${topic}-${partition}, broker ${meta.leader}, is not among the brokers`)
      return ask(url, partition)
    }, { timeoutMs, intervalMs: 100 }) as T)
  }
  return answers
}

/** Every partition's final log: once every partition has a leader and a full ISR, read from the leader. */
export function readFinalLogs(urls: () => string[], topic: string, partitions: number, timeoutMs: number): Promise<FinalLog[]> {
  return askEachLeader(urls, topic, partitions, timeoutMs, 'the final log', (url, partition) => readLog(url, topic, partition))
}

/** Each partition's high watermark, from its leader, once every partition has a leader and a full ISR. */
export function highWatermarks(urls: () => string[], topic: string, partitions: number, timeoutMs: number): Promise<number[]> {
  return askEachLeader(urls, topic, partitions, timeoutMs, 'the high watermark', (url, partition) => withSession(url, async (client) => {
    const answer = firstPartition(await client.request('fetch', fetchFrame(topic, partition, 0, { maxBytes: 1 }), RAW_REQUEST_TIMEOUT_MS)) as
      { error?: { code: number }; highWatermark?: number }
    if (answer.error !== undefined && answer.error.code !== OFFSET_OUT_OF_RANGE) throw new Error(`fetch ${topic}-${partition} from ${url}: ${JSON.stringify(answer.error)}`)
    if (!Number.isSafeInteger(answer.highWatermark) || answer.highWatermark! < 0) throw new Error(`no high watermark for ${topic}-${partition} from ${url}`)
    return answer.highWatermark!
  }))
}
