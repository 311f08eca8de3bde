// Where a follower cuts its log before fetching from a new leader or epoch (Kafka's KIP-101 / KIP-279
// truncation, AbstractFetcherThread.getOffsetTruncationState), as a pure function of the two answers:
//
//   leader: offsetsForLeaderEpoch(E) on the leader -> (E', endL): the largest epoch E' <= E in the
//           leader's log and where it ends there (the start of the leader's next epoch, or its LEO)
//   own:    offsetsForLeaderEpoch(E') on the follower's own log -> (e, endF): the same for the follower
//
//   leader has no epoch <= E  (E' = -1)     truncate to 0: nothing the follower has is known to match
//                                           (the protocol says "to the leader's log start", which this
//                                           answer does not carry; the actor keeps its own log start)
//   own has no epoch <= E'  (e = -1)        truncate to 0: every batch is stamped with its epoch, so all
//                                           the follower has is of epochs above E' the leader never had
//                                           (Kafka keeps min(endL, LEO) here, for logs written before
//                                           epochs existed; faecie has none)
//   e == E'                                 truncate to min(endL, endF, LEO): done
//   e <  E' (the follower never had E')     truncate to min(endF, LEO) and ask again with e: the
//                                           leader's end of e may be earlier still. Each round asks a
//                                           strictly smaller epoch, so this ends.
// The contract's one-step rule ("min of the leader's and the follower's end of that epoch") is the
// e == E' case; the extra rounds cover a follower whose latest epochs the leader never had.
import { strict as assert } from 'node:assert'

export interface EpochEnd {
  /** The largest epoch <= the one asked for, or -1. */
  leaderEpoch: number
  /** Where it ends (exclusive), or -1. */
  endOffset: number
}

export type TruncationStep =
  | { offset: number; done: true }
  | { offset: number; done: false; nextEpoch: number }

/** The next truncation step: `own` is undefined when the leader had no epoch to look up. */
export function truncationStep(leader: EpochEnd, own: EpochEnd | undefined, logEndOffset: number): TruncationStep {
  if (leader.leaderEpoch < 0 || leader.endOffset < 0) return { offset: 0, done: true }
  assert(own !== undefined, 'the follower\'s own end of the leader\'s epoch is needed')
  if (own.leaderEpoch < 0) return { offset: 0, done: true }
  assert(own.leaderEpoch <= leader.leaderEpoch,
    `the follower's log answered epoch ${own.leaderEpoch} for epoch ${leader.leaderEpoch}: not the largest at or below it`)
  if (own.leaderEpoch === leader.leaderEpoch) {
    return { offset: Math.min(leader.endOffset, own.endOffset, logEndOffset), done: true }
  }
  return { offset: Math.min(own.endOffset, logEndOffset), done: false, nextEpoch: own.leaderEpoch }
}
