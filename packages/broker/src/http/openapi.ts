// The OpenAPI 3.1 document of the HTTP API, served at GET /openapi.json. Written by hand beside the
// routes; a test checks that every route registered under /v1 is in it and that it validates
// against the OpenAPI 3.1 schema. Limits in it are the defaults (defaultHttpLimits).
import { HTTP_STATUS_BY_CODE } from './errors.js'
import { AUTH_PATHS, AUTH_SCHEMAS, denied, SECURITY, SECURITY_SCHEMES, unauthorized } from './openapi-auth.js'
import { CLUSTER_PATHS, CLUSTER_SCHEMAS } from './openapi-cluster.js'

type Json = Record<string, unknown>

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Json): Json => ({ content: { 'application/json': { schema } } })
const ok = (description: string, schema: Json): Json => ({ description, ...json(schema) })
const errorResponse = (description: string): Json => ({ description, ...json(ref('Error')) })

const topicParam: Json = { name: 'topic', in: 'path', required: true, schema: { type: 'string' }, description: 'Topic name.' }
const partitionParam: Json = { name: 'partition', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } }
const groupParam: Json = { name: 'group', in: 'path', required: true, schema: { type: 'string' }, description: 'Group id.' }
const encodingSchema: Json = { type: 'string', enum: ['string', 'json', 'base64'] }
const headerEncodingSchema: Json = { type: 'string', enum: ['string', 'base64'] }
const query = (name: string, schema: Json, description: string): Json => ({ name, in: 'query', required: false, schema, description })
const offsetQuery = (fallback: string): Json => query('offset', {
  oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', enum: ['earliest', 'latest'] }],
}, `Where to start: an offset, \`earliest\` or \`latest\` (default \`${fallback}\`).`)
const encodingQueries: Json[] = [
  query('encoding', encodingSchema, 'How keys and values are given: `string` (UTF-8 text), `json` (parsed), `base64`. Default `string`.'),
  query('keyEncoding', encodingSchema, 'Overrides `encoding` for keys.'),
  query('valueEncoding', encodingSchema, 'Overrides `encoding` for values.'),
  query('headerEncoding', headerEncodingSchema, 'How header values are given. Default `string`.'),
]

const badRequest = errorResponse('Invalid input (INVALID_REQUEST, INVALID_TOPIC_EXCEPTION, ...).')
const notFound = errorResponse('Unknown topic, partition or group (UNKNOWN_TOPIC_OR_PARTITION, GROUP_ID_NOT_FOUND).')
const forbidden = errorResponse('A state-changing request from an Origin that is not allowed (ORIGIN_NOT_ALLOWED), or an ACL ' +
  'does not let the principal do this (TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED).')
const unavailable = errorResponse('Retriable: the broker is shutting down (SHUTTING_DOWN) or busy.')
const tooMany = errorResponse('Too many requests or streams at once (TOO_MANY_IN_FLIGHT, TOO_MANY_SUBSCRIPTIONS).')
const common = { 400: badRequest, 401: unauthorized, 403: denied, 429: tooMany, 503: unavailable }
const misdirected: Json = {
  description: 'Cluster mode: this broker does not lead the partition (NOT_LEADER_OR_FOLLOWER); send the request to `leaderUrl` ' +
    '(null: no leader can serve now, retry shortly). Nothing was appended or read.',
  ...json(ref('Misdirected')),
}

