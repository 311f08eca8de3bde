// Golden-byte samples of the security APIs (SaslHandshake, SaslAuthenticate, the ACL APIs and the
// SCRAM user APIs) for test/integration/kafka-codecs-golden.test.ts, in the form of
// kafka-golden-samples.ts: one request and one response per API, as the JSON of Kafka's generated
// JsonConverter, with values that differ from every default in each version that carries the field.
import { expect } from 'vitest'
import type { KafkaApiName } from '../../packages/broker/src/kafka/generated/apis.js'
import type { Sample } from './kafka-golden-samples.js'

const BYTES_B64 = 'AQID' // bytes 1, 2, 3
const BYTES = Uint8Array.from([1, 2, 3])

type SecurityApi = 'SaslHandshake' | 'SaslAuthenticate' | 'CreateAcls' | 'DescribeAcls' | 'DeleteAcls' | 'DescribeUserScramCredentials'
  | 'AlterUserScramCredentials'

const ACL_FILTER = { resourceTypeFilter: 2, resourceNameFilter: 'orders', patternTypeFilter: 4, principalFilter: 'User:alice', hostFilter: '*',
  operation: 4, permissionType: 3 }

export const SECURITY_SAMPLES: Record<SecurityApi & KafkaApiName, { request: Sample; response: Sample }> = {
  SaslHandshake: {
    request: { json: { mechanism: 'SCRAM-SHA-512' }, check: (d) => expect(d).toEqual({ mechanism: 'SCRAM-SHA-512' }) },
    response: { json: { errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] },
      check: (d) => expect(d).toEqual({ errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] }) },
  },
  SaslAuthenticate: {
    request: { json: { authBytes: BYTES_B64 }, check: (d) => expect(d.authBytes).toEqual(BYTES) },
    response: {
      json: (v: number) => ({ errorCode: 58, errorMessage: 'wrong password', authBytes: BYTES_B64, ...(v >= 1 ? { sessionLifetimeMs: 60000 } : {}) }),
      check: (d, v) => {
        expect([d.errorCode, d.errorMessage, d.authBytes]).toEqual([58, 'wrong password', BYTES])
        if (v >= 1) expect(d.sessionLifetimeMs).toBe(60000n)
      },
    },
  },
  CreateAcls: {
    request: {
      json: { creations: [{ resourceType: 3, resourceName: 'g1', resourcePatternType: 4, principal: 'User:alice', host: '10.0.0.1', operation: 3, permissionType: 2 }] },
      check: (d) => expect(d.creations[0]).toEqual({ resourceType: 3, resourceName: 'g1', resourcePatternType: 4, principal: 'User:alice', host: '10.0.0.1', operation: 3, permissionType: 2 }),
    },
    response: { json: { throttleTimeMs: 7, results: [{ errorCode: 42, errorMessage: 'bad' }, { errorCode: 0, errorMessage: null }] },
      check: (d) => expect(d.results).toEqual([{ errorCode: 42, errorMessage: 'bad' }, { errorCode: 0, errorMessage: null }]) },
  },
  DescribeAcls: {
    request: { json: ACL_FILTER, check: (d) => expect(d).toEqual(ACL_FILTER) },
    response: {
      json: { throttleTimeMs: 7, errorCode: 31, errorMessage: 'no', resources: [{ resourceType: 2, resourceName: 'orders', patternType: 3,
        acls: [{ principal: 'User:alice', host: '*', operation: 8, permissionType: 3 }] }] },
      check: (d) => {
        expect([d.errorCode, d.errorMessage]).toEqual([31, 'no'])
        expect(d.resources[0]).toEqual({ resourceType: 2, resourceName: 'orders', patternType: 3, acls: [{ principal: 'User:alice', host: '*', operation: 8, permissionType: 3 }] })
      },
    },
  },
  DeleteAcls: {
    request: { json: { filters: [ACL_FILTER, { ...ACL_FILTER, resourceNameFilter: null, principalFilter: null, hostFilter: null, patternTypeFilter: 2 }] },
      check: (d) => { expect(d.filters[0]).toEqual(ACL_FILTER); expect(d.filters[1]).toMatchObject({ resourceNameFilter: null, patternTypeFilter: 2 }) } },
    response: {
      json: { throttleTimeMs: 7, filterResults: [{ errorCode: 0, errorMessage: null, matchingAcls: [{ errorCode: 0, errorMessage: null, resourceType: 2,
        resourceName: 'orders', patternType: 4, principal: 'User:alice', host: '*', operation: 4, permissionType: 3 }] }, { errorCode: 42, errorMessage: 'bad', matchingAcls: [] }] },
      check: (d) => { expect(d.filterResults[0].matchingAcls[0]).toMatchObject({ resourceName: 'orders', patternType: 4, operation: 4 }); expect(d.filterResults[1].errorCode).toBe(42) },
    },
  },
  DescribeUserScramCredentials: {
    request: { json: { users: [{ name: 'alice' }, { name: 'bob' }] }, check: (d) => expect(d.users).toEqual([{ name: 'alice' }, { name: 'bob' }]) },
    response: {
      json: { throttleTimeMs: 7, errorCode: 0, errorMessage: null, results: [{ user: 'alice', errorCode: 0, errorMessage: null,
        credentialInfos: [{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }] }, { user: 'bob', errorCode: 91, errorMessage: 'unknown', credentialInfos: [] }] },
      check: (d) => { expect(d.results[0].credentialInfos).toEqual([{ mechanism: 1, iterations: 4096 }, { mechanism: 2, iterations: 8192 }]); expect(d.results[1].errorCode).toBe(91) },
    },
  },
  AlterUserScramCredentials: {
    request: {
      json: { deletions: [{ name: 'bob', mechanism: 2 }], upsertions: [{ name: 'alice', mechanism: 1, iterations: 8192, salt: BYTES_B64, saltedPassword: 'BAUG' }] },
      check: (d) => {
        expect(d.deletions).toEqual([{ name: 'bob', mechanism: 2 }])
        expect(d.upsertions[0]).toEqual({ name: 'alice', mechanism: 1, iterations: 8192, salt: BYTES, saltedPassword: Uint8Array.from([4, 5, 6]) })
      },
    },
    response: { json: { throttleTimeMs: 7, results: [{ user: 'alice', errorCode: 0, errorMessage: null }, { user: 'bob', errorCode: 91, errorMessage: 'gone' }] },
      check: (d) => expect(d.results[1]).toEqual({ user: 'bob', errorCode: 91, errorMessage: 'gone' }) },
  },
}
