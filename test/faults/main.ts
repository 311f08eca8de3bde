// `pnpm test:faults --minutes N --seed S [--brokers 3|5] [--mode auto|netns|proxy]` (issue 15): one
// fault campaign against real processes (nemesis/campaign.ts), its report printed, exit 1 on any
// anomaly (the report's last line is the replay command). Without --seed a random seed is drawn and
// printed first, so that any run can be replayed. --history FILE keeps the recorded history as JSON. Bundled and run by scripts/test-faults.mjs.
import { randomInt } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { replayCommand, runCampaign } from './nemesis/campaign.js'

const USAGE = 'usage: pnpm test:faults --minutes N [--seed S] [--brokers 3|5] [--mode auto|netns|proxy] [--history FILE] [--quiet]'
/** A campaign longer than a day is a typo. */
const MINUTES_MAX = 24 * 60

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`)
  process.exit(2)
}

function number(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) fail(`${name}: not a number: ${text}`)
  return value
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: { minutes: { type: 'string' }, seed: { type: 'string' }, brokers: { type: 'string' }, mode: { type: 'string' }, history: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
    }).values
  } catch (err) {
    fail((err as Error).message)
  }
  if (parsed.help === true) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const minutes = number(parsed.minutes, '--minutes', 5)
  if (!(minutes > 0 && minutes <= MINUTES_MAX)) fail(`--minutes must be in (0, ${MINUTES_MAX}], not ${minutes}`)
  const seed = number(parsed.seed, '--seed', randomInt(0, 2 ** 32))
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) fail(`--seed must be an integer in [0, 2^32), not ${seed}`)
  const brokers = number(parsed.brokers, '--brokers', 3)
  if (brokers !== 3 && brokers !== 5) fail(`--brokers must be 3 or 5, not ${brokers}`)
  const mode = parsed.mode ?? 'auto'
  if (mode !== 'auto' && mode !== 'netns' && mode !== 'proxy') fail(`--mode must be auto, netns or proxy, not ${mode}`)
  const options = { seed, durationMs: Math.round(minutes * 60_000), brokers, mode } as const
  process.stdout.write(`test:faults: seed ${seed} (replay: ${replayCommand(options)})\n`)
  const log = parsed.quiet === true ? undefined : (line: string): void => { process.stderr.write(`${line}\n`) }
  try {
    const outcome = await runCampaign({ ...options, log })
    process.stdout.write(`${outcome.report}\n`)
    // The whole history as JSON, for a look at what the checker flagged (a campaign's is tens of MB at most).
    if (parsed.history !== undefined) writeFileSync(parsed.history, JSON.stringify(outcome.history))
    if (!outcome.result.ok) {
      process.stdout.write(`\nFAILED: ${outcome.result.anomalies.length} anomalies. Replay: ${outcome.replay}\n`)
      process.exitCode = 1
    }
  } catch (err) {
    process.stdout.write(`\nFAILED: the campaign broke: ${(err as Error).stack ?? String(err)}\nreplay: ${replayCommand(options)}\n`)
    process.exitCode = 1
  }
}

await main()
// Temp dirs and processes are removed by the exit hooks (test/support/temp-dir.ts); leftover timers
// of clients must not keep a finished campaign alive.
process.exit()
