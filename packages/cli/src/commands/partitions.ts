// `faecie partitions repair --topic T --partition P --accept-data-loss`: an operator's repair of a
// damaged partition (one whose reads answer LOG_DAMAGED: a segment damaged, cut short or deleted
// behind the broker's back). Its log start moves past the offsets it lost, and those before them;
// they are gone for good, hence the flag. The confirmation goes to stderr, as every admin command's.
import { COMMON_USAGE, UsageError } from '../args.js'
import type { LineWriter } from '../output.js'
import { runAdminCommand, type Action } from './admin-command.js'

export const PARTITIONS_USAGE = `Usage: faecie partitions <action> [options]

Actions:
  repair --topic T --partition P --accept-data-loss
                          move a damaged partition (reads answer LOG_DAMAGED) past the offsets it
                          lost: its log start becomes the first offset after the damage, and every
                          offset below it is dropped for good

  --topic T               the topic's name
  --partition P           the partition's number
  --accept-data-loss      required: say that the offsets below the new log start may be dropped

${COMMON_USAGE}`

const OPTIONS = {
  topic: { type: 'string' },
  partition: { type: 'string' },
  'accept-data-loss': { type: 'boolean' },
} as const

const ACTION_FLAGS: Record<string, string[]> = {
  repair: ['topic', 'partition', 'accept-data-loss'],
}

export const PARTITION_ACTIONS = Object.keys(ACTION_FLAGS)

const repair: Action = (flags) => {
  const topic = flags.requiredString('topic')
  const partition = flags.integer('partition', 0)
  if (partition === undefined) throw new UsageError('--partition is required')
  if (!flags.bool('accept-data-loss')) {
    throw new UsageError('a repair drops the damaged offsets and every one before them: add --accept-data-loss to go ahead')
  }
  return async (admin) => {
    const result = await admin.repairPartition({ topic, partition, acceptDataLoss: true })
    process.stderr.write(result.offsetsSkipped === 0
      ? `Partition ${topic}-${partition} has no damage: nothing changed (log start ${result.logStartOffset}).\n`
      : `Repaired partition ${topic}-${partition}: log start is now ${result.logStartOffset}, ${result.offsetsSkipped} offsets dropped.\n`)
    return 0
  }
}

export function partitionsCommand(argv: string[], out: LineWriter): Promise<number> {
  return runAdminCommand({ name: 'partitions', usage: PARTITIONS_USAGE, options: OPTIONS, actionFlags: ACTION_FLAGS, actions: { repair } }, argv, out)
}
