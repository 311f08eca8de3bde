// A Kafka connection's count of request bytes in flight, against a real socket and a stand-in
// gateway whose coordinator holds a JoinGroup until the test answers it: the held request's frame
// bytes count toward requestBytesInFlightMax while the client is there, and go back as soon as the
// connection closes, not when the join is answered minutes later.
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { waitFor } from '../../../../test/support/wait-for.js'
import type { Gateway } from '../gateway/context.js'
import { DEFAULT_LIMITS } from '../gateway/limits.js'
import { OutboundBytes } from '../gateway/outbound.js'
import { silentLogger } from '../log.js'
import { openGatewaySecurity } from '../security/gateway-security.js'
import { KafkaConnection } from './connection.js'
import { writeRequestHeader } from './generated/headers.js'
import { writeJoinGroupRequest, defaultJoinGroupRequest } from './generated/join-group.js'
import { KafkaWriter } from './wire.js'

const JOIN_GROUP_KEY = 11
const METADATA_BYTES = 100_000

let server: Server | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  server = undefined
})

/** A JoinGroup v5 frame (size prefix, header v1, body) with one protocol of METADATA_BYTES. */
function joinFrame(): Uint8Array {
  const w = new KafkaWriter(METADATA_BYTES + 256)
  w.int32(0)
  writeRequestHeader(w, 1, { requestApiKey: JOIN_GROUP_KEY, requestApiVersion: 5, correlationId: 7, clientId: 'test' })
  writeJoinGroupRequest(w, 5, { ...defaultJoinGroupRequest(), groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: new Uint8Array(METADATA_BYTES) }] })
  const bytes = w.finish()
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4)
  return bytes
}

it("a held JoinGroup's bytes go back to requestBytesInFlightMax when its connection closes, once", async () => {
  const outbound = new OutboundBytes(DEFAULT_LIMITS)
  const answers: Array<(answer: unknown) => void> = []
  const gateway = {
    limits: DEFAULT_LIMITS, outbound, draining: false, security: openGatewaySecurity(silentLogger()),
    topics: { kafkaGroup: () => new Promise((resolve) => answers.push(resolve)) },
  } as unknown as Gateway
  const connections: KafkaConnection[] = []
  server = createServer((socket) => {
    sockets.push(socket)
    connections.push(new KafkaConnection(1, socket, gateway, { brokerId: 1, clusterId: 'c', advertisedHost: '127.0.0.1', advertisedPort: 0 }, silentLogger()))
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  sockets.push(client)
  client.write(joinFrame())
  await waitFor('the join held by the coordinator', () => answers.length === 1)
  expect(outbound.requestBytes).toBeGreaterThan(METADATA_BYTES)
  expect(connections[0]!.inFlight).toBe(1)

  client.destroy()
  await waitFor('the held join\'s bytes given back', () => outbound.requestBytes === 0)
  // The join answered after the close: its answer is dropped, its bytes not given back twice.
  answers[0]!({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: 'm', skipAssignment: false, memberId: 'm', members: [] })
  await waitFor('the held join answered', () => connections[0]!.inFlight === 0)
  expect(outbound.requestBytes).toBe(0)
})
