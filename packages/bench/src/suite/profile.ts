// The sizes of the suite's workloads: `full` (what `pnpm bench` runs; sized to finish within about
// 25 minutes on the 2-core machine, peers included) and `quick` (`--quick`: every workload tiny,
// one run, to see that everything starts, runs and stops). Every count here is explicit; `--scale F`
// multiplies the record counts (not the rates, not the durations).

export interface Profile {
  name: 'full' | 'quick'
  /** Runs of each measurement; the report shows their median, min and max. */
  runs: number
  /** Records faecie's client sends once, unmeasured, before the first figure (the JIT warms up). */
  warmupRecords: number
  /** 100-byte records, 1 partition, max throughput (produce, then consume them back). */
  smallRecords: number
  /** 1 KB records, 16 partitions. */
  kbRecords: number
  kbPartitions: number
  /** Partition scaling: the partition counts and the records per point. */
  partitionCounts: number[]
  partitionRecords: number
  /** End-to-end latency at a fixed rate. */
  latencyRate: number
  latencyRecords: number
  /** Kafka's EndToEndLatency sends one record at a time: this many. */
  kafkaEndToEndRecords: number
  /** Durable acks at max throughput. */
  durableRecords: number
  /** The same for a peer that fsyncs each record on its own (NATS with sync_interval always): fewer. */
  durablePerRecordSyncRecords: number
  /** The decay check (faecie, bounded by retention.bytes): seconds; 0 skips it. */
  decaySeconds: number
  decayRetentionBytes: number
  /** Node clients of the peers (kafkajs, ioredis, nats.js) are slower: their record counts are this share. */
  nodePeerShare: number
  /** The raw disk: bytes appended per run and fdatasyncs timed. */
  diskAppendBytes: number
  fsyncCount: number
  /** Any one external tool run (a perf tool, redis-benchmark, nats bench) is killed past this. */
  toolTimeoutMs: number
  /** Replication (three-broker clusters): 100-byte records per run of each RF / acks case. */
  replicationRecords: number
  /** Failover timings per session timeout (the report shows their median). */
  failoverRuns: number
  /** kafka-tools: 100-byte records per ProducerPerformance run, against each broker and each acks. */
  kafkaToolsRecords: number
  /** Latency (issue 18): the rates measured, each against the bare path in the same run. */
  latencyRates: number[]
  /**
   * Fan-out (issue 18): one producer, many WebSocket subscribers; each case runs `seconds` at `rate`,
   * `runs` times (default the profile's runs: connecting 10,000 sessions takes most of a minute per system).
   */
  fanoutCases: { subscribers: number; rate: number; seconds: number; runs?: number }[]
  /** Load-generator processes the subscribers are spread over. */
  fanoutProcesses: number
  /** Browser (issue 18): records produced and consumed in headless Chromium, and latency records. */
  browserRecords: number
  browserLatencyRecords: number
  /** Quota (issue 19): the broker's produce and fetch quotas on the bench's client id, and the seconds of that rate each run moves. */
  quotaBytesPerSec: number
  quotaSeconds: number
}

export const FULL: Profile = {
  name: 'full',
  runs: 3,
  warmupRecords: 1_000_000,
  smallRecords: 2_000_000,
  kbRecords: 500_000,
  kbPartitions: 16,
  partitionCounts: [1, 2, 4, 8, 64, 1000],
  partitionRecords: 500_000,
  latencyRate: 50_000,
  latencyRecords: 500_000,
  kafkaEndToEndRecords: 5_000,
  durableRecords: 1_000_000,
  durablePerRecordSyncRecords: 5_000,
  decaySeconds: 60,
  decayRetentionBytes: 256 * 1024 * 1024,
  nodePeerShare: 0.25,
  diskAppendBytes: 512 * 1024 * 1024,
  fsyncCount: 1_000,
  toolTimeoutMs: 180_000,
  replicationRecords: 1_000_000,
  failoverRuns: 5,
  kafkaToolsRecords: 1_000_000,
  latencyRates: [5_000, 50_000],
  fanoutCases: [{ subscribers: 1_000, rate: 1_000, seconds: 20 }, { subscribers: 10_000, rate: 10, seconds: 30, runs: 1 }],
  fanoutProcesses: 4,
  browserRecords: 2_000_000,
  browserLatencyRecords: 100_000,
  quotaBytesPerSec: 5 * 1024 * 1024,
  // A flat-out client may move about 10 s of its quota at once whenever the oldest window with its
  // last burst is forgotten (Kafka's sampled windows): a run of 60 s keeps that within the 20%.
  quotaSeconds: 60,
}

