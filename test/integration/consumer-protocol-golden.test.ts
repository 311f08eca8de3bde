// Golden bytes for faecie's ConsumerProtocol codec (packages/broker/src/groups/consumer-protocol.ts):
// Kafka 4.4's own kafka-clients writes subscriptions and assignments at v0-v3
// (test/support/java/ConsumerProtocolGolden.java, compiled here with javac against the cached Kafka
// jars); faecie must read each to the values Kafka was given, and its v0 encoders must write the
// same bytes Kafka writes at v0.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment, encodeConsumerSubscription }
  from '../../packages/broker/src/groups/consumer-protocol.js'
import { ensureInstalled, INSTALL_TIMEOUT_MS } from '../support/debian-install.js'
import { ensureKafkaClasspath, KAFKA_FETCH_TIMEOUT_MS } from '../support/kafka-jars.js'

let workDir: string | undefined
/** Kafka's bytes by case name (see the Java program for the values). */
const golden = new Map<string, Uint8Array>()

beforeAll(() => {
  ensureInstalled('javac (the ConsumerProtocol golden-byte test)', ['default-jdk-headless'], () => {
    const found = spawnSync('which', ['javac'], { encoding: 'utf8' })
    return found.status === 0 ? found.stdout.trim() : undefined
  })
  const kafka = ensureKafkaClasspath()
  workDir = mkdtempSync(join(tmpdir(), 'faecie-consumer-protocol-golden-'))
  execFileSync('javac', ['-d', workDir, '-cp', kafka, join(import.meta.dirname, '..', 'support', 'java', 'ConsumerProtocolGolden.java')])
  const out = execFileSync('java', ['-cp', `${workDir}:${kafka}`, 'ConsumerProtocolGolden'], { encoding: 'utf8' })
  for (const line of out.trimEnd().split('\n')) {
    const [name, hex] = line.split('\t')
    golden.set(name!, Uint8Array.from(Buffer.from(hex!, 'hex')))
  }
}, KAFKA_FETCH_TIMEOUT_MS + INSTALL_TIMEOUT_MS)

afterAll(() => { if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true }) })

const bytesOf = (name: string): Uint8Array => {
  const bytes = golden.get(name)
  expect(bytes, name).toBeDefined()
  return bytes!
}

describe("ConsumerProtocol against bytes from Kafka 4.4's kafka-clients", () => {
  it('reads subscriptions v0-v3', () => {
    for (let v = 0; v <= 3; v++) {
      expect(decodeConsumerSubscription(bytesOf(`subscription-plain-v${v}`)), `plain v${v}`).toEqual({
        topics: ['t', 'üu'], userData: null, ownedPartitions: [], generationId: -1, rackId: null,
      })
      expect(decodeConsumerSubscription(bytesOf(`subscription-full-v${v}`)), `full v${v}`).toEqual({
        topics: ['t', 'u'], userData: Uint8Array.of(7, 8),
        ownedPartitions: v >= 1 ? [{ topic: 't', partitions: [0, 3] }] : [],
        generationId: v >= 2 ? 9 : -1,
        rackId: v >= 3 ? 'rack-a' : null,
      })
    }
  })

  it('reads assignments v0-v3', () => {
    for (let v = 0; v <= 3; v++) {
      expect(decodeConsumerAssignment(bytesOf(`assignment-plain-v${v}`))).toEqual({ assignedPartitions: [{ topic: 't', partitions: [0, 2] }], userData: null })
      expect(decodeConsumerAssignment(bytesOf(`assignment-full-v${v}`))).toEqual({ assignedPartitions: [{ topic: 'u', partitions: [5] }], userData: Uint8Array.of(7, 8) })
    }
  })

  it('writes v0 as Kafka does', () => {
    expect(encodeConsumerSubscription(['t', 'üu'])).toEqual(bytesOf('subscription-plain-v0'))
    expect(encodeConsumerAssignment([{ topic: 't', partitions: [0, 2] }])).toEqual(bytesOf('assignment-plain-v0'))
  })
})
