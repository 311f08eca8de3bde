// OffsetsPartitionHost over a fake partition manager: reads to the log end (isolation logEnd) and
// reports the offset after the last whole batch; appends go as acks=all produce, refused with
// NOT_LEADER_OR_FOLLOWER when this broker does not lead at the shard's epoch before the append or
// no longer does when the actor answers.
import { ErrorCode, FaecieError, RecordBatchEncoder } from '@faecie/protocol'
import { describe, expect, it } from 'vitest'
import { nextOffsetAfter, OffsetsPartitionHost } from './offsets-partition-host.js'

function batchAt(baseOffset: number, count: number): Uint8Array {
  const bytes = new RecordBatchEncoder(4096).encode(Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: 'v' })), { timestamp: 1 }).slice()
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(0, BigInt(baseOffset))
  return bytes
}

describe('OffsetsPartitionHost', () => {
  it('finds the offset after the last whole batch, ignoring a cut one', () => {
    const a = batchAt(10, 3)
    const b = batchAt(13, 2)
    const both = new Uint8Array([...a, ...b])
    expect(nextOffsetAfter(both)).toBe(15)
    expect(nextOffsetAfter(both.subarray(0, both.length - 1))).toBe(13)
    expect(nextOffsetAfter(new Uint8Array(0))).toBeUndefined()
  })

  it('reads to the log end and appends with acks=all while leading at its epoch, else NOT_LEADER_OR_FOLLOWER', async () => {
    let epoch: number | undefined = 4
    const requests: unknown[] = []
    const produced: number[] = []
    const partitions = {
      request: async (_t: string, _p: number, request: unknown) => { requests.push(request); return { bytes: batchAt(0, 2), logStartOffset: 0, highWatermark: 1, logEndOffset: 2 } },
      produce: async (_t: string, _p: number, _bytes: Uint8Array, acks: number) => { produced.push(acks); epoch = 5; return {} },
    }
    const host = new OffsetsPartitionHost({ partition: 3, partitions: partitions as never, leaderEpoch: 4, leaderEpochNow: () => epoch })
    expect(await host.read(0)).toMatchObject({ nextOffset: 2, logEndOffset: 2 })
    expect(requests).toEqual([{ op: 'fetch', offset: 0, maxBytes: 1024 * 1024, isolation: 'logEnd' }])
    // The leader epoch moved while the actor held the append: not committed here.
    const replaced = await host.append(batchAt(0, 1)).catch((err: unknown) => err as FaecieError)
    expect(produced).toEqual([-1])
    expect((replaced as FaecieError).code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    epoch = undefined
    expect(await host.append(batchAt(0, 1)).catch((err: unknown) => (err as FaecieError).code)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(produced).toEqual([-1])
  })
})
