// The entry point of a partition thread: an ActorHost on the real disk, talking to the partition
// manager over the thread's MessagePort. A message the host cannot handle (a broken invariant) is an
// uncaught exception here, which ends the thread; the manager restarts it.
import '@faecie/protocol/node'
import { parentPort, workerData } from 'node:worker_threads'
import { strict as assert } from 'node:assert'
import { createLogger } from '../log.js'
import { PartitionLog } from '../storage/log.js'
import { FSYNC_REPORT_MS, FsyncRecorder, TimedRealDisk } from '../metrics/fsync-timing.js'
import { startFaultInjection } from '../faults/fault-injection.js'
import type { Disk } from '../storage/disk.js'
import { ActorHost } from './actor-host.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { ToWorker } from './messages.js'

const port = parentPort
assert(port !== null, 'worker-entry runs only as a worker thread')
const { threadIndex, faultInjection } = workerData as { threadIndex: number; faultInjection?: string }
const logger = createLogger({ module: 'partition-thread', thread: threadIndex })
// Every fdatasync is timed; the durations go to the main thread's metrics once a second. Under
// --fault-injection the timed disk sits behind the plan's faults (an injected delay or error is not
// timed: the histogram keeps measuring the real disk) and Date.now carries the plan's clock offset.
const fsyncs = new FsyncRecorder()
const faults = faultInjection === undefined ? undefined : startFaultInjection(faultInjection, logger)
const disk: Disk = faults === undefined ? new TimedRealDisk(fsyncs) : faults.wrap(new TimedRealDisk(fsyncs))
setInterval(() => {
  const report = fsyncs.take()
  if (report !== undefined) port.postMessage({ type: 'fsyncs', ...report })
}, FSYNC_REPORT_MS).unref()
// FAECIE_PIPELINED_SYNC=0 makes flush `always` sync on this thread before answering each tick (for
// comparison in the storage bench, or on a platform whose thread pool is scarce).
const pipelinedSync = process.env.FAECIE_PIPELINED_SYNC !== '0'
const syncFiles = async (paths: readonly string[]): Promise<void> => {
  await Promise.all(paths.map((path) => disk.fdatasyncFileAsync(path)))
}

const host = new ActorHost({
  openStorage(dir, config, partitionLogger) {
    const log = PartitionLog.open({ dir, config, disk, clock: Date.now, logger: partitionLogger })
    return {
      log,
      snapshots: diskSnapshotStore(disk, dir),
      ...(pipelinedSync ? { syncFiles } : {}),
    }
  },
  post: (message, transfer) => port.postMessage(message, transfer ?? []),
  clock: Date.now,
  logger,
})

port.on('message', (message: ToWorker) => {
  host.handle(message)
  if (message.type === 'shutdown') port.close()
})
