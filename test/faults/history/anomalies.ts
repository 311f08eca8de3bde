// The anomaly kinds the history checker reports, and the sink that collects them: exact counts per
// kind, at most `messagesPerKindMax` messages kept per kind (a broken campaign can produce millions of
// the same complaint; the report needs the first few and the count).
import type { ProduceOp } from './history.js'

export const ANOMALY_KINDS = [
  'lost', // an acks=all produce acknowledged at offset o: the final log lacks it there (or one acknowledged without an offset is nowhere)
  'moved', // an acknowledged value is in the final log (or a read), but not at its acknowledged offset
  'duplicate', // a value in the final log more than once (any producer: all are idempotent or never retry)
  'gap', // a partition's final log is not dense from its log start to its end
  'reordered', // one idempotent producer's values against their send order, or a value acknowledged before another was sent found after it
  'read-contradicted', // two reads (or a read and the final log) gave different values at one offset, or a read at/after the final log's end
  'failed-present', // a produce that certainly failed (outcome fail) is in the final log or was read
  'offset-backwards', // a group's committed offset read lower than one read or acknowledged before it (no reset between)
  'phantom', // a value in the final log or a read that no recorded produce sent
  'read-skipped', // a contiguous reader's delivery starts past the offset after its previous one (or skips inside)
  'read-rewound', // a contiguous reader's delivery starts at or before an offset it already read
  'read-short', // a contiguous reader ended before the final log's end, and the workload did not say it gave up
  'log-start-moved', // a final log starts above offset 0 though no retention was configured
  'offset-phantom', // a group's committed offset read (not -1) that no commit (ok or unknown) nor reset ever wrote
  'broker-crashed', // a broker process exited without the nemesis killing it
  'replica-diverged', // a replica in the ISR at the final read holds another value than the final log below its end, or lacks one of its offsets there
] as const
export type AnomalyKind = (typeof ANOMALY_KINDS)[number]

export interface Anomaly {
  kind: AnomalyKind
  /** One sentence a human can act on: what, where (topic-partition@offset), which values. */
  message: string
}

export class AnomalySink {
  readonly anomalies: Anomaly[] = []
  readonly counts: Record<AnomalyKind, number>

  constructor(private readonly messagesPerKindMax: number) {
    this.counts = Object.fromEntries(ANOMALY_KINDS.map((kind) => [kind, 0])) as Record<AnomalyKind, number>
  }

  /** The message is built only when kept, so a flood of anomalies costs no strings. */
  add(kind: AnomalyKind, message: () => string): void {
    this.counts[kind] += 1
    if (this.counts[kind] <= this.messagesPerKindMax) this.anomalies.push({ kind, message: message() })
  }

  get total(): number {
    return ANOMALY_KINDS.reduce((sum, kind) => sum + this.counts[kind], 0)
  }
}

/** `t-0`, `t-0@12`: how every message names a place. */
export function place(topic: string, partition: number, offset?: number): string {
  return offset === undefined ? `${topic}-${partition}` : `${topic}-${partition}@${offset}`
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export function describeProduce(op: ProduceOp): string {
  const acked = op.outcome !== 'ok'
    ? ` ${op.outcome}`
    : op.duplicateAck === true ? ` acknowledged as a duplicate, without an offset, at ${op.completedMs} ms` : ` acknowledged at offset ${op.offset} at ${op.completedMs} ms`
  return `${op.value} (${op.client}, acks=${op.acks}${op.idempotent ? ', idempotent' : ''},${acked})`
}
