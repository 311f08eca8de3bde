// The `browser` workload (issue 18): faecie's client in headless Chromium (Debian's, through
// playwright-core) against a faecie broker: produce, consume and end-to-end latency, beside the same
// workloads from Node in the same run. (Contract stub: the browser helper builds it.)
import type { SuiteContext } from '../suite/context.js'

export async function benchBrowser(_context: SuiteContext): Promise<void> {
  throw new Error('the browser workload is not built yet')
}
