// `faecie perf fanout`'s command line: every bad flag is refused (UsageError: exit 2) before any
// broker is contacted (the address given is one nothing listens on).
import { describe, expect, it } from 'vitest'
import { UsageError } from '../args.js'
import { LineWriter } from '../output.js'
import { PERF_USAGE, perfCommand } from './perf.js'

describe('perf fanout command line', () => {
  const out = new LineWriter()
  const refused = (args: string[], message: RegExp) =>
    expect(perfCommand(['fanout', ...args, '--broker', 'ws://127.0.0.1:1'], out)).rejects.toThrow(message)

  it('refuses missing, out-of-range and foreign flags with a UsageError', async () => {
    const ok = ['--topic', 't', '--records', '10', '--subscribers', '5', '--rate', '100']
    await expect(perfCommand(['fanout', '--records', '10', '--subscribers', '5', '--rate', '1', '--broker', 'ws://127.0.0.1:1'], out)).rejects.toThrow(UsageError)
    await refused(['--topic', 't', '--subscribers', '5', '--rate', '100'], /--records is required/)
    await refused(['--topic', 't', '--records', '10', '--rate', '100'], /--subscribers is required/)
    await refused(['--topic', 't', '--records', '10', '--subscribers', '5'], /--rate is required/)
    await refused([...ok.slice(0, 4), '--subscribers', '0', '--rate', '100'], /--subscribers must be an integer/)
    await refused([...ok, '--subscribers', '100001'], /--subscribers must be an integer/)
    await refused([...ok, '--rate', '0'], /--rate must be an integer/)
    await refused([...ok, '--processes', '0'], /--processes must be an integer/)
    await refused([...ok, '--processes', '65'], /--processes must be an integer/)
    await refused([...ok, '--record-size', '11'], /--record-size must be an integer >= 12/)
    await refused([...ok, '--timeout-ms', 'soon'], /--timeout-ms must be an integer/)
    await refused([...ok, '--mode', 'push'], /perf fanout does not take --mode/)
    await refused([...ok, '--producers', '2'], /perf fanout does not take --producers/)
    // And the other actions do not take fanout's flags.
    await expect(perfCommand(['latency', '--topic', 't', '--records', '1', '--rate', '1', '--subscribers', '2', '--broker', 'ws://127.0.0.1:1'], out)).rejects.toThrow(/perf latency does not take --subscribers/)
  })

  it('documents fanout and its flags in the usage', () => {
    expect(PERF_USAGE).toMatch(/<produce\|consume\|latency\|fanout>/)
    for (const flag of ['--subscribers S', '--processes P', '"slowestLagRecords"', 'sessionsPerAddressMax']) expect(PERF_USAGE).toContain(flag)
  })
})