const schemas: Record<string, Json> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'name', 'message', 'retriable'],
        properties: {
          code: { type: 'integer', description: 'The protocol error code (docs/protocol.md); Kafka numbering below 1000.' },
          name: { type: 'string', examples: ['UNKNOWN_TOPIC_OR_PARTITION'] },
          message: { type: 'string' },
          retriable: { type: 'boolean', description: 'True when the same request may succeed later.' },
        },
      },
    },
  },
  PartitionLeader: {
    type: 'object',
    required: ['partition', 'leaderId', 'leaderUrl'],
    properties: {
      partition: { type: 'integer' },
      leaderId: { type: 'integer', description: 'The leader broker id; -1 when the partition has none.' },
      leaderUrl: { type: ['string', 'null'], description: "The leader's HTTP API (http://HOST:PORT); null when no leader can serve now." },
    },
  },
  Misdirected: {
    type: 'object',
    required: ['error', 'leaderUrl', 'partitions'],
    properties: {
      error: { $ref: '#/components/schemas/Error/properties/error' },
      leaderUrl: { type: ['string', 'null'], description: 'Where to send the request: the (first) partition leader\'s HTTP URL, null when none can serve now.' },
      partitions: { type: 'array', items: ref('PartitionLeader'), description: 'Every partition of the request led elsewhere.' },
    },
  },
  TopicConfig: {
    type: 'object',
    additionalProperties: { type: 'string' },
    description: "Kafka's topic config keys (`retention.ms`, `cleanup.policy`, ...) with string values.",
  },
  TopicSummary: {
    type: 'object',
    required: ['name', 'topicId', 'partitions'],
    properties: { name: { type: 'string' }, topicId: { type: 'string' }, partitions: { type: 'integer' } },
  },
  CreateTopic: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', description: "Kafka's rules: 1-249 of [a-zA-Z0-9._-], not `.` or `..`." },
      partitions: { type: 'integer', minimum: 1, default: 1 },
      config: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      validateOnly: { type: 'boolean', description: 'Check everything, create nothing.' },
    },
  },
  CreatedTopic: {
    type: 'object',
    properties: { name: { type: 'string' }, topicId: { type: 'string' }, partitions: { type: 'integer' } },
  },
  PartitionInfo: {
    type: 'object',
    required: ['partition', 'logStartOffset', 'highWatermark', 'logEndOffset', 'sizeBytes'],
    properties: {
      partition: { type: 'integer' },
      logStartOffset: { type: 'integer' },
      highWatermark: { type: 'integer', description: 'Where the next record goes; readable up to here.' },
      logEndOffset: { type: 'integer' },
      sizeBytes: { type: 'integer' },
      leader: { type: 'integer', description: 'Cluster mode: the leader broker id (-1: none).' },
      leaderEpoch: { type: 'integer', description: 'Cluster mode.' },
      leaderUrl: { type: ['string', 'null'], description: "Cluster mode: the leader's HTTP URL." },
      replicas: { type: 'array', items: { type: 'integer' }, description: 'Cluster mode: the replicas, preferred leader first.' },
      isr: { type: 'array', items: { type: 'integer' }, description: 'Cluster mode: the in-sync replicas.' },
      addingReplicas: { type: 'array', items: { type: 'integer' }, description: 'Cluster mode: replicas a reassignment is adding (empty: none).' },
      removingReplicas: { type: 'array', items: { type: 'integer' }, description: 'Cluster mode: replicas a reassignment is removing (empty: none).' },
    },
  },
  TopicDescription: {
    type: 'object',
    required: ['name', 'topicId', 'config', 'partitions'],
    properties: {
      name: { type: 'string' },
      topicId: { type: 'string' },
      config: ref('TopicConfig'),
      partitions: { type: 'array', items: ref('PartitionInfo') },
    },
  },
  Header: {
    type: 'object',
    required: ['key', 'value'],
    properties: { key: { type: 'string' }, value: { type: ['string', 'null'] } },
  },
  RecordInput: {
    type: 'object',
    required: ['value'],
    properties: {
      key: { description: 'By keyEncoding; null or absent: no key (the sticky partition).' },
      value: { description: 'By valueEncoding; null is a tombstone.' },
      headers: {
        oneOf: [
          { type: 'array', items: ref('Header') },
          { type: 'object', additionalProperties: { type: ['string', 'null'] } },
        ],
      },
      partition: { type: 'integer', minimum: 0, description: "Absent: Kafka's partitioner (murmur2 of the key)." },
      timestamp: { type: 'integer', minimum: 0, description: 'Milliseconds since the epoch; default now.' },
    },
  },
  ProduceRequest: {
    type: 'object',
    required: ['records'],
    properties: {
      records: { type: 'array', minItems: 1, maxItems: 10_000, items: ref('RecordInput') },
      keyEncoding: { ...encodingSchema, default: 'string' },
      valueEncoding: { ...encodingSchema, default: 'string' },
      headerEncoding: { ...headerEncodingSchema, default: 'string' },
      acks: {
        oneOf: [{ type: 'integer', enum: [0, 1, -1] }, { type: 'string', enum: ['all', '0', '1', '-1'] }],
        default: 'all',
        description: '0: answered 202 before the append; 1 or -1/all: once appended (durable under the topic flush policy).',
      },
    },
  },
  ProducedRecord: {
    type: 'object',
    required: ['partition', 'offset'],
    properties: {
      partition: { type: 'integer' },
      offset: { type: 'integer', description: '-1 when its partition failed (see error) or with acks 0.' },
      error: ref('WireError'),
    },
  },
  WireError: {
    type: 'object',
    required: ['code', 'name', 'message', 'retriable'],
    properties: { code: { type: 'integer' }, name: { type: 'string' }, message: { type: 'string' }, retriable: { type: 'boolean' } },
  },
  ProduceResponse: {
    type: 'object',
    required: ['topic', 'records'],
    properties: {
      topic: { type: 'string' },
      records: { type: 'array', items: ref('ProducedRecord'), description: 'One per record, in request order.' },
      partitions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            partition: { type: 'integer' }, baseOffset: { type: 'integer' }, logAppendTime: { type: 'integer' },
            logStartOffset: { type: 'integer' }, error: ref('WireError'),
          },
        },
      },
    },
  },
  Record: {
    type: 'object',
    required: ['partition', 'offset', 'timestamp', 'key', 'value', 'headers'],
    properties: {
      partition: { type: 'integer' },
      offset: { type: 'integer' },
      timestamp: { type: 'integer' },
      key: { description: 'By keyEncoding; null when the record has none.' },
      value: { description: 'By valueEncoding; null for a tombstone.' },
      headers: { type: 'array', items: ref('Header') },
      keyEncoding: { ...encodingSchema, description: 'Present only when the key could not be given as asked (not JSON: base64).' },
      valueEncoding: { ...encodingSchema, description: 'Present only when the value could not be given as asked (not JSON: base64).' },
    },
  },
  ReadResponse: {
    type: 'object',
    required: ['topic', 'partition', 'records', 'nextOffset', 'highWatermark', 'logStartOffset'],
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      records: { type: 'array', items: ref('Record') },
      nextOffset: { type: 'integer', description: 'The offset to read from next.' },
      highWatermark: { type: 'integer' },
      logStartOffset: { type: 'integer' },
      keyEncoding: encodingSchema,
      valueEncoding: encodingSchema,
    },
  },
  ListedGroup: {
    type: 'object',
    properties: {
      groupId: { type: 'string' },
      state: { type: 'string', enum: ['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'] },
      groupEpoch: { type: 'integer' },
      members: { type: 'integer' },
    },
  },
  TopicPartitions: {
    type: 'object',
    properties: { topic: { type: 'string' }, partitions: { type: 'array', items: { type: 'integer' } } },
  },
  GroupMember: {
    type: 'object',
    properties: {
      memberId: { type: 'string' }, instanceId: { type: 'string' }, clientId: { type: 'string' }, memberEpoch: { type: 'integer' },
      subscribedTopicNames: { type: 'array', items: { type: 'string' } }, subscribedTopicRegex: { type: 'string' },
      assignment: { type: 'array', items: ref('TopicPartitions') },
      targetAssignment: { type: 'array', items: ref('TopicPartitions') },
    },
  },
  PartitionLag: {
    type: 'object',
    required: ['topic', 'partition', 'committed', 'end', 'lag'],
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      committed: { type: 'integer', description: '-1 when nothing is committed.' },
      end: { type: 'integer', description: 'The high watermark; -1 for a partition led by another broker (cluster mode).' },
      lag: { type: ['integer', 'null'], description: 'end - committed; null when nothing is committed or the end is not known here.' },
      memberId: { type: 'string' },
      clientId: { type: 'string' },
      leaderUrl: { type: ['string', 'null'], description: "Cluster mode, a partition led elsewhere: its leader's HTTP URL." },
    },
  },
  GroupDescription: {
    type: 'object',
    required: ['groupId', 'state', 'members', 'partitions', 'totalLag'],
    properties: {
      groupId: { type: 'string' },
      state: { type: 'string' },
      groupEpoch: { type: 'integer' },
      assignmentEpoch: { type: 'integer' },
      assignor: { type: 'string' },
      members: { type: 'array', items: ref('GroupMember') },
      partitions: { type: 'array', items: ref('PartitionLag') },
      totalLag: { type: 'integer' },
    },
  },
}