export const QUICK: Profile = {
  name: 'quick',
  runs: 1,
  warmupRecords: 100_000,
  smallRecords: 200_000,
  kbRecords: 20_000,
  kbPartitions: 16,
  // 1,000 partitions only in the full profile: making and deleting such a topic takes tens of seconds here.
  partitionCounts: [1, 8, 64],
  partitionRecords: 20_000,
  latencyRate: 50_000,
  latencyRecords: 50_000,
  kafkaEndToEndRecords: 500,
  durableRecords: 50_000,
  durablePerRecordSyncRecords: 1_000,
  decaySeconds: 0,
  decayRetentionBytes: 64 * 1024 * 1024,
  nodePeerShare: 0.5,
  diskAppendBytes: 32 * 1024 * 1024,
  fsyncCount: 100,
  toolTimeoutMs: 60_000,
  replicationRecords: 50_000,
  failoverRuns: 2,
  kafkaToolsRecords: 100_000,
  latencyRates: [5_000, 50_000],
  fanoutCases: [{ subscribers: 100, rate: 1_000, seconds: 3 }, { subscribers: 1_000, rate: 10, seconds: 3 }],
  fanoutProcesses: 2,
  browserRecords: 200_000,
  browserLatencyRecords: 10_000,
  quotaBytesPerSec: 5 * 1024 * 1024,
  quotaSeconds: 15,
}

/** A profile with its record counts multiplied by `scale` (at least 1 record each). */
export function scaled(profile: Profile, scale: number): Profile {
  if (scale === 1) return profile
  const s = (n: number): number => Math.max(1, Math.round(n * scale))
  return {
    ...profile,
    smallRecords: s(profile.smallRecords),
    kbRecords: s(profile.kbRecords),
    partitionRecords: s(profile.partitionRecords),
    latencyRecords: s(profile.latencyRecords),
    kafkaEndToEndRecords: s(profile.kafkaEndToEndRecords),
    durableRecords: s(profile.durableRecords),
    durablePerRecordSyncRecords: s(profile.durablePerRecordSyncRecords),
    diskAppendBytes: s(profile.diskAppendBytes),
    fsyncCount: s(profile.fsyncCount),
    replicationRecords: s(profile.replicationRecords),
    kafkaToolsRecords: s(profile.kafkaToolsRecords),
    browserRecords: s(profile.browserRecords),
    browserLatencyRecords: s(profile.browserLatencyRecords),
  }
}

/** The workloads, by the names `--workloads` takes. */
export const WORKLOADS = ['throughput', 'kb16', 'partitions', 'latency', 'durable', 'decay', 'ceiling', 'replication', 'kafka-tools', 'fanout', 'browser', 'quota'] as const
export type Workload = (typeof WORKLOADS)[number]

/** The workloads of one broker (or none), run by default; `replication` runs three-broker clusters of its own. */
export const SINGLE_BROKER_WORKLOADS: readonly Workload[] = WORKLOADS.filter((w) => w !== 'replication')

/**
 * The workloads each system's own bench runs on its broker: not `replication` (clusters of their
 * own) nor `kafka-tools` (peers/kafka-tools.ts: Kafka's perf tools against faecie's Kafka listener
 * and Kafka's broker, both up, runs interleaved).
 */
export const OWN_BROKER_WORKLOADS: readonly Workload[] = WORKLOADS.filter((w) => w !== 'replication' && w !== 'kafka-tools' && w !== 'fanout' && w !== 'browser' && w !== 'quota')

/**
 * Workloads with a runner of their own (after every system's): `fanout` (peers/fanout.ts: faecie,
 * a bare ws fan-out, NATS core and Redis pub/sub on the same workload) and `browser`
 * (peers/browser.ts: faecie's client in headless Chromium), and `quota` (peers/quota.ts: a broker
 * with client quotas, a producer and a consumer over them).
 */
export const OWN_RUNNER_WORKLOADS: readonly Workload[] = ['fanout', 'browser', 'quota']

/** The systems, by the names `--only` takes. */
export const SYSTEMS = ['faecie', 'raw', 'kafka', 'redis', 'nats'] as const
export type SystemName = (typeof SYSTEMS)[number]

/** Which workloads each system takes part in: a system with none of the chosen ones is not started. */
export const WORKLOADS_OF: Record<SystemName, readonly Workload[]> = {
  faecie: WORKLOADS.filter((w) => w !== 'kafka-tools' && w !== 'fanout' && w !== 'browser' && w !== 'quota'),
  raw: ['throughput', 'kb16', 'durable', 'ceiling'],
  kafka: ['throughput', 'kb16', 'partitions', 'latency', 'durable', 'replication'],
  redis: ['throughput', 'kb16', 'latency', 'durable'],
  nats: ['throughput', 'kb16', 'latency', 'durable'],
}
