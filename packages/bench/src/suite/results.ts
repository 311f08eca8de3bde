// What the suite measures, gathered as it goes: for each (workload, system, variant) the figures of
// every run, or why it was not measured. The report (report.ts) turns them into tables and charts.

/** One run's figures; a tool that does not give one leaves it out. */
export interface Figures {
  recordsPerSec?: number
  mbPerSec?: number
  /** Mean latency, where a tool reports it (Kafka's ProducerPerformance). */
  avgMs?: number
  p50Ms?: number
  /** Where a tool reports it (Kafka's ProducerPerformance). */
  p95Ms?: number
  p99Ms?: number
  p999Ms?: number
  maxMs?: number
  /** CPU time the broker process used over the run (user + system, all threads), per record, in microseconds. */
  brokerCpuUsPerRecord?: number
  /** Failover: kill -9 of a partition's leader to the first acknowledged produce at the new leader. */
  failoverMs?: number
}

export interface Measurement {
  workload: string
  /** Who was measured and through what: `faecie`, `kafka (ProducerPerformance)`, `redis (ioredis)`... */
  system: string
  /** Which case: `produce`, `consume`, `flush always`, `64 partitions, keyless`... */
  variant: string
  runs: Figures[]
  /** Set when the measurement failed or could not be made. */
  notMeasured?: string
  note?: string
}

export class Results {
  readonly measurements: Measurement[] = []
  /** Systems that could not be installed or started at all, with the reason. */
  readonly unavailable = new Map<string, string>()
  /** Largest broker RSS seen per system, in bytes. */
  readonly rssBytes = new Map<string, number>()
  /** Extra facts for the report (e.g. the decay check's rates). */
  readonly facts = new Map<string, number>()

  private find(workload: string, system: string, variant: string): Measurement {
    let m = this.measurements.find((x) => x.workload === workload && x.system === system && x.variant === variant)
    if (m === undefined) {
      m = { workload, system, variant, runs: [] }
      this.measurements.push(m)
    }
    return m
  }

  add(workload: string, system: string, variant: string, figures: Figures, note?: string): void {
    const m = this.find(workload, system, variant)
    m.runs.push(figures)
    if (note !== undefined) m.note = note
  }

  /** A note on how a measurement was made (a setting), shown beside its figures. */
  annotate(workload: string, system: string, variant: string, note: string): void {
    this.find(workload, system, variant).note = note
  }

  fail(workload: string, system: string, variant: string, reason: string): void {
    const m = this.find(workload, system, variant)
    m.notMeasured ??= reason
  }

  rss(system: string, bytes: number): void {
    this.rssBytes.set(system, Math.max(bytes, this.rssBytes.get(system) ?? 0))
  }

  get(workload: string, system: string, variant: string): Measurement | undefined {
    return this.measurements.find((x) => x.workload === workload && x.system === system && x.variant === variant)
  }

  /** The measurements of one workload, in the order they were made. */
  of(workload: string): Measurement[] {
    return this.measurements.filter((m) => m.workload === workload)
  }
}
