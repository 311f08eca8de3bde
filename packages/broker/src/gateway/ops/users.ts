// Ops `describeUsers`, `alterUsers` (protocol ops/users.ts).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { OpHandler } from '../context.js'

export const describeUsers: OpHandler<'describeUsers'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'describeUsers: not built yet (issue 19).')
}

export const alterUsers: OpHandler<'alterUsers'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'alterUsers: not built yet (issue 19).')
}
