// The `fanout` workload (issue 18): one topic, one producer, many subscribers, each its own
// WebSocket session, spread over load-generator processes; faecie beside a bare `ws` fan-out,
// NATS core pub/sub and Redis pub/sub on the same workload in the same run. (Contract stub: the
// fan-out helper builds it.)
import type { SuiteContext } from '../suite/context.js'
import type { SystemName } from '../suite/profile.js'

export async function benchFanout(_context: SuiteContext, _systems: readonly SystemName[]): Promise<void> {
  throw new Error('the fanout workload is not built yet')
}
