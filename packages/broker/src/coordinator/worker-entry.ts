// The coordinator's thread: opens the metadata log (`__cluster_metadata-0`, on the real disk, flush
// `always`, never retained), replays it, reconciles the data directory, says `ready` with the topics,
// then serves calls one at a time over the thread's MessagePort (drained in batches, one fsync of
// the committed offsets per batch). A Kafka classic join or sync the group holds (a Promise) is
// answered when it settles, after the batch it came in (and its fsync); at close, every held one
// is answered COORDINATOR_NOT_AVAILABLE (retriable) before the thread says `closed`. A FaecieError is a refusal and goes
// back to the caller; anything else thrown is a broken invariant or a failed disk and ends the
// thread, which the main thread sees (it restarts the coordinator, which replays the log).
import '@faecie/protocol/node'
import { strict as assert } from 'node:assert'
import { existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { ErrorCode, FaecieError } from '@faecie/protocol'
import { createLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import type { Disk } from '../storage/disk.js'
import { startFaultInjection } from '../faults/fault-injection.js'
import { partitionDirTopicId } from '../cluster/partition-dir-claim.js'
import { CoordinatorActor, METADATA_PARTITION_DIR, OFFSETS_PARTITION_DIR } from './coordinator-actor.js'
import type { CoordinatorCall, CoordinatorWorkerData, FromCoordinator, ToCoordinator } from './messages.js'

const port = parentPort
assert(port !== null, 'the coordinator runs as a worker thread')
const { dataDir, settings, groupSettings, keepUnknownPartitionDirs, faultInjection } = workerData as CoordinatorWorkerData
/** How often group members' session and rebalance timeouts are checked. */
const GROUP_TICK_MS = 100
/** How often `__consumer_offsets-0` is checked for compaction (its dirty ratio decides). */
const OFFSETS_COMPACTION_CHECK_MS = 30_000
/** Small segments, so that compaction (which cleans closed segments only) starts early. */
const OFFSETS_SEGMENT_BYTES = 1024 * 1024
const logger = createLogger({ module: 'coordinator' })
const post = (message: FromCoordinator): void => port.postMessage(message)
// --fault-injection: the plan's disk faults on this thread's disk, its clock offset on Date.now.
const faults = faultInjection === undefined ? undefined : startFaultInjection(faultInjection, logger)

function start(): CoordinatorActor | undefined {
  try {
    const disk = faults === undefined ? new RealDisk() : faults.wrap(new RealDisk())
    const log = PartitionLog.open({
      dir: join(dataDir, METADATA_PARTITION_DIR),
      // Metadata is small and must never be retained away.
      config: { ...DEFAULT_LOG_CONFIG, flush: 'always', retentionMs: -1, retentionBytes: -1, segmentBytes: 16 * 1024 * 1024 },
      disk,
      clock: Date.now,
      logger: logger.child({ partition: METADATA_PARTITION_DIR }),
    })
    // Cluster mode: groups live in the replicated __consumer_offsets (cluster/group-shards.ts), whose
    // partition 0 the reconciler may open here; a single broker's log of an earlier run goes aside.
    if (keepUnknownPartitionDirs === true) moveAsideSingleBrokerOffsets(disk)
    // Committed offsets: meant to be compacted (latest per key); no retention may take them away.
    const offsetsLog = keepUnknownPartitionDirs === true ? undefined : PartitionLog.open({
      dir: join(dataDir, OFFSETS_PARTITION_DIR),
      config: { ...DEFAULT_LOG_CONFIG, flush: 'always', retentionMs: -1, retentionBytes: -1, segmentBytes: OFFSETS_SEGMENT_BYTES, cleanupPolicy: 'compact' },
      disk,
      clock: Date.now,
      logger: logger.child({ partition: OFFSETS_PARTITION_DIR }),
    })
    const actor = new CoordinatorActor({
      log, ...(offsetsLog === undefined ? {} : { offsetsLog }), batchOffsetFlush: true, disk, dataDir, settings, clock: Date.now, logger,
      ...(keepUnknownPartitionDirs === true ? { clusterTopicsMirrored: true } : {}), ...(groupSettings === undefined ? {} : { groupSettings }),
      onTopicChanged: (topic, meta) => post({ type: 'topic', topic, meta }),
      onSecurityChanged: (records) => post({ type: 'security', records }),
    })
    const movedAside = keepUnknownPartitionDirs === true ? [] : actor.reconcileDataDir()
    post({ type: 'ready', topics: actor.topics, movedAside, security: actor.securityRecords })
    return actor
  } catch (err) {
    logger.error({ err }, 'coordinator failed to start')
    post({ type: 'startFailed', message: err instanceof Error ? err.message : String(err) })
    return undefined
  }
}

/**
 * A `__consumer_offsets-0` this thread wrote (a single broker's, or an issue-13 cluster broker's: no
 * partition.metadata file) is renamed `__consumer_offsets-0.single-broker-<ms>`, so the reconciler
 * never takes it for the replicated partition 0. Its groups are not carried over.
 */
function moveAsideSingleBrokerOffsets(disk: Disk): void {
  const dir = join(dataDir, OFFSETS_PARTITION_DIR)
  if (!existsSync(dir) || partitionDirTopicId(dir) !== undefined) return
  const aside = `${dir}.single-broker-${Date.now()}`
  renameSync(dir, aside)
  disk.fsyncDir(dataDir)
  logger.warn({ dir, movedTo: aside }, 'a consumer-group log of a single broker (or of an issue-13 cluster broker): moved aside, its groups are not carried into the cluster')
}

function serve(actor: CoordinatorActor, call: CoordinatorCall): unknown {
  switch (call.method) {
    case 'createTopic': return actor.createTopic(call.topic, call.numPartitions, call.config, call.validateOnly)
    case 'deleteTopic': return actor.deleteTopic(call.topic)
    case 'alterTopicConfig': return actor.alterTopicConfig(call.topic, call.changes)
    case 'createPartitions': return actor.createPartitions(call.topic, call.count)
    case 'initProducerId': return actor.initProducerId()
    case 'alterUsers': return actor.alterUsers(call.upsertions, call.deletions)
    case 'createAcls': return actor.createAcls(call.acls)
    case 'deleteAcls': return actor.deleteAcls(call.filters)
    case 'mirrorClusterTopics': return actor.mirrorClusterTopics(call.topics)
    case 'group': return actor.group(call.op, call.request)
    case 'kafkaGroup': return actor.kafkaGroup(call.op, call.request)
  }
}

/** Calls answered later (held classic joins and syncs), by callId. */
const held = new Set<number>()

function errorReply(callId: number, err: unknown): FromCoordinator {
  if (!(err instanceof FaecieError)) throw err
  return { type: 'reply', callId, ok: false, error: { code: err.code, message: err.message } }
}

/** Posts the answer of a held call once it settles (a microtask: after the drain that took the call, and its fsync). */
function answerLater(callId: number, answer: Promise<unknown>): void {
  held.add(callId)
  answer.then(
    (value) => { if (held.delete(callId)) post({ type: 'reply', callId, ok: true, value }) },
    (err: unknown) => { if (held.delete(callId)) post(errorReply(callId, err)) },
  )
}

const actor = start()
const ticker = actor === undefined ? undefined : setInterval(() => actor.tick(), GROUP_TICK_MS)
const compactor = actor === undefined ? undefined : setInterval(() => actor.compactOffsets(), OFFSETS_COMPACTION_CHECK_MS)
const mailbox: ToCoordinator[] = []
let drainScheduled = false

// Calls are served in order, once per turn of the event loop, as a batch: the offset commits of
// the batch share one fsync (group commit), and no reply leaves before it.
port.on('message', (message: ToCoordinator) => {
  mailbox.push(message)
  if (drainScheduled) return
  drainScheduled = true
  setImmediate(drain)
})

function drain(): void {
  drainScheduled = false
  const replies: FromCoordinator[] = []
  for (const message of mailbox.splice(0)) {
    if (message.type === 'close') {
      actor?.flushOffsets()
      for (const reply of replies) post(reply)
      for (const callId of held) post(errorReply(callId, new FaecieError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is closing.')))
      held.clear()
      clearInterval(ticker)
      clearInterval(compactor)
      actor?.close()
      post({ type: 'closed' })
      parentPort?.close()
      return
    }
    if (actor === undefined) continue
    try {
      const value = serve(actor, message.call)
      if (value instanceof Promise) answerLater(message.callId, value)
      else replies.push({ type: 'reply', callId: message.callId, ok: true, value })
    } catch (err) {
      replies.push(errorReply(message.callId, err))
    }
  }
  actor?.flushOffsets()
  for (const reply of replies) post(reply)
}
