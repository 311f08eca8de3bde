// Op `unsubscribe`: ends a subscription; pushes already sent may still arrive before the answer.
import type { OpHandler } from '../context.js'

export const unsubscribe: OpHandler<'unsubscribe'> = async (request, { session }) => {
  session.subscriptions.unsubscribe(request.sub)
  return {}
}
