// Op `saslAuthenticate` (protocol ops/sasl-authenticate.ts): one step of a SCRAM login on this session.
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { OpHandler } from '../context.js'

export const saslAuthenticate: OpHandler<'saslAuthenticate'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'saslAuthenticate: not built yet (issue 19).')
}
