// Op `subscribe`: starts a live push of a partition's batches from `offset` on, within the byte
// credit the client grants (flow control in ../subscriptions.ts). Answers `{sub}`; pushes follow.
import type { OpHandler } from '../context.js'

export const subscribe: OpHandler<'subscribe'> = async (request, { session }) => {
  const sub = await session.subscriptions.subscribe(request.topic, request.partition, request.offset, request.creditBytes)
  return { sub }
}