const sse: Json = {
  description: [
    'A Server-Sent Events stream (text/event-stream). Events: `open` (data `{topic, partitions: [{partition, offset}]}`,',
    'sent once subscribed; in cluster mode also `elsewhere: [{partition, leaderId, leaderUrl}]`, the partitions led by other brokers), `record` (id `PARTITION:OFFSET`, data a Record), `error` (data `{error, partition}`: the',
    'subscription ended, the stream closes), `shutdown` (the broker is stopping, the stream closes); a `: heartbeat`',
    'comment every heartbeatMs.',
  ].join(' '),
  content: { 'text/event-stream': { schema: { type: 'string' } } },
}
const tailQueries: Json[] = [
  offsetQuery('latest'),
  query('heartbeatMs', { type: 'integer', minimum: 1_000, maximum: 300_000 }, 'Heartbeat comment interval; default 15000.'),
  ...encodingQueries,
]

const errorTable = [...HTTP_STATUS_BY_CODE].map(([code, status]) => `${code} -> ${status}`).join(', ')

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'faecie HTTP API',
    version: '1',
    description: [
      'JSON over HTTP on the broker port, for languages without a faecie client. Every error is',
      '`{"error": {code, name, message, retriable}}` with the protocol error code; HTTP status by code:',
      `${errorTable}; other retriable codes 503, other codes 400. Requests that change state (POST, DELETE)`,
      'from a browser page whose Origin is not allowed get 403. Limits (defaults): 10000 records and the',
      "broker's frameBytesMax (8 MiB) of body per produce, 10000 records per read, maxWaitMs up to the",
      "broker's maxWaitMsMax, 256 live tails. In a cluster, a broker that does not lead a partition answers its produce,",
      'read and tail requests 421 with the leader\'s URL (Misdirected). With --auth scram every path needs credentials',
      '(Basic over https or from loopback, or a bearer token from POST /v1/auth/tokens): 401 without them, 403 when an ACL refuses.',
    ].join(' '),
  },
  security: SECURITY,
  paths: {
    '/v1/topics': {
      get: {
        operationId: 'listTopics', summary: 'List topics (internal ones left out).',
        responses: { 200: ok('The topics.', { type: 'object', properties: { topics: { type: 'array', items: ref('TopicSummary') } } }), 503: unavailable },
      },
      post: {
        operationId: 'createTopic', summary: 'Create a topic.',
        requestBody: { required: true, ...json(ref('CreateTopic')) },
        responses: {
          201: ok('Created.', ref('CreatedTopic')), 200: ok('validateOnly: it would be created.', ref('CreatedTopic')),
          ...common, 403: forbidden, 409: errorResponse('The topic exists (TOPIC_ALREADY_EXISTS).'),
        },
      },
    },
    '/v1/topics/{topic}': {
      parameters: [topicParam],
      get: {
        operationId: 'describeTopic', summary: 'A topic: config and per partition offsets and size.',
        responses: { 200: ok('The topic.', ref('TopicDescription')), ...common, 404: notFound },
      },
      delete: {
        operationId: 'deleteTopic', summary: 'Delete a topic and its data.',
        responses: {
          200: ok('Deleted.', { type: 'object', properties: { name: { type: 'string' }, deleted: { type: 'boolean' } } }),
          ...common, 403: forbidden, 404: notFound,
        },
      },
    },
    '/v1/topics/{topic}/records': {
      parameters: [topicParam],
      post: {
        operationId: 'produce', summary: 'Append records; answered per record with partition and offset.',
        requestBody: { required: true, ...json(ref('ProduceRequest')) },
        responses: {
          200: ok('Appended (a record whose partition failed carries `error`).', ref('ProduceResponse')),
          202: ok('acks 0: accepted, not yet appended (offsets -1).', ref('ProduceResponse')),
          ...common, 403: forbidden, 404: notFound, 413: errorResponse('The body or a partition batch is too large (MESSAGE_TOO_LARGE).'),
          421: misdirected,
        },
      },
    },
    '/v1/topics/{topic}/partitions/{partition}/records': {
      parameters: [topicParam, partitionParam],
      get: {
        operationId: 'readRecords', summary: 'Read records from an offset; a long poll when maxWaitMs > 0.',
        parameters: [
          offsetQuery('earliest'),
          query('maxRecords', { type: 'integer', minimum: 1, maximum: 10_000, default: 500 }, 'Records at most.'),
          query('maxWaitMs', { type: 'integer', minimum: 0, default: 0 }, "Wait this long for a first record (up to the broker's maxWaitMsMax)."),
          query('maxBytes', { type: 'integer', minimum: 1, default: 1_048_576 }, 'Bytes of JSON the records may take at most (the first record always comes).'),
          ...encodingQueries,
        ],
        responses: {
          200: ok('Records (maybe none) and where to go on.', ref('ReadResponse')),
          ...common, 404: notFound, 416: errorResponse('The offset is outside [logStartOffset, highWatermark] (OFFSET_OUT_OF_RANGE).'),
          421: misdirected,
        },
      },
    },
    '/v1/topics/{topic}/partitions/{partition}/tail': {
      parameters: [topicParam, partitionParam],
      get: {
        operationId: 'tailPartition', summary: 'Live tail of a partition as Server-Sent Events.',
        parameters: [...tailQueries, { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' },
          description: '`PARTITION:OFFSET` of the last event seen: resume after it (when no offset is given).' }],
        responses: { 200: sse, ...common, 404: notFound, 416: errorResponse('The offset is out of range.'), 421: misdirected },
      },
    },
    '/v1/topics/{topic}/tail': {
      parameters: [topicParam],
      get: {
        operationId: 'tailTopic',
        summary: 'Live tail of every partition of a topic as Server-Sent Events (cluster mode: those led here; `open` names the others in `elsewhere`).',
        parameters: tailQueries,
        responses: { 200: sse, ...common, 404: notFound, 421: { ...misdirected, description: 'Cluster mode: this broker leads none of the partitions.' } },
      },
    },
    '/v1/groups': {
      get: {
        operationId: 'listGroups', summary: 'List consumer groups.',
        parameters: [query('states', { type: 'string' }, 'Only groups in these states, comma-separated (Empty,Stable,...).')],
        responses: {
          200: ok('The groups.', { type: 'object', properties: { groups: { type: 'array', items: ref('ListedGroup') } } }), ...common,
        },
      },
    },
    '/v1/groups/{group}': {
      parameters: [groupParam],
      get: {
        operationId: 'describeGroup', summary: 'A group: state, members, and committed offset, end and lag per partition.',
        responses: { 200: ok('The group.', ref('GroupDescription')), ...common, 404: notFound },
      },
    },
    ...CLUSTER_PATHS,
    ...AUTH_PATHS,
  },
  components: { schemas: { ...schemas, ...CLUSTER_SCHEMAS, ...AUTH_SCHEMAS }, securitySchemes: SECURITY_SCHEMES },
} as const
