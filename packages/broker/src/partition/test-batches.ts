// Batches for partition tests, made with the real protocol encoder, and the tick that feeds them to an actor.
import { RecordBatchEncoder, type EncodeOptions } from '@faecie/protocol'
import type { PartitionReply, PartitionRequest } from './messages.js'
import type { Envelope, PartitionActor } from './partition-actor.js'

const encoder = new RecordBatchEncoder()

/** A batch of `count` records whose values are `${tag}-${i}`, as a buffer of its own. */
export function testBatch(tag: string, count = 3, options: EncodeOptions = {}): Uint8Array {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }))
  return encoder.encode(records, { timestamp: 1_700_000_000_000, ...options }).slice()
}

/** Runs one tick of `actor` with these requests and returns their replies in order (every one is answered). */
export function tick(actor: PartitionActor, requests: PartitionRequest[]): PartitionReply[] {
  const replies: PartitionReply[] = []
  const envelopes: Envelope[] = requests.map((request, i) => ({ request, reply: (r) => { replies[i] = r } }))
  actor.tick(envelopes)
  const answered = replies.filter(Boolean).length
  if (answered !== requests.length) throw new Error(`a tick answered ${answered} of ${requests.length} requests`)
  return replies
}

/** A produce request of `bytes` with acks all. */
export const produce = (bytes: Uint8Array): PartitionRequest => ({ op: 'produce', bytes, acks: -1 })
