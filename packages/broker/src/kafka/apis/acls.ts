// CreateAcls (v1-3), DescribeAcls (v1-3) and DeleteAcls (v1-3), as kafka-acls.sh and the admin
// client send them, through the gateway's createAcls, describeAcls and deleteAcls ops (which check
// Alter / Describe on the cluster and keep the ACLs in the cluster metadata). Kafka's codes are
// mapped in acl-codes.ts. Per item, as Kafka answers:
//   CreateAcls   a binding faecie cannot hold (TRANSACTIONAL_ID, IDEMPOTENT_WRITE, ANY, ...) is
//                INVALID_REQUEST and not sent; the rest go in one createAcls op; the op's refusal of
//                the whole request (CLUSTER_AUTHORIZATION_FAILED, SECURITY_DISABLED without --auth)
//                is every binding's error
//   DescribeAcls the ACLs matched, grouped by resource pattern; a refusal is the answer's error
//   DeleteAcls   each filter's deleted bindings; a MATCH filter is resolved by describing first, then
//                deleting exactly the bindings that apply to the named resource
// A filter on a resource type or operation faecie has no ACLs of matches nothing (no error).
import { ACLS_PER_REQUEST_MAX, ErrorCode, FaecieError, type AclBinding, type AclFilter } from '@faecie/protocol'
import { checkItemCount, NO_RESPONSE, wireError } from '../../gateway/context.js'
import { OP_HANDLERS } from '../../gateway/ops/index.js'
import { KAFKA_APIS } from '../generated/apis.js'
import { readCreateAclsRequest, writeCreateAclsResponse, type CreateAclsRequest, type CreateAclsResponse } from '../generated/create-acls.js'
import { readDeleteAclsRequest, writeDeleteAclsResponse, type DeleteAclsRequest, type DeleteAclsResponse,
  type DeleteAclsResponseDeleteAclsFilterResult } from '../generated/delete-acls.js'
import { readDescribeAclsRequest, writeDescribeAclsResponse, type DescribeAclsRequest, type DescribeAclsResponse,
  type DescribeAclsResponseDescribeAclsResource } from '../generated/describe-acls.js'
import { appliesTo, bindingFromKafka, bindingToKafka, filterFromKafka, type KafkaFilter } from './acl-codes.js'
import { kafkaApi, type KafkaApiContext } from './context.js'

interface Outcome { errorCode: number; errorMessage: string | null }

function failure(err: unknown, ctx: KafkaApiContext): Outcome {
  const error = wireError(err, ctx.logger)
  return { errorCode: error.code, errorMessage: error.message }
}

export const createAcls = kafkaApi<CreateAclsRequest, CreateAclsResponse>({
  api: KAFKA_APIS.CreateAcls,
  read: readCreateAclsRequest,
  write: writeCreateAclsResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.creations.length, ctx.gateway.limits)
    const bindings = request.creations.map((c) => bindingFromKafka({ ...c, patternType: c.resourcePatternType }))
    const valid = bindings.filter((b): b is AclBinding => typeof b !== 'string')
    let results: Outcome[] = []
    if (valid.length > 0) {
      try {
        const answer = await OP_HANDLERS.createAcls({ acls: valid }, ctx.op)
        if (answer === NO_RESPONSE) throw new Error('createAcls always answers')
        results = answer.results.map((r) => ({ errorCode: r.error?.code ?? 0, errorMessage: r.error?.message ?? null }))
      } catch (err) {
        results = valid.map(() => failure(err, ctx))
      }
    }
    let next = 0
    return {
      throttleTimeMs: 0,
      results: bindings.map((b) => (typeof b === 'string' ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: b } : results[next++]!)),
    }
  },
})

/** The bindings a Kafka filter matches (MATCH resolved here); throws the op's refusal. */
async function matching(filter: KafkaFilter, ctx: KafkaApiContext): Promise<AclBinding[]> {
  if (filter === 'none') return []
  if ('problem' in filter) throw new FaecieError(ErrorCode.INVALID_REQUEST, filter.problem)
  const answer = await OP_HANDLERS.describeAcls({ filter: filter.filter }, ctx.op)
  if (answer === NO_RESPONSE) throw new Error('describeAcls always answers')
  const { match } = filter
  return match === undefined ? answer.acls : answer.acls.filter((b) => appliesTo(b, match))
}

