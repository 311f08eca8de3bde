// `faecie users create|list|passwd|delete` and `faecie acls add|list|remove` as child processes
// against a real broker: the new password comes from a file (never argv), list prints what the
// broker holds (never a key), create refuses an existing credential and passwd a missing user, and
// acls takes kafka-acls.sh's flags (principals x operations x resources). The broker runs without
// --auth here, so the commands need no login; the login flags are the login part's (issue 19).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js'
import { runCli } from '../support/cli-process.js'
import { makeTempDir } from '../support/temp-dir.js'

let broker: BrokerProcess
let passwordFile: string

beforeAll(async () => {
  broker = await startBrokerProcess()
  passwordFile = join(makeTempDir('cli-security'), 'password')
  writeFileSync(passwordFile, 'alice-secret\nignored second line\n')
})

afterAll(async () => {
  await broker?.stop()
})

const faecie = (args: string[]) => runCli([...args, '--broker', broker.url])

async function ok(args: string[]): Promise<{ lines: string[]; stderr: string }> {
  const result = await faecie(args)
  expect(result.code, `faecie ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

describe('faecie users', () => {
  it('creates, lists, changes the password of and deletes a user', async () => {
    expect((await ok(['users', 'create', '--name', 'alice', '--new-password-file', passwordFile])).stderr).toContain('Created user alice (SCRAM-SHA-512)')
    await ok(['users', 'create', '--name', 'alice', '--new-password-file', passwordFile, '--mechanism', 'scram-sha-256', '--iterations', '8192'])
    const again = await faecie(['users', 'create', '--name', 'alice', '--new-password-file', passwordFile])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('faecie users passwd')
    const { lines } = await ok(['users', 'list'])
    expect(lines[0]).toMatch(/^USER\s+MECHANISMS$/)
    expect(lines[1]).toMatch(/^alice\s+/)
    expect(lines[1]).toContain('SCRAM-SHA-256(iterations=8192)')
    await ok(['users', 'passwd', '--name', 'alice', '--new-password-file', passwordFile, '--mechanism', 'SCRAM-SHA-256'])
    const json = JSON.parse((await ok(['users', 'list', '--name', 'alice', '--format', 'json'])).lines[0]!) as { users: { user: string; mechanisms: unknown[] }[] }
    expect(json.users).toEqual([{ user: 'alice', mechanisms: expect.arrayContaining([{ mechanism: 'SCRAM-SHA-256', iterations: 4096 }]) }])
    expect(JSON.stringify(json)).not.toMatch(/salt|Key/)
    const missing = await faecie(['users', 'passwd', '--name', 'nobody', '--new-password-file', passwordFile])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('does not exist')
    await ok(['users', 'delete', '--name', 'alice'])
    expect((await ok(['users', 'list'])).lines).toEqual([expect.stringMatching(/^USER\s+MECHANISMS$/)])
  })

  it('refuses a bad command line before contacting the broker', async () => {
    const noFile = await faecie(['users', 'create', '--name', 'bob'])
    expect(noFile.code).toBe(2)
    expect(noFile.stderr).toContain('--new-password-file is required')
    const badMechanism = await faecie(['users', 'create', '--name', 'bob', '--new-password-file', passwordFile, '--mechanism', 'PLAIN'])
    expect(badMechanism.code).toBe(2)
  })
})

describe('faecie acls', () => {
  it('adds, lists and removes bindings', async () => {
    await ok(['acls', 'add', '--allow-principal', 'User:alice', '--operation', 'read', '--operation', 'Describe', '--topic', 'orders', '--topic', 'payments'])
    await ok(['acls', 'add', '--deny-principal', 'User:bob', '--operation', 'Write', '--topic', 'pay', '--resource-pattern-type', 'prefixed', '--host', '10.0.0.1'])
    await ok(['acls', 'add', '--allow-principal', 'User:alice', '--operation', 'Read', '--group', 'billing'])
    await ok(['acls', 'add', '--allow-principal', 'User:ops', '--operation', 'Alter', '--cluster'])
    const all = await ok(['acls', 'list'])
    expect(all.lines[0]).toMatch(/^RESOURCE-TYPE\s+RESOURCE\s+PATTERN\s+PRINCIPAL\s+HOST\s+OPERATION\s+PERMISSION$/)
    expect(all.lines).toHaveLength(1 + 7)
    const topics = JSON.parse((await ok(['acls', 'list', '--topic', 'orders', '--format', 'json'])).lines[0]!) as { acls: unknown[] }
    expect(topics.acls).toHaveLength(2)
    expect((await ok(['acls', 'list', '--principal', 'User:bob'])).lines[1]).toMatch(/^topic\s+pay\s+prefixed\s+User:bob\s+10\.0\.0\.1\s+Write\s+Deny$/)
    const removed = await ok(['acls', 'remove', '--allow-principal', 'User:alice', '--topic', 'orders'])
    expect(removed.lines).toHaveLength(2)
    expect(removed.lines[0]).toMatch(/^Removed ACL: Allow User:alice (Read|Describe) on topic orders/)
    expect((await ok(['acls', 'list'])).lines).toHaveLength(1 + 5)
    const noFilter = await faecie(['acls', 'remove'])
    expect(noFilter.code).toBe(2)
    const badOperation = await faecie(['acls', 'add', '--allow-principal', 'User:x', '--operation', 'Fly', '--topic', 't'])
    expect(badOperation.code).toBe(2)
    expect(badOperation.stderr).toContain('Fly')
  })
})
