// Ops `createAcls`, `describeAcls`, `deleteAcls`: the ACLs of Kafka's model (../acl.ts), as
// kafka-acls.sh manages them. Creating and deleting need Alter on the cluster, describing needs
// Describe on it. A filter's fields left out match anything. Answers per binding or filter, so one
// bad binding does not fail the others.
import type { AclBinding, AclFilter } from '../acl.js'
import type { WireError } from '../errors.js'
import type { Parsed, RequestFrame } from '../frame.js'
import { parseOp } from './fields.js'

export interface CreateAclsRequest {
  acls: AclBinding[]
}

export interface CreateAclsResponse {
  /** One per binding, in order: no error, or why it was refused. */
  results: { error?: WireError }[]
}

export interface DescribeAclsRequest {
  filter: AclFilter
}

export interface DescribeAclsResponse {
  acls: AclBinding[]
}

export interface DeleteAclsRequest {
  filters: AclFilter[]
}

export interface DeleteAclsResponse {
  /** One per filter, in order: the bindings it deleted, or why it failed. */
  results: { deleted: AclBinding[]; error?: WireError }[]
}

/** Most bindings or filters in one request. */
export const ACLS_PER_REQUEST_MAX = 1000

export function parseCreateAclsRequest(frame: RequestFrame): Parsed<CreateAclsRequest> {
  return parseOp(frame, () => { throw new Error('parseCreateAclsRequest: not built yet (issue 19)') })
}

export function parseDescribeAclsRequest(frame: RequestFrame): Parsed<DescribeAclsRequest> {
  return parseOp(frame, () => { throw new Error('parseDescribeAclsRequest: not built yet (issue 19)') })
}

export function parseDeleteAclsRequest(frame: RequestFrame): Parsed<DeleteAclsRequest> {
  return parseOp(frame, () => { throw new Error('parseDeleteAclsRequest: not built yet (issue 19)') })
}
