// What a fault campaign records (issue 15): every operation a client made, with when it was invoked,
// when it completed and how it ended, and every fault the nemesis applied, with when. The checker
// (checker.ts) reads only this; the workload (../workload) writes the operations, the nemesis
// (../nemesis) the faults, and the final read after healing the logs as they ended.
//
// Times are milliseconds on one monotonic clock of the test process (performance.now()), never the
// wall clock: a clock jump the nemesis gives a broker must not reorder the history.
//
// Outcomes, as Jepsen names them:
//   ok       the broker acknowledged it (a produce: offset known; a read: records returned)
//   fail     it certainly did not happen (refused before anything was sent, or an error that
//            Kafka's protocol defines as "not appended": only the workload knows; when in doubt,
//            unknown)
//   unknown  no answer, or an answer that does not say (a timeout, a lost connection, retries
//            exhausted after a send): it may or may not have taken effect
//
// Values are unique across a campaign: `<producer>-<n>`, n rising in send order per producer, so a
// value names its producer and its place in that producer's order.

/** How many replicas had to have a produce before it was acknowledged. */
export type Acks = 'all' | 'leader'

export type Outcome = 'ok' | 'fail' | 'unknown'

interface OpBase {
  /** Which client made it (a producer's or consumer's name). */
  client: string
  invokedMs: number
  /** When it ended, whatever the outcome (an unknown's time is when the client gave up). */
  completedMs: number
  outcome: Outcome
  /** For a fail or unknown: what the client said, for the report. */
  error?: string
}

/** One record sent (a producer's batches are recorded per record). */
export interface ProduceOp extends OpBase {
  type: 'produce'
  topic: string
  partition: number
  value: string
  /**
   * The producer's name and the value's place in its send order (`<producer>-<sequence>`). An
   * idempotent producer's order is checked per `client`: a producer recreated after a crash is a new
   * session and should carry a new client name (e.g. `p1#2`), keeping its producer name and sequence.
   */
  producer: string
  sequence: number
  acks: Acks
  idempotent: boolean
  /** Set when ok: the offset the broker acknowledged (absent only with duplicateAck). */
  offset?: number
  /**
   * Outcome ok without an offset: the broker answered DUPLICATE_SEQUENCE_NUMBER (written before, at an
   * offset it no longer remembers). The value must be in the final log exactly once, at any offset.
   */
  duplicateAck?: boolean
}

/** Records a consumer was given from one partition in one delivery (a fetch answer or a push). */
export interface ReadOp extends OpBase {
  type: 'read'
  topic: string
  partition: number
  /** In the order given. Empty for a fail/unknown. */
  records: Array<{ offset: number; value: string }>
  /**
   * Set by a reader that reads every offset of the partition in order from 0 and never goes back
   * (an assign-all reader; not a group member, which a rebalance may legitimately make re-read): each
   * of its deliveries starts at the offset after its previous one's last (across its crashes and
   * recreations too), and it ends at the final log's end unless a `gaveUp` op says otherwise.
   */
  contiguous?: boolean
  /** A fail op of a contiguous reader: the workload stopped waiting for it to reach the end (why in `error`). */
  gaveUp?: boolean
}

/** A consumer group's offset commit of one partition. */
export interface CommitOp extends OpBase {
  type: 'commit'
  group: string
  topic: string
  partition: number
  offset: number
}

/** A read of a group's committed offset of one partition (-1: none committed). Set when ok. */
export interface FetchCommittedOp extends OpBase {
  type: 'fetch-committed'
  group: string
  topic: string
  partition: number
  offset?: number
}

/** An operator's reset of a group's offset: committed offsets may go back across one. */
export interface ResetOp extends OpBase {
  type: 'reset'
  group: string
  topic: string
  partition: number
  offset: number
}

export type Op = ProduceOp | ReadOp | CommitOp | FetchCommittedOp | ResetOp

/** The kinds of fault the nemesis applies; the report has one row per kind that ran. */
export const FAULT_KINDS = [
  'kill', // kill -9 of one broker (leader, follower or controller), restarted after a while
  'kill-two', // kill -9 of two brokers at once
  'pause-short', // SIGSTOP shorter than the broker session timeout, then SIGCONT
  'pause-long', // SIGSTOP longer than the session timeout
  'partition-majority', // brokers split into a majority and a minority; etcd on the majority side
  'partition-leader', // a partition leader cut from every other broker and from etcd (clients still reach it)
  'partition-etcd', // one broker cut from etcd only
  'partition-brokers', // two brokers cut from each other, both still reaching etcd and the third
  'partition-one-way', // packets from one broker to another dropped, the other way delivered
  'fsync-slow', // one broker's fsyncs take long (--fault-injection)
  'fsync-fail', // one broker's fsyncs fail with EIO
  'disk-full', // one broker's writes fail with ENOSPC
  'clock-jump', // one broker's wall clock jumps forward or back
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** One fault as the nemesis applied it: from startMs until endMs (healed), on `targets`. */
export interface FaultWindow {
  kind: FaultKind
  /** What it hit, for the report and a replay: "broker 2 (leader of t-1)", "{1} | {2,3,etcd}". */
  description: string
  /** Broker ids it hit. */
  targets: number[]
  startMs: number
  endMs: number
}

/** A partition's log as read after the campaign, every fault healed: records from its log start to its high watermark. */
export interface FinalLog {
  topic: string
  partition: number
  logStartOffset: number
  records: Array<{ offset: number; value: string }>
}

/**
 * One broker's copy of a partition, read from its data dir after the final read (every partition then
 * had a full ISR, and the workload had stopped): what it holds must agree with the final log below the
 * final log's end (check-replicas.ts). Above that end it may hold an uncommitted tail.
 */
export interface ReplicaLog {
  brokerId: number
  topic: string
  partition: number
  records: Array<{ offset: number; value: string }>
  /** The offset after its last whole batch (0 when it holds none). */
  endOffset: number
}

/** A broker process that ended without the nemesis killing or stopping it: always an anomaly. */
export interface BrokerExit {
  brokerId: number
  /** When the nemesis noticed it (the history's clock). */
  atMs: number
  exitCode: number | null
  signal: string | null
  /** The broker's last log lines, for the report. */
  lastLines: string[]
}

/** One campaign's whole record. */
export interface History {
  /** The seed that made the fault schedule (printed by a failure, for a replay). */
  seed: number
  /** The campaign's options, for the replay command (report.ts); minutes default to the history's length. */
  minutes?: number
  brokers?: number
  mode?: string
  startedMs: number
  endedMs: number
  ops: Op[]
  faults: FaultWindow[]
  finalLogs: FinalLog[]
  /** Every ISR member's copy of each partition, read from its disk after the final read (absent: not compared). */
  replicaLogs?: ReplicaLog[]
  /** Brokers that exited by themselves during the campaign (filled by the campaign runner). */
  brokerExits?: BrokerExit[]
}
