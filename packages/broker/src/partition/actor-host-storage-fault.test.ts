// A partition whose open the disk refuses (full, read-only) is not given up (issue 11): the host
// says why, answers its requests with KAFKA_STORAGE_ERROR naming the cause, and opens it by itself
// at a housekeeping once the disk heals and the backoff (on an injected clock) has passed.
import '@faecie/protocol/node'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@faecie/protocol'
import { silentLogger } from '../log.js'
import { DEFAULT_LOG_CONFIG } from '../storage/log-api.js'
import { PartitionLog } from '../storage/log.js'
import { SimulatedDisk } from '../storage/simulated-disk.js'
import { waitFor } from '../../../../test/support/wait-for.js'
import { ActorHost } from './actor-host.js'
import { diskSnapshotStore } from './disk-snapshot-store.js'
import type { FromWorker, PartitionConfig, ReplyItem } from './messages.js'
import { DEFAULT_STORAGE_RETRY_MIN_MS } from './storage-fault.js'

const config: PartitionConfig = { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 1 << 20, timestampType: 'CreateTime' }

describe('ActorHost on a disk that refuses an open', () => {
  it('answers KAFKA_STORAGE_ERROR with the cause, and opens the partition by itself once the disk heals', async () => {
    const disk = new SimulatedDisk()
    let now = 1_700_000_000_000
    const inbox: FromWorker[] = []
    const host = new ActorHost({
      openStorage: (dir, c, logger) => ({
        log: PartitionLog.open({ dir, config: c, disk, clock: () => now, logger }),
        snapshots: diskSnapshotStore(disk, dir),
      }),
      post: (message) => inbox.push(message),
      clock: () => now,
      logger: silentLogger(),
      housekeepingMs: 5,
    })
    try {
      disk.fault = 'EROFS'
      host.handle({ type: 'open', key: 't-0', dir: '/data/t-0', config })
      expect(inbox.find((m) => m.type === 'storage')).toMatchObject({ key: 't-0', errors: 1, error: { cause: expect.stringContaining('EROFS') } })
      expect(inbox.find((m) => m.type === 'openFailed')).toMatchObject({ error: { code: ErrorCode.KAFKA_STORAGE_ERROR } })
      host.handle({ type: 'request', key: 't-0', requestId: 1, request: { op: 'status' } })
      const refused = inbox.find((m): m is Extract<FromWorker, { type: 'reply' }> => m.type === 'reply')!
      expect(refused.reply).toMatchObject({ ok: false, error: { code: ErrorCode.KAFKA_STORAGE_ERROR, message: expect.stringContaining('read-only') } })

      disk.fault = null
      inbox.length = 0
      now += DEFAULT_STORAGE_RETRY_MIN_MS
      await waitFor('the partition to open at a housekeeping', () => inbox.find((m) => m.type === 'opened'))
      expect(inbox.find((m) => m.type === 'storage')).toEqual({ type: 'storage', key: 't-0', error: null, errors: 0 })
      host.handle({ type: 'request', key: 't-0', requestId: 2, request: { op: 'status' } })
      await waitFor('the status answer', () => inbox.some((m) => m.type === 'replies'))
      const answered = inbox.flatMap((m): ReplyItem[] => (m.type === 'replies' ? m.replies : []))
      expect(answered[0]).toMatchObject({ requestId: 2, reply: { ok: true } })
    } finally {
      host.shutdown()
    }
  })
})
