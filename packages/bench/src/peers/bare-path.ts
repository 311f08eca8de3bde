// The bare path (issue 18), the ceiling of end-to-end latency measured in the same run as faecie's:
// a producer process, a `ws` server that hands each frame to a worker thread and back and sends it to
// a subscriber process; no library, no storage. Part of the `latency` workload. (Contract stub: the
// latency helper builds it.)
import type { SuiteContext } from '../suite/context.js'

export async function benchBarePath(_context: SuiteContext): Promise<void> {
  throw new Error('the bare path is not built yet')
}
