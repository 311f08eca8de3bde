// The codecs against batches another encoder made (kafkajs 2.2.4): encoding the listed fields gives
// the file's bytes exactly, decoding the file gives the listed fields, and the same holds when the
// files are laid back to back as in a fetch response or a segment.
import { describe, expect, it } from 'vitest'
import {
  Compression,
  RecordBatchEncoder,
  crc32c,
  decodeBatch,
  decodeBatches,
  recordAsText,
  type CompressionCodec,
  type RecordInput,
} from '../src/index.js'
import { batchFixtures, concat, fixtureBytes, hex, type BatchFixture } from './helpers.js'

function inputsOf(c: BatchFixture): RecordInput[] {
  return c.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }))
}

function optionsOf(c: BatchFixture) {
  return {
    baseOffset: c.batch.baseOffset,
    partitionLeaderEpoch: c.batch.partitionLeaderEpoch,
    compression: c.batch.compression as CompressionCodec,
    transactional: c.batch.transactional,
    producerId: c.batch.producerId,
    producerEpoch: c.batch.producerEpoch,
    baseSequence: c.batch.baseSequence,
  }
}

describe('RecordBatch v2 fixtures', () => {
  it('has the cases the vectors README describes, gzip among them', () => {
    expect(batchFixtures.length).toBeGreaterThanOrEqual(8)
    expect(batchFixtures.some((c) => c.batch.compression === Compression.gzip && c.decodeOnly)).toBe(true)
  })

  for (const c of batchFixtures) {
    describe(c.file, () => {
      const bytes = fixtureBytes(c.file)

      it('has the stated size and a CRC-32C that matches', () => {
        expect(bytes.length).toBe(c.bytes)
        expect(crc32c(bytes, 21, bytes.length)).toBe(c.batch.crc)
      })

      it.skipIf(c.decodeOnly)('encodes the listed fields to exactly these bytes', () => {
        // The encoder numbers records 0, 1, 2, ...; the fixtures must agree for the comparison to mean anything.
        expect(c.records.map((r) => r.offsetDelta)).toEqual(c.records.map((_, i) => i))
        const encoded = new RecordBatchEncoder().encode(inputsOf(c), optionsOf(c))
        expect(hex(encoded)).toBe(hex(bytes))
      })

      it('decodes to the listed fields', () => {
        const batch = decodeBatch(bytes)
        const { compression, transactional, ...headerFields } = c.batch
        expect(batch.header).toEqual({ ...headerFields, batchLength: c.bytes - 12 })
        expect(batch.compression).toBe(compression)
        expect(batch.transactional).toBe(transactional)
        expect(batch.control).toBe(false)
        expect(batch.timestampType).toBe('create')
        expect(batch.sizeBytes).toBe(c.bytes)
        expect(batch.records.map(recordAsText)).toEqual(
          c.records.map((r) => ({
            offset: c.batch.baseOffset + r.offsetDelta,
            timestamp: r.timestamp,
            key: r.key,
            value: r.value,
            headers: r.headers,
          })),
        )
      })

      it('decodes the same with copies instead of views, and without the CRC check', () => {
        const views = decodeBatch(bytes)
        const copies = decodeBatch(bytes, 0, { copy: true, verifyCrc: false })
        expect(copies.records.map(recordAsText)).toEqual(views.records.map(recordAsText))
        for (const r of copies.records) {
          if (r.value !== null && r.value.length > 0) expect(r.value.buffer).not.toBe(bytes.buffer)
        }
      })
    })
  }

  it('decodes every fixture laid back to back, at any start offset in a larger buffer', () => {
    const files = batchFixtures.map((c) => fixtureBytes(c.file))
    const padded = concat([new Uint8Array(7), ...files, new Uint8Array(5)])
    const end = padded.length - 5
    const batches = [...decodeBatches(padded, 7, end)]
    expect(batches.map((b) => b.header.crc)).toEqual(batchFixtures.map((c) => c.batch.crc))
    expect(batches.map((b) => b.records.length)).toEqual(batchFixtures.map((c) => c.records.length))
    // decodeBatch at each batch's position gives the same batch.
    let pos = 7
    for (const b of batches) {
      expect(decodeBatch(padded.subarray(0, end), pos).header).toEqual(b.header)
      pos += b.sizeBytes
    }
    expect(pos).toBe(end)
  })

  it('encodes the gzip case to bytes that decode to the same records (other gzip bytes, same content)', () => {
    const c = batchFixtures.find((f) => f.batch.compression === Compression.gzip)!
    const encoded = new RecordBatchEncoder().encode(inputsOf(c), optionsOf(c))
    const batch = decodeBatch(encoded)
    expect(batch.compression).toBe(Compression.gzip)
    expect(batch.records.map(recordAsText)).toEqual(decodeBatch(fixtureBytes(c.file)).records.map(recordAsText))
  })
})
