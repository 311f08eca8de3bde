// Which topic a partition directory holds, in cluster mode: `partition.metadata` in the directory
// (the file Kafka keeps for the same reason, KIP-516), two lines:
//
//     version: 0
//     topic_id: <the topic id, as etcd holds it>
//
// written (atomically: a temp file renamed over it) when the reconciler first opens a replica here.
// A topic deleted while this broker was down, and made again under the same name before it came
// back, leaves a directory of the old topic under the new one's name: opened as it is, its records
// would pass for the new topic's, and its leader epochs would fence the new leader's. So a
// directory whose file names another topic id is moved aside (`<name>.stale-<ms>`, logged) and the
// replica starts empty; a directory without the file (made before this file existed) is taken as
// the topic's.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../log.js'

export const PARTITION_METADATA_FILE = 'partition.metadata'

function dirOf(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, `${topic}-${partition}`)
}

/** The topic id a partition directory's file names; undefined without a readable one. */
export function partitionDirTopicId(dir: string): string | undefined {
  const path = join(dir, PARTITION_METADATA_FILE)
  if (!existsSync(path)) return undefined
  const match = /^topic_id: (\S+)$/m.exec(readFileSync(path, 'utf8'))
  return match?.[1]
}

/** Before a replica opens: moves aside a directory that holds another topic (same name, another id). */
export function claimPartitionDir(dataDir: string, topic: string, partition: number, topicId: string, nowMs: number, logger: Logger): void {
  const dir = dirOf(dataDir, topic, partition)
  const held = partitionDirTopicId(dir)
  if (held === undefined || held === topicId) return
  const aside = `${dir}.stale-${nowMs}`
  renameSync(dir, aside)
  logger.warn({ partition: `${topic}-${partition}`, heldTopicId: held, topicId, movedTo: aside },
    'partition directory of a deleted topic of the same name: moved aside, the replica starts empty')
}

/** After a replica opened: records the topic id its directory holds. */
export function recordPartitionTopic(dataDir: string, topic: string, partition: number, topicId: string): void {
  const dir = dirOf(dataDir, topic, partition)
  if (!existsSync(dir) || partitionDirTopicId(dir) === topicId) return
  const path = join(dir, PARTITION_METADATA_FILE)
  writeFileSync(`${path}.tmp`, `version: 0\ntopic_id: ${topicId}\n`)
  renameSync(`${path}.tmp`, path)
}
