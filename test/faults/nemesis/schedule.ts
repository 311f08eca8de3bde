// The fault schedule of a campaign (issue 15): a pure function of a seed. The same seed, duration and
// capabilities give the same list of faults, byte for byte, so a failing campaign replays from the
// seed it prints (`pnpm test:faults --seed S --minutes M`).
//
//   makeSchedule({ seed, durationMs, brokers: 3, can: { pairwise, oneWay, faultInjection }, sessionTimeoutMs })
//     -> [{ atMs: 5123, kind: 'kill', durationMs: 4210, choice: 2834112 }, ...]   sorted by atMs
//
// atMs is from the campaign's start; the fault is healed at atMs + durationMs (a killed broker is
// restarted then, a paused one resumed, a cut healed, a fault plan cleared). `choice` is a seed of its
// own for what the nemesis picks when it applies the fault (which broker: a partition's leader, a
// follower, the controller), since who leads what is only known then. Two faults may overlap in
// time when they are of different classes (process, net, disk, clock), and never more than two
// brokers are down (killed or paused) at once.
//
// Which kinds are drawn: every kind the topology and the brokers can do (pairwise cuts, one-way cuts,
// `--fault-injection`); each is drawn from a shuffled bag of those kinds, refilled when empty, so
// every kind comes once before any comes twice: a long run has them all.
import { seededRandom } from '../../../packages/broker/src/storage/simulated-disk.js'
import { FAULT_KINDS, type FaultKind } from '../history/history.js'

export interface ScheduledFault {
  atMs: number
  kind: FaultKind
  durationMs: number
  /** A uint32 seed for the nemesis's picks when it applies the fault. */
  choice: number
  /** clock-jump: how far the broker's clock moves (either sign, whole minutes). */
  clockOffsetMs?: number
  /** fsync-slow: how long each fsync blocks. */
  fsyncDelayMs?: number
}

export interface ScheduleCapabilities {
  /** Cuts between two brokers (netns). */
  pairwise: boolean
  /** One-way cuts (netns). */
  oneWay: boolean
  /** The brokers take `--fault-injection` (disk and clock faults). */
  faultInjection: boolean
}

export interface ScheduleOptions {
  seed: number
  durationMs: number
  /** How many brokers (3 or 5). */
  brokers: number
  can: ScheduleCapabilities
  /** The brokers' --broker-session-timeout-ms: pause-short stays below it, pause-long above. */
  sessionTimeoutMs: number
  /** No fault starts before this (the workload warms up); default 5000. */
  warmupMs?: number
  /** Every fault is healed this long before the end (the cluster settles before the final read); default 5000. */
  tailMs?: number
}

/** Quiet time between the start of one fault and the next, drawn in [min, max]. */
export const FAULT_GAP_MS_MIN = 1_000
export const FAULT_GAP_MS_MAX = 6_000
/** How long a killed broker stays down, a cut stays, a disk fault lasts. */
export const KILL_DOWN_MS_MIN = 2_000
export const KILL_DOWN_MS_MAX = 10_000
export const NET_FAULT_MS_MIN = 3_000
export const NET_FAULT_MS_MAX = 15_000
export const DISK_FAULT_MS_MIN = 2_000
export const DISK_FAULT_MS_MAX = 10_000
export const CLOCK_JUMP_MS_MIN = 5_000
export const CLOCK_JUMP_MS_MAX = 20_000
/** A clock jump moves the clock this many whole minutes, either way. */
export const CLOCK_JUMP_MINUTES_MAX = 10
export const FSYNC_DELAY_MS_MIN = 100
export const FSYNC_DELAY_MS_MAX_SCHEDULED = 2_000
/** Brokers down (killed or paused) at once, at most. */
export const BROKERS_DOWN_MAX = 2

type FaultClass = 'process' | 'net' | 'disk' | 'clock'

export function faultClass(kind: FaultKind): FaultClass {
  if (kind === 'kill' || kind === 'kill-two' || kind === 'pause-short' || kind === 'pause-long') return 'process'
  if (kind.startsWith('partition-')) return 'net'
  if (kind === 'clock-jump') return 'clock'
  return 'disk'
}

/** How many brokers the fault takes down (killed or paused). */
export function brokersDown(kind: FaultKind): number {
  if (kind === 'kill-two') return 2
  return faultClass(kind) === 'process' ? 1 : 0
}

/** The kinds this cluster can run, in FAULT_KINDS order. */
export function possibleKinds(brokers: number, can: ScheduleCapabilities): FaultKind[] {
  return FAULT_KINDS.filter((kind) => {
    if (kind === 'partition-majority' || kind === 'partition-brokers') return can.pairwise && brokers >= 3
    if (kind === 'partition-one-way') return can.oneWay
    if (faultClass(kind) === 'disk' || kind === 'clock-jump') return can.faultInjection
    if (kind === 'kill-two') return brokers >= 3 && BROKERS_DOWN_MAX >= 2
    return true
  })
}

