// The data directory check: a directory, or a path that can be made under a writable directory.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/test-support.js'
import { checkDataDir, DataDirError } from './data-dir-check.js'

describe('checkDataDir', () => {
  const { dir: base, cleanup } = tempDir('faecie-dircheck-')
  afterAll(cleanup)
  const file = join(base, 'a-file')
  writeFileSync(file, 'x')

  it('accepts an existing directory and a path to be made under one', () => {
    expect(() => checkDataDir(base)).not.toThrow()
    expect(() => checkDataDir(join(base, 'new', 'deeper'))).not.toThrow()
  })

  it('refuses a file, a path through a file, and paths under /proc', () => {
    expect(() => checkDataDir(file)).toThrow(/is not a directory/)
    expect(() => checkDataDir(join(file, 'x'))).toThrow(/a-file is not a directory/)
    expect(() => checkDataDir('/proc/no-such-dir')).toThrow(DataDirError)
  })
})
