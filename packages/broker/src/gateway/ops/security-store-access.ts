// What the user and ACL ops share: the authorization of Kafka's rules (altering users and ACLs needs
// Alter on the cluster, describing them Describe on it), the store that writes them (security-store.ts:
// the metadata log of a single broker, etcd in a cluster), and the wire form of a store's per-item refusal.
import { CLUSTER_RESOURCE_NAME, ErrorCode, FaecieError, type AclOperation, type WireError } from '@faecie/protocol'
import { securityStore } from '../../coordinator/security-store.js'
import type { Gateway, SessionHandle } from '../context.js'
import type { ItemError } from '../../coordinator/security-writes.js'

export function checkCluster(gateway: Gateway, session: SessionHandle, operation: AclOperation): void {
  gateway.security.check(session, operation, 'cluster', CLUSTER_RESOURCE_NAME)
}

/** The store of this gateway's users and ACLs; SECURITY_DISABLED where there is none (tests' fake gateways). */
export function storeOf(gateway: Gateway): NonNullable<ReturnType<typeof securityStore>> {
  const attached = securityStore(gateway.security.state)
  if (attached === undefined) throw new FaecieError(ErrorCode.SECURITY_DISABLED, 'Users and ACLs are not stored on this broker.')
  return attached
}

export function itemWireError(error: ItemError): WireError {
  return new FaecieError(error.code, error.message).toWire()
}
