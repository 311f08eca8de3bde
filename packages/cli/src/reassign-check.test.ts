// The whole-plan check before --execute (reassign-check.ts): each problem named, the refusal text
// bounded, and the rollback made of the plan's partitions as they are now.
import { describe, expect, it } from 'vitest'
import { PLAN_PROBLEMS_SHOWN_MAX, planProblems, refusalText, rollbackOf } from './reassign-check.js'

const cluster = { brokers: [1, 2, 3], partitionCounts: new Map([['t', 2], ['__consumer_offsets', 1]]) }
const plan = (partitions: Array<{ topic: string; partition: number; replicas: number[] }>) => ({ version: 1 as const, partitions })

describe('planProblems', () => {
  it('accepts a plan of registered brokers and existing partitions (internal topics included)', () => {
    expect(planProblems(plan([{ topic: 't', partition: 1, replicas: [3, 1] }, { topic: '__consumer_offsets', partition: 0, replicas: [2] }]), cluster)).toEqual([])
  })

  it('names every problem: unregistered brokers, missing topics and partitions, duplicates, no replicas', () => {
    expect(planProblems(plan([
      { topic: 't', partition: 0, replicas: [1, 2] },
      { topic: 't', partition: 1, replicas: [9, 1, 8] },
      { topic: 't', partition: 5, replicas: [1] },
      { topic: 'gone', partition: 0, replicas: [1] },
      { topic: 't', partition: 0, replicas: [2, 2] },
      { topic: 't', partition: 1, replicas: [] },
    ]), cluster)).toEqual([
      't-1: brokers 9,8 are not registered',
      't-5: topic t has 2 partitions (0 to 1)',
      'gone-0: topic gone does not exist',
      't-0 is named twice',
      't-0: a broker is named twice in 2,2',
      't-1 is named twice',
      't-1: no replicas (a partition needs at least 1)',
      '(registered brokers: 1,2,3; see faecie cluster describe)',
    ])
  })
})

describe('refusalText', () => {
  it('says nothing moved and shows at most PLAN_PROBLEMS_SHOWN_MAX problems', () => {
    const problems = Array.from({ length: PLAN_PROBLEMS_SHOWN_MAX + 3 }, (_, i) => `p${i}`)
    const text = refusalText(problems)
    expect(text.split('\n')[0]).toBe('the plan was refused, nothing was moved:')
    expect(text.split('\n')).toHaveLength(PLAN_PROBLEMS_SHOWN_MAX + 2)
    expect(text.endsWith('and 3 more')).toBe(true)
  })
})

describe('rollbackOf', () => {
  it('is the plan\'s partitions as they are now', () => {
    const now = [{ topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [2, 3] }]
    expect(rollbackOf(plan([{ topic: 't', partition: 1, replicas: [1] }]), now)).toEqual({ version: 1, partitions: [now[1]] })
  })
})
