// Ops `createAcls`, `describeAcls`, `deleteAcls` (protocol ops/acls.ts), as Kafka's: creating and
// deleting need Alter on the cluster, describing Describe on it. The store (the metadata log of a
// single broker) writes them; the gateway's SecurityState holds them once written. Creating a
// binding that exists is a success; a deletion filter answers the bindings it removed.
import type { AclBinding } from '@faecie/protocol'
import type { OpHandler } from '../context.js'
import { checkCluster, itemWireError, storeOf } from './security-store-access.js'

export const createAcls: OpHandler<'createAcls'> = async (request, { gateway, session }) => {
  checkCluster(gateway, session, 'Alter')
  const results = await storeOf(gateway).store.createAcls(request.acls)
  return { results: results.map((error) => (error === null ? {} : { error: itemWireError(error) })) }
}

export const describeAcls: OpHandler<'describeAcls'> = async (request, { gateway, session }) => {
  checkCluster(gateway, session, 'Describe')
  return { acls: gateway.security.state.acls(request.filter).sort(byFields) }
}

export const deleteAcls: OpHandler<'deleteAcls'> = async (request, { gateway, session }) => {
  checkCluster(gateway, session, 'Alter')
  const deleted = await storeOf(gateway).store.deleteAcls(request.filters)
  return { results: deleted.map((bindings) => ({ deleted: bindings })) }
}

/** A stable order for listings: by resource, then principal, then the rest. */
function byFields(a: AclBinding, b: AclBinding): number {
  const key = (x: AclBinding): string => [x.resourceType, x.resourceName, x.patternType, x.principal, x.host, x.operation, x.permission].join('\u0000')
  const ka = key(a)
  const kb = key(b)
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
