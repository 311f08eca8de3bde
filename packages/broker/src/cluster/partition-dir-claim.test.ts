// partition.metadata (partition-dir-claim.ts): a directory of another topic id under the same name is
// moved aside before a replica opens, the topic's own is kept, and a directory without the file is
// taken as the topic's and gets it.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../log.js'
import { claimPartitionDir, PARTITION_METADATA_FILE, partitionDirTopicId, recordPartitionTopic } from './partition-dir-claim.js'
import { makeTempDir, removeTempDir } from '../../../../test/support/temp-dir.js'

const dirs: string[] = []
afterEach(() => { for (const dir of dirs.splice(0)) removeTempDir(dir) })

function dataDir(): string {
  const dir = makeTempDir('claim')
  dirs.push(dir)
  return dir
}

describe('partition directory claims', () => {
  it('moves aside a directory of another topic id, keeps its own, records the id of one without the file', () => {
    const root = dataDir()
    const dir = join(root, 'orders-0')
    mkdirSync(dir)
    writeFileSync(join(dir, '00000000000000000000.log'), 'old records')
    recordPartitionTopic(root, 'orders', 0, 'id-old')
    expect(partitionDirTopicId(dir)).toBe('id-old')
    expect(readFileSync(join(dir, PARTITION_METADATA_FILE), 'utf8')).toBe('version: 0\ntopic_id: id-old\n')

    claimPartitionDir(root, 'orders', 0, 'id-old', 1, silentLogger())
    expect(existsSync(join(dir, '00000000000000000000.log'))).toBe(true)

    claimPartitionDir(root, 'orders', 0, 'id-new', 42, silentLogger())
    expect(existsSync(dir)).toBe(false)
    expect(readdirSync(root)).toEqual(['orders-0.stale-42'])
    expect(partitionDirTopicId(join(root, 'orders-0.stale-42'))).toBe('id-old')

    mkdirSync(dir)
    claimPartitionDir(root, 'orders', 0, 'id-new', 43, silentLogger())
    recordPartitionTopic(root, 'orders', 0, 'id-new')
    expect(partitionDirTopicId(dir)).toBe('id-new')
    recordPartitionTopic(root, 'absent', 0, 'id-x')
    expect(existsSync(join(root, 'absent-0'))).toBe(false)
  })
})
