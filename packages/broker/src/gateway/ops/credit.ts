// Op `credit`: grants a subscription more bytes to push (the client tops it up as it consumes).
import type { OpHandler } from '../context.js'

export const credit: OpHandler<'credit'> = async (request, { session }) => {
  session.subscriptions.credit(request.sub, request.bytes)
  return {}
}
