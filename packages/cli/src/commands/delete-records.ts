// `faecie topics delete-records`: Kafka's kafka-delete-records. Either one partition by flags
// (`--topic T --partition P --offset N`, N = -1 for every record below the high watermark) or
// Kafka's own JSON file (`--offset-json-file F`):
//
//   {"partitions": [{"topic": "orders", "partition": 0, "offset": 3}, ...], "version": 1}
//
// Records below each offset are deleted for good and the partition's log start moves there. Each
// partition's new low watermark goes to stdout as kafka-delete-records prints it
// (`partition: orders-0  low_watermark: 3`, tab-separated).
import { readFileSync } from 'node:fs'
import { UsageError, type Flags } from '../args.js'
import type { Action } from './admin-command.js'

interface Deletion { topic: string; partition: number; offset: number }

function isInt(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min
}

/** The deletions of a kafka-delete-records JSON file; a bad file is a usage error naming what is wrong. */
export function parseOffsetJson(text: string, path: string): Deletion[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--offset-json-file ${path} is not JSON: ${(err as Error).message}`)
  }
  const partitions = (parsed as { partitions?: unknown } | null)?.partitions
  if (!Array.isArray(partitions) || partitions.length === 0) {
    throw new UsageError(`--offset-json-file ${path} needs {"partitions": [{"topic": T, "partition": P, "offset": N}, ...]}`)
  }
  return partitions.map((p: unknown, i) => {
    const { topic, partition, offset } = (p ?? {}) as Record<string, unknown>
    if (typeof topic !== 'string' || topic === '' || !isInt(partition, 0) || !isInt(offset, -1)) {
      throw new UsageError(`--offset-json-file ${path}: partitions[${i}] needs a topic, a partition >= 0 and an offset >= -1`)
    }
    return { topic, partition, offset }
  })
}

function deletionsOf(flags: Flags): Deletion[] {
  const file = flags.string('offset-json-file')
  if (file !== undefined) {
    if (flags.has('topic') || flags.has('partition') || flags.has('offset')) {
      throw new UsageError('--offset-json-file names its partitions itself: no --topic, --partition or --offset beside it')
    }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read --offset-json-file ${file}: ${(err as Error).message}`)
    }
    return parseOffsetJson(text, file)
  }
  const topic = flags.requiredString('topic')
  const partition = flags.integer('partition', 0)
  if (partition === undefined) throw new UsageError('--partition is required')
  const offset = flags.integer('offset', -1)
  if (offset === undefined) throw new UsageError('--offset is required (-1: every record below the high watermark)')
  return [{ topic, partition, offset }]
}

export const deleteRecords: Action = (flags, out) => {
  const deletions = deletionsOf(flags)
  return async (admin) => {
    const topics = [...new Set(deletions.map((d) => d.topic))]
    for (const topic of topics) {
      const partitions = deletions.filter((d) => d.topic === topic).map(({ partition, offset }) => ({ partition, offset }))
      for (const { partition, lowWatermark } of await admin.deleteRecords({ topic, partitions })) {
        out.write(`partition: ${topic}-${partition}\tlow_watermark: ${lowWatermark}`)
      }
    }
    return 0
  }
}
