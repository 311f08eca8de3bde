// The OpenAPI schemas and paths of /v1/cluster and /v1/reassignments (cluster-routes.ts), kept apart
// from openapi.ts (which merges them in) so that each file stays readable.

type Json = Record<string, unknown>

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` })
const ints: Json = { type: 'array', items: { type: 'integer' } }
const ok = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } })
const unavailable: Json = { description: 'Retriable: the broker is shutting down (SHUTTING_DOWN) or busy.', content: { 'application/json': { schema: ref('Error') } } }

export const CLUSTER_SCHEMAS: Record<string, Json> = {
  ClusterBroker: {
    type: 'object',
    required: ['brokerId', 'url', 'httpUrl', 'rack', 'state', 'controller', 'leaderships', 'underReplicated'],
    properties: {
      brokerId: { type: 'integer' },
      url: { type: ['string', 'null'], description: 'ws://HOST:PORT as clients reach it; null for an offline broker.' },
      httpUrl: { type: ['string', 'null'], description: 'Its HTTP API (http://HOST:PORT); null for an offline broker.' },
      rack: { type: ['string', 'null'] },
      state: { type: 'string', enum: ['live', 'shuttingDown', 'offline'],
        description: 'live; shuttingDown (controlled shutdown: its leaderships move away); offline (named in replicas, not registered).' },
      controller: { type: 'boolean' },
      leaderships: { type: 'integer', description: 'Partitions it leads.' },
      underReplicated: { type: 'integer', description: 'Partitions it leads whose ISR is smaller than their (target) replica set.' },
    },
  },
  UnhealthyPartition: {
    type: 'object',
    required: ['topic', 'partition', 'leader', 'replicas', 'isr'],
    properties: { topic: { type: 'string' }, partition: { type: 'integer' }, leader: { type: 'integer', description: '-1: offline.' }, replicas: ints, isr: ints },
  },
  Cluster: {
    type: 'object',
    required: ['mode', 'clusterId', 'brokerId', 'controllerId', 'brokers', 'partitions', 'underReplicatedPartitions', 'offlinePartitions', 'underReplicated', 'underReplicatedTruncated'],
    properties: {
      mode: { type: 'string', enum: ['single', 'cluster'] },
      clusterId: { type: 'string' },
      brokerId: { type: 'integer', description: 'The broker that answered.' },
      controllerId: { type: 'integer', description: '-1 while none is elected.' },
      brokers: { type: 'array', items: ref('ClusterBroker') },
      partitions: { type: 'integer', description: 'Partitions of every topic, internal ones included.' },
      underReplicatedPartitions: { type: 'integer' },
      offlinePartitions: { type: 'integer', description: 'Partitions without a leader.' },
      underReplicated: { type: 'array', items: ref('UnhealthyPartition'), description: 'The under-replicated and offline partitions (the first 1000).' },
      underReplicatedTruncated: { type: 'boolean' },
    },
  },
  Reassignment: {
    type: 'object',
    required: ['topic', 'partition', 'replicas', 'addingReplicas', 'removingReplicas', 'isr', 'leader'],
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      replicas: { ...ints, description: 'The replicas now: the target first, then those being removed.' },
      addingReplicas: ints,
      removingReplicas: ints,
      isr: ints,
      leader: { type: 'integer' },
    },
  },
}

export const CLUSTER_PATHS: Record<string, Json> = {
  '/v1/cluster': {
    get: {
      operationId: 'describeCluster',
      summary: 'The brokers (state, controller, leaderships, under-replicated partitions) and the unhealthy partitions; a single broker is a cluster of one.',
      responses: { 200: ok('The cluster as this broker sees it.', ref('Cluster')), 503: unavailable },
    },
  },
  '/v1/reassignments': {
    get: {
      operationId: 'listReassignments',
      summary: 'The partition reassignments in progress and the replication throttle.',
      parameters: [{ name: 'topics', in: 'query', required: false, schema: { type: 'string' }, description: 'Only these topics, comma-separated.' }],
      responses: {
        200: ok('The moves in progress.', { type: 'object', required: ['reassignments', 'throttleBytesPerSec'],
          properties: { reassignments: { type: 'array', items: ref('Reassignment') }, throttleBytesPerSec: { type: ['integer', 'null'] } } }),
        400: { description: 'Invalid input.', content: { 'application/json': { schema: ref('Error') } } },
        503: unavailable,
      },
    },
  },
}
