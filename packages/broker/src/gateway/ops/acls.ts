// Ops `createAcls`, `describeAcls`, `deleteAcls` (protocol ops/acls.ts).
import { ErrorCode, FaecieError } from '@faecie/protocol'
import type { OpHandler } from '../context.js'

export const createAcls: OpHandler<'createAcls'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'createAcls: not built yet (issue 19).')
}

export const describeAcls: OpHandler<'describeAcls'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'describeAcls: not built yet (issue 19).')
}

export const deleteAcls: OpHandler<'deleteAcls'> = async () => {
  throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'deleteAcls: not built yet (issue 19).')
}
