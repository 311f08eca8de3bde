// The broker's command line and config file: defaults, flags over the file, and usage errors.
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/test-support.js'
import { parseBrokerArgs, UsageError } from './config.js'

// Every config file of this file lives in one temp dir, removed when the file's tests end.
const configDir = tempDir('faecie-cfg-')
afterAll(configDir.cleanup)
let configFiles = 0

function configFile(content: unknown): string {
  const path = join(configDir.dir, `broker-${++configFiles}.json`)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('parseBrokerArgs', () => {
  it('has defaults', () => {
    const config = parseBrokerArgs([])
    expect(config).toMatchObject({ port: 8092, host: '127.0.0.1', dataDir: resolve('./faecie-data'), allowedOrigins: [], autoCreateTopics: false })
  })

  it('reads flags, and flags win over the config file', () => {
    const file = configFile({ port: 9000, host: '0.0.0.0', partitionThreads: 3, limits: { sessionsMax: 10 }, allowedOrigins: ['http://a.example'] })
    const config = parseBrokerArgs(['--config', file, '--port', '0', '--allowed-origins', 'http://b.example, http://c.example', '--auto-create-topics'])
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0', partitionThreads: 3, autoCreateTopics: true, allowedOrigins: ['http://b.example', 'http://c.example'] })
    expect(config !== 'help' && config.limits.sessionsMax).toBe(10)
  })

  it('has a Kafka listener on 9092 unless told another port or none', () => {
    expect(parseBrokerArgs([])).toMatchObject({ kafkaPort: 9092, kafkaAdvertisedHost: undefined })
    expect(parseBrokerArgs(['--kafka-port', '0', '--kafka-advertised-host', 'kafka.example'])).toMatchObject({ kafkaPort: 0, kafkaAdvertisedHost: 'kafka.example' })
    expect(parseBrokerArgs(['--no-kafka'])).toMatchObject({ kafkaPort: undefined })
    expect(parseBrokerArgs(['--config', configFile({ kafkaPort: 19092 })])).toMatchObject({ kafkaPort: 19092 })
    expect(parseBrokerArgs(['--config', configFile({ kafka: false })])).toMatchObject({ kafkaPort: undefined })
    for (const argv of [['--kafka-port', '70000'], ['--kafka-port', 'x'], ['--kafka-advertised-host', ''], ['--config', configFile({ kafka: 'no' })]]) {
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(UsageError)
    }
  })

  it('reads group and metrics settings from the config file, defaults for the rest', () => {
    const config = parseBrokerArgs(['--config', configFile({ groups: { sessionTimeoutMsDefault: 10_000, startupAssignmentDelayMs: 0 },
      metrics: { topicLabelsMax: 5 }, http: { tailStreamsMax: 3 } })])
    expect(config !== 'help' && [config.groups.sessionTimeoutMsDefault, config.groups.startupAssignmentDelayMs, config.groups.sessionTimeoutMsMax,
      config.metrics.topicLabelsMax, config.metrics.seriesPointsMax, config.http.tailStreamsMax, config.http.produceRecordsMax])
      .toEqual([10_000, 0, 1_800_000, 5, 30, 3, 10_000])
  })

  it("reads the offset retention (Kafka's offsets.retention.minutes, 7 days by default), which may pass a day", () => {
    const defaults = parseBrokerArgs([])
    expect(defaults !== 'help' && [defaults.groups.offsetsRetentionMs, defaults.groups.offsetsRetentionCheckIntervalMs]).toEqual([604_800_000, 600_000])
    const config = parseBrokerArgs(['--config', configFile({ groups: { offsetsRetentionMs: 30 * 86_400_000, offsetsRetentionCheckIntervalMs: 50 } })])
    expect(config !== 'help' && [config.groups.offsetsRetentionMs, config.groups.offsetsRetentionCheckIntervalMs]).toEqual([30 * 86_400_000, 50])
    for (const groups of [{ offsetsRetentionMs: 0 }, { offsetsRetentionMs: 366 * 86_400_000 }, { offsetsRetentionCheckIntervalMs: 0 }]) {
      expect(() => parseBrokerArgs(['--config', configFile({ groups })]), JSON.stringify(groups)).toThrow(UsageError)
    }
  })

  it('reads the classic group settings and the per-coordinator group limits, Kafka\'s defaults otherwise', () => {
    const defaults = parseBrokerArgs([])
    expect(defaults !== 'help' && [defaults.groups.classicSessionTimeoutMsMin, defaults.groups.classicSessionTimeoutMsMax,
      defaults.groups.classicInitialRebalanceDelayMs, defaults.groups.classicNewMemberJoinTimeoutMs, defaults.groups.classicMemberBytesMax])
      .toEqual([6_000, 1_800_000, 3_000, 300_000, 256 * 1024 * 1024])
    const config = parseBrokerArgs(['--config', configFile({ groups: { classicInitialRebalanceDelayMs: 0, classicSessionTimeoutMsMin: 1_000,
      classicMembersPerGroupMax: 5, groupsMax: 7, membersMax: 9, classicMemberBytesMax: 4 * 1024 ** 3 } })])
    expect(config !== 'help' && [config.groups.classicInitialRebalanceDelayMs, config.groups.classicSessionTimeoutMsMin, config.groups.classicMembersPerGroupMax,
      config.groups.groupsMax, config.groups.membersMax, config.groups.classicMemberBytesMax]).toEqual([0, 1_000, 5, 7, 9, 4 * 1024 ** 3])
    for (const groups of [{ classicSessionTimeoutMsMin: 10_000, classicSessionTimeoutMsMax: 9_000 }, { groupsMax: 0 }, { classicMemberBytesMax: 0 },
      { classicNewMemberJoinTimeoutMs: 0 }]) {
      expect(() => parseBrokerArgs(['--config', configFile({ groups })]), JSON.stringify(groups)).toThrow(UsageError)
    }
  })

  it('throws UsageError for unknown flags, bad values and bad files', () => {
    for (const argv of [['--bogus'], ['--port', 'x'], ['--port', '70000'], ['--partition-threads', '0'], ['--allowed-origins', 'not an origin'],
      ['--config', configFile('{')], ['--config', configFile({ nope: 1 })], ['--config', configFile({ limits: { inFlightMax: 0 } })], ['stray'],
      ['--config', configFile({ groups: { sessionTimeoutMsDefault: 50 } })], ['--config', configFile({ groups: { nope: 1 } })],
      ['--config', configFile({ metrics: { topicLabelsMax: 0 } })], ['--config', configFile({ metrics: [] })], ['--config', configFile({ http: { tailStreamsMax: 0 } })]]) {
      expect(() => parseBrokerArgs(argv), argv.join(' ')).toThrow(UsageError)
    }
    expect(parseBrokerArgs(['--help'])).toBe('help')
    const file = configFile({ port: 'abc' })
    expect(() => parseBrokerArgs(['--config', file])).toThrow(`port in --config ${file} must be an integer`)
    expect(() => parseBrokerArgs(['--port', 'abc'])).toThrow('--port must be an integer')
  })
})
