// Test support for classic groups (not shipped code's dependency; tests only): a group on a fake
// clock, request builders, and a watcher that tells whether a held answer came and how many times.
import { ClassicGroup, DEFAULT_CLASSIC_GROUP_SETTINGS, type ClassicGroupSettings } from './classic-group.js'
import { encodeConsumerSubscription } from './consumer-protocol.js'
import type { ClassicProtocol, JoinGroupRequest, SyncGroupRequest } from './kafka-group-ops.js'

export const TEST_SETTINGS: ClassicGroupSettings = {
  ...DEFAULT_CLASSIC_GROUP_SETTINGS,
  initialRebalanceDelayMs: 100,
  sessionTimeoutMsMin: 10,
  sessionTimeoutMsMax: 60_000,
}

/** A group whose member ids are `${clientId}-${n}`. */
export function classicGroup(settings: Partial<ClassicGroupSettings> = {}): ClassicGroup {
  let n = 0
  return new ClassicGroup('g', { ...TEST_SETTINGS, ...settings }, (clientId) => `${clientId}-${++n}`)
}

export function rangeOf(...topics: string[]): ClassicProtocol {
  return { name: 'range', metadata: encodeConsumerSubscription(topics) }
}

export function joinRequest(over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g', memberId: '', clientId: 'c', clientHost: '/10.0.0.1', sessionTimeoutMs: 1_000, rebalanceTimeoutMs: 500,
    protocolType: 'consumer', protocols: [rangeOf('t')], requireKnownMemberId: false, ...over,
  }
}

export function syncRequest(memberId: string, generationId: number, over: Partial<SyncGroupRequest> = {}): SyncGroupRequest {
  return { groupId: 'g', memberId, generationId, assignments: [], ...over }
}

/** Watches an answer given at once or held: `answer` once it came; `count` how many times (never above 1). */
export interface Watched<T> {
  answer: T | undefined
  count: number
}

export function watch<T>(result: T | Promise<T>): Watched<T> {
  const watched: Watched<T> = { answer: undefined, count: 0 }
  const settle = (value: T): void => { watched.answer = value; watched.count++ }
  if (result instanceof Promise) void result.then(settle)
  else settle(result)
  return watched
}

/** Lets every ready promise job run. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