/** The fault schedule of `seed`: pure, sorted by atMs; every fault healed by durationMs - tailMs. */
export function makeSchedule(options: ScheduleOptions): ScheduledFault[] {
  const { seed, durationMs, brokers, sessionTimeoutMs } = options
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be a uint32, not ${seed}`)
  if (brokers !== 3 && brokers !== 5) throw new Error(`a campaign has 3 or 5 brokers, not ${brokers}`)
  if (!(sessionTimeoutMs >= 2000)) throw new Error(`sessionTimeoutMs must be at least 2000, not ${sessionTimeoutMs}`)
  const warmupMs = options.warmupMs ?? 5_000
  const endMs = durationMs - (options.tailMs ?? 5_000)
  const kinds = possibleKinds(brokers, options.can)
  const random = seededRandom(seed)
  const between = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
  const bag: FaultKind[] = []
  const draw = (): FaultKind => {
    if (bag.length === 0) {
      bag.push(...kinds)
      for (let i = bag.length - 1; i > 0; i--) { // Fisher-Yates, on the seeded generator
        const j = Math.floor(random() * (i + 1));
        [bag[i], bag[j]] = [bag[j]!, bag[i]!]
      }
    }
    return bag.pop()!
  }

  const faults: ScheduledFault[] = []
  let atMs = warmupMs
  while (kinds.length > 0) {
    const kind = draw()
    const fault: ScheduledFault = { atMs, kind, durationMs: durationOf(kind, sessionTimeoutMs, between), choice: between(0, 0xffffffff) }
    if (kind === 'clock-jump') fault.clockOffsetMs = (random() < 0.5 ? -1 : 1) * between(1, CLOCK_JUMP_MINUTES_MAX) * 60_000
    if (kind === 'fsync-slow') fault.fsyncDelayMs = between(FSYNC_DELAY_MS_MIN, FSYNC_DELAY_MS_MAX_SCHEDULED)
    // Not before the faults it may not overlap have ended.
    fault.atMs = Math.max(fault.atMs, earliestStart(faults, fault))
    if (fault.atMs + fault.durationMs > endMs) break
    faults.push(fault)
    atMs = fault.atMs + between(FAULT_GAP_MS_MIN, FAULT_GAP_MS_MAX)
  }
  return faults
}

function durationOf(kind: FaultKind, sessionTimeoutMs: number, between: (min: number, max: number) => number): number {
  switch (faultClass(kind)) {
    case 'process':
      if (kind === 'pause-short') return between(Math.floor(sessionTimeoutMs * 0.1), Math.floor(sessionTimeoutMs * 0.6))
      if (kind === 'pause-long') return between(Math.ceil(sessionTimeoutMs * 1.5), sessionTimeoutMs * 4)
      return between(KILL_DOWN_MS_MIN, KILL_DOWN_MS_MAX)
    case 'net': return between(NET_FAULT_MS_MIN, NET_FAULT_MS_MAX)
    case 'disk': return between(DISK_FAULT_MS_MIN, DISK_FAULT_MS_MAX)
    case 'clock': return between(CLOCK_JUMP_MS_MIN, CLOCK_JUMP_MS_MAX)
  }
}

/** The first time `next` may start: after every earlier fault of its class, and with room under BROKERS_DOWN_MAX. */
function earliestStart(faults: ScheduledFault[], next: ScheduledFault): number {
  let startMs = next.atMs
  for (;;) {
    const active = faults.filter((f) => f.atMs <= startMs && startMs < f.atMs + f.durationMs)
    const sameClass = active.filter((f) => faultClass(f.kind) === faultClass(next.kind))
    const down = active.reduce((sum, f) => sum + brokersDown(f.kind), 0)
    const blockers = down + brokersDown(next.kind) > BROKERS_DOWN_MAX ? active.filter((f) => brokersDown(f.kind) > 0) : sameClass
    if (blockers.length === 0) return startMs
    startMs = Math.min(...blockers.map((f) => f.atMs + f.durationMs))
  }
}

/** One line per fault, for a log or a failing test's message. */
export function describeSchedule(faults: ScheduledFault[]): string {
  return faults.map((f) => `${(f.atMs / 1000).toFixed(1)}s ${f.kind} for ${f.durationMs} ms` +
    (f.clockOffsetMs !== undefined ? ` (clock ${f.clockOffsetMs > 0 ? '+' : ''}${f.clockOffsetMs / 60_000} min)` : '') +
    (f.fsyncDelayMs !== undefined ? ` (fsync +${f.fsyncDelayMs} ms)` : '')).join('\n')
}