export const describeAcls = kafkaApi<DescribeAclsRequest, DescribeAclsResponse>({
  api: KAFKA_APIS.DescribeAcls,
  read: readDescribeAclsRequest,
  write: writeDescribeAclsResponse,
  handle: async (request, _version, ctx) => {
    const filter = filterFromKafka({ resourceType: request.resourceTypeFilter, resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter, principal: request.principalFilter, host: request.hostFilter,
      operation: request.operation, permissionType: request.permissionType })
    try {
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, resources: byResource(await matching(filter, ctx)) }
    } catch (err) {
      return { throttleTimeMs: 0, ...failure(err, ctx), resources: [] }
    }
  },
})

/** Bindings grouped by resource pattern, as DescribeAcls answers them. */
function byResource(bindings: AclBinding[]): DescribeAclsResponseDescribeAclsResource[] {
  const resources = new Map<string, DescribeAclsResponseDescribeAclsResource>()
  for (const b of bindings) {
    const k = bindingToKafka(b)
    const key = JSON.stringify([k.resourceType, k.resourceName, k.patternType])
    let resource = resources.get(key)
    if (resource === undefined) {
      resource = { resourceType: k.resourceType, resourceName: b.resourceName, patternType: k.patternType, acls: [] }
      resources.set(key, resource)
    }
    resource.acls.push({ principal: b.principal, host: b.host, operation: k.operation, permissionType: k.permissionType })
  }
  return [...resources.values()]
}

export const deleteAcls = kafkaApi<DeleteAclsRequest, DeleteAclsResponse>({
  api: KAFKA_APIS.DeleteAcls,
  read: readDeleteAclsRequest,
  write: writeDeleteAclsResponse,
  handle: async (request, _version, ctx) => {
    checkItemCount(request.filters.length, ctx.gateway.limits)
    const filterResults: DeleteAclsResponseDeleteAclsFilterResult[] = []
    // One filter after another, as Kafka applies them: a later filter does not see what an earlier one deleted.
    for (const f of request.filters) {
      const filter = filterFromKafka({ resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
        principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType })
      try {
        filterResults.push({ errorCode: 0, errorMessage: null, matchingAcls: await deleteMatching(filter, ctx) })
      } catch (err) {
        filterResults.push({ ...failure(err, ctx), matchingAcls: [] })
      }
    }
    return { throttleTimeMs: 0, filterResults }
  },
})

async function deleteMatching(filter: KafkaFilter, ctx: KafkaApiContext): Promise<DeleteAclsResponseDeleteAclsFilterResult['matchingAcls']> {
  if (filter === 'none') return []
  let filters: AclFilter[]
  if ('filter' in filter && filter.match === undefined) {
    filters = [filter.filter]
  } else {
    // MATCH: the bindings that apply to the resource, each deleted exactly.
    filters = await matching(filter, ctx)
    if (filters.length === 0) return []
    if (filters.length > ACLS_PER_REQUEST_MAX) {
      throw new FaecieError(ErrorCode.INVALID_REQUEST, `The filter matches ${filters.length} ACLs, over ${ACLS_PER_REQUEST_MAX} at once: delete with narrower filters.`)
    }
  }
  const answer = await OP_HANDLERS.deleteAcls({ filters }, ctx.op)
  if (answer === NO_RESPONSE) throw new Error('deleteAcls always answers')
  const refused = answer.results.find((r) => r.error !== undefined)?.error
  if (refused !== undefined && answer.results.every((r) => r.deleted.length === 0)) throw new FaecieError(refused.code, refused.message)
  return answer.results.flatMap((r) => r.deleted.map((b) => ({ errorCode: 0, errorMessage: null, ...bindingToKafka(b), resourceName: b.resourceName,
    principal: b.principal, host: b.host })))
}
