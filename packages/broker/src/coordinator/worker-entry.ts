// The coordinator's thread: opens the metadata log (`__cluster_metadata-0`, on the real disk, flush
// `always`, never retained), replays it, reconciles the data directory, says `ready` with the topics,
// then serves calls one at a time over the thread's MessagePort. A FaecieError is a refusal and goes
// back to the caller; anything else thrown is a broken invariant or a failed disk and ends the
// thread, which the main thread sees (it restarts the coordinator, which replays the log).
import '@faecie/protocol/node'
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { FaecieError } from '@faecie/protocol'
import { createLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { RealDisk } from '../storage/real-disk.js'
import { CoordinatorActor, METADATA_PARTITION_DIR } from './coordinator-actor.js'
import type { CoordinatorCall, CoordinatorWorkerData, FromCoordinator, ToCoordinator } from './messages.js'

const port = parentPort
assert(port !== null, 'the coordinator runs as a worker thread')
const { dataDir, settings } = workerData as CoordinatorWorkerData
const logger = createLogger({ module: 'coordinator' })
const post = (message: FromCoordinator): void => port.postMessage(message)

function start(): CoordinatorActor | undefined {
  try {
    const disk = new RealDisk()
    const log = PartitionLog.open({
      dir: join(dataDir, METADATA_PARTITION_DIR),
      // Metadata is small and must never be retained away.
      config: { ...DEFAULT_LOG_CONFIG, flush: 'always', retentionMs: -1, retentionBytes: -1, segmentBytes: 16 * 1024 * 1024 },
      disk,
      clock: Date.now,
      logger: logger.child({ partition: METADATA_PARTITION_DIR }),
    })
    const actor = new CoordinatorActor({
      log, disk, dataDir, settings, clock: Date.now, logger,
      onTopicChanged: (topic, meta) => post({ type: 'topic', topic, meta }),
    })
    const movedAside = actor.reconcileDataDir()
    post({ type: 'ready', topics: actor.topics, movedAside })
    return actor
  } catch (err) {
    logger.error({ err }, 'coordinator failed to start')
    post({ type: 'startFailed', message: err instanceof Error ? err.message : String(err) })
    return undefined
  }
}

function serve(actor: CoordinatorActor, call: CoordinatorCall): unknown {
  switch (call.method) {
    case 'createTopic': return actor.createTopic(call.topic, call.numPartitions, call.config, call.validateOnly)
    case 'deleteTopic': return actor.deleteTopic(call.topic)
    case 'alterTopicConfig': return actor.alterTopicConfig(call.topic, call.changes)
    case 'createPartitions': return actor.createPartitions(call.topic, call.count)
    case 'initProducerId': return actor.initProducerId()
  }
}

const actor = start()
port.on('message', (message: ToCoordinator) => {
  if (message.type === 'close') {
    actor?.close()
    post({ type: 'closed' })
    port.close()
    return
  }
  if (actor === undefined) return
  try {
    post({ type: 'reply', callId: message.callId, ok: true, value: serve(actor, message.call) })
  } catch (err) {
    if (!(err instanceof FaecieError)) throw err
    post({ type: 'reply', callId: message.callId, ok: false, error: { code: err.code, message: err.message } })
  }
})
