// The `fanout` workload (issue 18): one topic, one producer, many subscribers, each its own
// connection (for faecie a WebSocket session of its own `Faecie` client), spread over
// `fanoutProcesses` load-generator processes; faecie beside a bare `ws` fan-out (the ceiling: no
// library, no storage), NATS core pub/sub and Redis pub/sub, on the same workload in the same run:
// for each case, each run, the systems in turn (interleaved), each on a server of its own started
// for that run (fanout-servers.ts) so that its CPU time and RSS belong to that case. Figures per
// run: delivered record copies/s, latency produce -> subscriber (p50/p99/p99.9/max, from each
// record's intended send time), the server's CPU per delivered copy; facts: the slowest
// subscriber's lag, the server's CPU share of one core and its largest RSS, copies missed.
import { runFanout } from '../index.js'
import { measure, type SuiteContext } from '../suite/context.js'
import { RssSampler, cpuMs } from '../suite/processes.js'
import type { SystemName } from '../suite/profile.js'
import { type FanoutServer, startBareFanout, startFaecieFanout, startNatsCore, startRedisPubSub } from './fanout-servers.js'

export const FANOUT_FAECIE = 'faecie'
export const FANOUT_BARE = 'bare fan-out (ws)'
export const FANOUT_NATS = 'nats core (nats.js)'
export const FANOUT_REDIS = 'redis pub/sub (ioredis)'
const RECORD_BYTES = 100

/** The variant name of a case, as the report reads it back. */
export function fanoutVariant(subscribers: number, rate: number): string {
  return `${subscribers.toLocaleString('en-US')} subscribers at ${rate.toLocaleString('en-US')}/s`
}

/** The key of a fact about one measurement: `fanout.<system>.<variant>.<name>`. */
export function fanoutFact(system: string, variant: string, name: 'lagRecords' | 'cpuPercent' | 'rssBytes' | 'missed'): string {
  return `fanout.${system}.${variant}.${name}`
}

export async function benchFanout(context: SuiteContext, systems: readonly SystemName[]): Promise<void> {
  const { profile } = context
  type Starter = (subscribers: number) => Promise<FanoutServer>
  const chosen: [string, Starter][] = []
  if (systems.includes('faecie')) chosen.push([FANOUT_FAECIE, (n) => startFaecieFanout(context, n)])
  chosen.push([FANOUT_BARE, () => startBareFanout(RECORD_BYTES)]) // the ceiling: always, beside whichever systems were chosen
  if (systems.includes('nats')) chosen.push([FANOUT_NATS, () => startNatsCore(context)])
  if (systems.includes('redis')) chosen.push([FANOUT_REDIS, (n) => startRedisPubSub(context, n)])
  for (const { subscribers, rate, seconds, runs } of profile.fanoutCases) {
    const variant = fanoutVariant(subscribers, rate)
    const records = Math.max(1, Math.round(rate * seconds))
    for (let run = 0; run < (runs ?? profile.runs); run++) {
      for (const [system, start] of chosen) {
        await measure(context, { workload: 'fanout', system, variant }, () => fanoutRun(context, system, variant, start, { subscribers, rate, records }), 1)
      }
    }
  }
}

async function fanoutRun(
  context: SuiteContext,
  system: string,
  variant: string,
  start: (subscribers: number) => Promise<FanoutServer>,
  load: { subscribers: number; rate: number; records: number },
): Promise<import('../suite/results.js').Figures> {
  const { results, profile } = context
  const server = await start(load.subscribers)
  const rss = new RssSampler(server.process.pid)
  let producer: Awaited<ReturnType<FanoutServer['producer']>> | undefined
  try {
    producer = await server.producer()
    let cpuStartMs: number | undefined
    const result = await runFanout({
      ...load, recordBytes: RECORD_BYTES, processes: Math.min(profile.fanoutProcesses, load.subscribers), timeoutMs: profile.toolTimeoutMs,
      onStart: () => { cpuStartMs = cpuMs(server.process.pid) },
    }, server.target, producer.send)
    const cpuEndMs = cpuMs(server.process.pid)
    const rssBytes = rss.stop()
    const fact = (name: Parameters<typeof fanoutFact>[2], value: number): void => {
      const key = fanoutFact(system, variant, name)
      results.facts.set(key, Math.max(value, results.facts.get(key) ?? 0))
    }
    const cpuUsed = cpuStartMs === undefined || cpuEndMs === undefined ? undefined : cpuEndMs - cpuStartMs
    fact('lagRecords', result.slowestLagRecords)
    fact('rssBytes', rssBytes)
    fact('missed', load.records * load.subscribers - result.delivered)
    if (cpuUsed !== undefined) fact('cpuPercent', (cpuUsed / Math.max(1, result.endMs - result.startMs)) * 100)
    context.log(`    ${result.delivered} of ${load.records * load.subscribers} copies, slowest lag ${result.slowestLagRecords} records, ` +
      `server CPU ${cpuUsed === undefined ? '-' : `${Math.round(cpuUsed)} ms`}, RSS ${Math.round(rssBytes / 1024 / 1024)} MB`)
    return {
      recordsPerSec: result.recordsPerSec,
      p50Ms: result.p50Ms, p99Ms: result.p99Ms, p999Ms: result.p999Ms, maxMs: result.maxMs,
      ...(cpuUsed === undefined || result.delivered === 0 ? {} : { brokerCpuUsPerRecord: (cpuUsed * 1000) / result.delivered }),
    }
  } finally {
    rss.stop()
    await producer?.close().catch(() => undefined)
    await server.process.stop()
  }
}
