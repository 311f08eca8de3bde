// ApiVersions: the APIs and version ranges served (versions.ts). A request at a version newer than
// served is answered by the connection itself, before decoding, with UNSUPPORTED_VERSION in the v0
// format (connection.ts), as Kafka does.
import { KAFKA_APIS } from '../generated/apis.js'
import { defaultApiVersionsResponse, readApiVersionsRequest, writeApiVersionsResponse, type ApiVersionsRequest, type ApiVersionsResponse } from '../generated/api-versions.js'
import { advertisedVersions } from '../versions.js'
import { kafkaApi } from './context.js'

export const apiVersions = kafkaApi<ApiVersionsRequest, ApiVersionsResponse>({
  api: KAFKA_APIS.ApiVersions,
  read: readApiVersionsRequest,
  write: writeApiVersionsResponse,
  handle: async (_request, _version, { served }) => ({ ...defaultApiVersionsResponse(), apiKeys: advertisedVersions(served) }),
})
